"""Headers every Content API response carries: CORS for reading, validators and 304s, caching.

ETags are a hash of the response, so they can never be stale, whatever changed (a story, a tag's
name, a person's role); a client that sends If-None-Match gets an empty 304. Responses may be kept
as long as reader pages (never past the next scheduled publication), so the CDN in front shields the
app servers the same way.
"""

from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers, set_response_etag
from django.utils.http import parse_http_date_safe

from articles.views import public_max_age

API_PREFIX = "/api/"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "X-API-Key, If-None-Match, If-Modified-Since",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Retry-After",
    "Access-Control-Max-Age": "86400",
}


class ApiHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response = HttpResponse(status=204)
        else:
            response = self.get_response(request)
        for name, value in CORS_HEADERS.items():
            response[name] = value
        if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.streaming:
            return response
        patch_vary_headers(response, ["X-API-Key"])
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, public=True, max_age=public_max_age())
        set_response_etag(response)
        last_modified = response.get("Last-Modified")
        conditional = get_conditional_response(
            request,
            etag=response["ETag"],
            last_modified=_timestamp(last_modified),
            response=response,
        )
        if conditional.status_code == 304:
            for name, value in CORS_HEADERS.items():
                conditional[name] = value
        return conditional


def _timestamp(header):
    return parse_http_date_safe(header) if header else None
