"""Response headers every page of the site carries (the Content-Security-Policy is django-csp's, in settings)."""

from django.conf import settings


class SiteHeadersMiddleware:
    """Browser isolation headers on every response, and no caching of server errors.

    An outage page kept by a CDN or browser would outlive the outage: 5xx responses are `no-store`,
    whatever the view had said.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code >= 500:
            response["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        for name, value in settings.SITE_RESPONSE_HEADERS.items():
            response.headers.setdefault(name, value)
        return response
