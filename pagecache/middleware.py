"""Serving reader pages from the page cache, with the headers browsers and CDNs need.

Placed after the security and site-header middleware (which run for every response, cached or not) and
before sessions, authentication and CSRF, which a cached page never needs. For every page a view declared
(pagecache.shows), cached or not:

- `Cache-Control: public, max-age=…, s-maxage=…, stale-while-revalidate=…, stale-if-error=…`, every age
  cut to the next scheduled moment the page depends on (and stale-while-revalidate dropped where it would
  reach past it);
- `Surrogate-Key` (Fastly, Varnish xkey) and `Cache-Tag` (Cloudflare, Akamai) naming its dependency keys,
  the keys the purge backend is called with;
- a weak `ETag` (the page's hash, whatever its encoding) and the view's `Last-Modified`, answered with 304;
- gzip (and brotli) bodies, made once when the page is stored (a page not kept is compressed only in the
  encoding its reader asked for). Only pages fit for every reader are compressed: a page that set a
  cookie (a CSRF token does) is never cached nor compressed, so no secret sits beside reflected input in
  a compressed body (BREACH).
"""

import base64
import gzip
import hashlib
import re
import secrets

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import parse_http_date_safe
from django.utils.module_loading import import_string

from pagecache import purge, store

try:  # brotli is pinned in requirements.txt; without it pages are still gzipped.
    import brotli
except ImportError:  # pragma: no cover
    brotli = None

COMPRESSIBLE_TYPES = (
    "text/",
    "application/xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/json",
    "application/javascript",
)
# Below this a compressed body saves nothing worth the header.
MIN_COMPRESSED_BYTES = 256
# Headers the cache sets itself on every response it serves.
OWN_HEADERS = {"cache-control", "content-length", "content-encoding", "etag", "vary", "expires", "set-cookie"}
# Each encoding a compressible page is offered in, best first (brotli only where the package is installed).
COMPRESSORS = {
    **({"br": lambda body: brotli.compress(body, quality=5)} if brotli is not None else {}),
    "gzip": lambda body: gzip.compress(body, compresslevel=6, mtime=0),
}
NONCE = re.compile(r"'nonce-([^']+)'")
CSP_HEADERS = ("Content-Security-Policy", "Content-Security-Policy-Report-Only")
CONDITIONAL_HEADERS = {"HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE"}


class Entry:
    """One page as served to every anonymous reader: bodies per encoding, headers, what it depends on."""

    def __init__(self, status, headers, vary, body, keys, boundary, expires, nonce):
        self.status = status
        self.headers = headers
        self.vary = vary
        self.bodies = {"identity": body}
        self.keys = tuple(sorted(keys))
        self.boundary = boundary  # timestamp of the next moment the page may change by itself, or None
        self.expires = expires  # timestamp after which it is not served from the page cache
        self.nonce = nonce  # the CSP nonce in its headers (its body has none), renewed for each response
        self.etag = f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'
        self.last_modified = parse_http_date_safe(dict(headers).get("Last-Modified", ""))
        self.generations = {}  # the generation of each key when it was kept (pagecache.store.keep)
        self.changes = None  # and the store-wide CHANGES generation then
        # What every response of it says, worked out once rather than on each hit.
        self.surrogate_keys = purge.surrogate_keys(self.keys)
        content_type = dict(headers).get("Content-Type", "")
        compressible = len(body) >= MIN_COMPRESSED_BYTES and content_type.startswith(COMPRESSIBLE_TYPES)
        self.encodings = ("identity", *COMPRESSORS) if compressible else ("identity",)
        varies = {}  # each header once, whatever its case, as patch_vary_headers() would
        for name in [*vary, *(["Accept-Encoding"] if compressible else [])]:
            varies.setdefault(name.lower(), name)
        self.vary_header = ", ".join(varies.values())

    def body(self, encoding):
        """The body in one of its encodings, compressed on first use: a page served once and not kept (the
        cache off, or an invalidation while it rendered) costs only the encoding its reader asked for."""
        if encoding not in self.bodies:
            self.bodies[encoding] = COMPRESSORS[encoding](self.bodies["identity"])
        return self.bodies[encoding]

    def compressed(self):
        """The entry with every encoding made, as it is kept: hits never compress."""
        for encoding in self.encodings:
            self.body(encoding)
        return self

    @classmethod
    def of(cls, response, declared, next_publication, now):
        """The entry for a declared response, or None when it must not be shared (its body uses the nonce)."""
        headers = [(name, value) for name, value in response.items() if name.lower() not in OWN_HEADERS]
        vary = tuple(part.strip() for part in response.get("Vary", "").split(",") if part.strip())
        nonce = None
        for name in CSP_HEADERS:
            found = NONCE.search(response.get(name, ""))
            if found:
                nonce = found.group(1)
        body = response.content
        if nonce and nonce.encode() in body:
            return None
        moments = [moment.timestamp() for moment in (next_publication, declared.until) if moment is not None]
        boundary = min(moments) if moments else None
        expires = min(now + settings.PAGE_CACHE_SECONDS, boundary or float("inf"))
        return cls(response.status_code, headers, vary, body, declared.keys, boundary, expires, nonce)

    def cache_control_header(self, now):
        return ", ".join(
            name.replace("_", "-") if value is True else f"{name.replace('_', '-')}={value}"
            for name, value in self.cache_control(now).items()
        )

    def cache_control(self, now):
        browser, cdn, revalidate = (
            settings.PUBLIC_PAGE_MAX_AGE,
            settings.CDN_MAX_AGE,
            settings.CDN_STALE_WHILE_REVALIDATE,
        )
        if self.boundary is not None:
            left = max(0, int(self.boundary - now))
            browser, cdn = min(browser, left), min(cdn, left)
            revalidate = min(revalidate, left - cdn)
        parts = {"public": True, "max_age": browser, "s_maxage": cdn}
        if revalidate > 0:
            parts["stale_while_revalidate"] = revalidate
        if settings.CDN_STALE_IF_ERROR:
            parts["stale_if_error"] = settings.CDN_STALE_IF_ERROR
        return parts


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.gates = {prefix: import_string(path) for prefix, path in settings.PAGE_CACHE_HIT_GATES.items()}

    def __call__(self, request):
        if not is_reader_request(request):
            response = self.get_response(request)
            if "page_cache_declared" in request.__dict__ and response.status_code == 200:
                # Staff and keyed clients: theirs alone, never kept by a shared cache.
                patch_cache_control(response, private=True)
            return response
        enabled = settings.PAGE_CACHE_SECONDS > 0
        key = store.page_key(request)
        if enabled:
            entry = store.load(key)
            if entry is not None and entry.expires > timezone.now().timestamp():
                refusal = self.refused(request)
                return refusal or respond(request, entry, "hit")
            changes_before = store.changes_so_far()
        from articles.models import Article

        next_publication = Article.objects.next_scheduled_time()
        response = self.get_response(request)
        declared = request.__dict__.get("page_cache_declared")
        if declared is None or not is_shareable(request, response):
            return response
        now = timezone.now().timestamp()
        entry = Entry.of(response, declared, next_publication, now)
        if entry is None:
            return response
        kept = enabled and store.keep(key, entry.compressed(), changes_before, int(entry.expires - now))
        return respond(request, entry, "miss" if kept else "pass")

    def refused(self, request):
        """A gate (PAGE_CACHE_HIT_GATES) may refuse a cached answer, as the API's rate limit does."""
        for prefix, gate in self.gates.items():
            if request.path.startswith(prefix):
                return gate(request)
        return None


