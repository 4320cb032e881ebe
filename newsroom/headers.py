"""Response headers every page of the site carries: isolation headers, no caching of errors, and the
Content-Security-Policy (django-csp, configured in settings)."""

from csp.middleware import CSPMiddleware
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


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with the site's two policies (settings.CONTENT_SECURITY_POLICY).

    Reader pages run only scripts that carry the page's nonce (`nonce="{{ request.csp_nonce }}"`), and
    what those load ('strict-dynamic'): an injected script, inline or from anywhere, never runs. Every
    reader page names a nonce in its policy, so adding a script is only a matter of marking its tag.
    The Django admin's and the API docs page's script tags carry no nonce: there, scripts from this site.
    """

    def process_response(self, request, response):
        if not self.runs_site_scripts(request) and response.get("Content-Type", "").startswith("text/html"):
            str(request.csp_nonce)  # makes the nonce part of this response's policy
        return super().process_response(request, response)

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if self.runs_site_scripts(request):
            parts.replace = {**settings.CONTENT_SECURITY_POLICY_SITE_SCRIPTS, **(parts.replace or {})}
        return parts

    @staticmethod
    def runs_site_scripts(request):
        return request.path_info.startswith(settings.SITE_SCRIPTS_URL_PREFIXES)