def is_reader_request(request):
    """Someone who gets the page every anonymous reader gets: no session, no credentials, a plain read."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and "HTTP_X_API_KEY" not in request.META
    )


def is_shareable(request, response):
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "")
    if any(word in cache_control for word in ("private", "no-store", "no-cache")):
        return False
    user = getattr(request, "user", None)
    return user is None or not user.is_authenticated


def respond(request, entry, state):
    encoding = negotiate(request.META.get("HTTP_ACCEPT_ENCODING", ""), entry.encodings)
    body = entry.body(encoding)
    response = HttpResponse(b"" if request.method == "HEAD" else body, status=entry.status)
    for name, value in entry.headers:
        response[name] = value
    if entry.nonce:
        fresh = base64.b64encode(secrets.token_bytes(16)).decode()
        for name in CSP_HEADERS:
            if name in response:
                response[name] = response[name].replace(f"'nonce-{entry.nonce}'", f"'nonce-{fresh}'")
    response["Content-Length"] = str(len(body))
    if encoding != "identity":
        response["Content-Encoding"] = encoding
    if entry.vary_header:
        response["Vary"] = entry.vary_header
    response["ETag"] = entry.etag
    response["Cache-Control"] = entry.cache_control_header(timezone.now().timestamp())
    if entry.surrogate_keys:
        response["Surrogate-Key"] = " ".join(entry.surrogate_keys)
        response["Cache-Tag"] = ",".join(entry.surrogate_keys)
    response["X-Page-Cache"] = state
    if not CONDITIONAL_HEADERS & request.META.keys():
        return response
    conditional = get_conditional_response(
        request, etag=entry.etag, last_modified=entry.last_modified, response=response
    )
    if conditional is not response:
        # A 304 says what the full answer would (CORS, caching, surrogate keys), without its body.
        for name, value in response.items():
            if name.lower() not in ("content-type", "content-length", "content-encoding"):
                conditional[name] = value
    return conditional


def negotiate(accept_encoding, encodings):
    """The best of the entry's encodings the client accepts: brotli, then gzip, else the plain body."""
    accepted = {}
    for item in accept_encoding.lower().split(","):
        name, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            attribute, _, value = param.strip().partition("=")
            if attribute == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        accepted[name.strip()] = quality
    for encoding in ("br", "gzip"):
        if encoding in encodings and accepted.get(encoding, accepted.get("*", 0)) > 0:
            return encoding
    return "identity"
