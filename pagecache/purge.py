"""Telling the CDN which pages are out of date, by the same keys responses carry in Surrogate-Key/Cache-Tag.

`CDN_PURGE_BACKEND` chooses: `noop` (the default: no CDN, or one that only keeps pages `CDN_MAX_AGE`),
`logging` (says what it would purge; for trying a set-up), `http` (a Varnish/Fastly-style key purge: one
request per batch of keys to `CDN_PURGE_URL` with method `CDN_PURGE_METHOD`, the keys space-separated in
the `CDN_PURGE_KEY_HEADER` header and, if set, a token in `CDN_PURGE_TOKEN_HEADER`), or the dotted path of a
class with a `purge(keys)` method. Purges run after the commit, in the request that made the change; a CDN
that does not answer within `CDN_PURGE_TIMEOUT` is logged, never raised into the editor's save.
"""

import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("pagecache.purge")


class NoPurge:
    def purge(self, keys):
        pass


class LoggingPurge:
    def purge(self, keys):
        logger.info("CDN purge: %s", " ".join(keys))


class HttpPurge:
    def __init__(self):
        if not settings.CDN_PURGE_URL:
            raise ValueError("CDN_PURGE_BACKEND=http needs CDN_PURGE_URL (the CDN's or Varnish's purge address).")
        self.url = settings.CDN_PURGE_URL
        self.method = settings.CDN_PURGE_METHOD
        self.key_header = settings.CDN_PURGE_KEY_HEADER
        self.batch = settings.CDN_PURGE_BATCH
        self.headers = {}
        if settings.CDN_PURGE_TOKEN_HEADER and settings.CDN_PURGE_TOKEN:
            self.headers[settings.CDN_PURGE_TOKEN_HEADER] = settings.CDN_PURGE_TOKEN

    def purge(self, keys):
        for start in range(0, len(keys), self.batch):
            batch = keys[start : start + self.batch]
            request = urllib.request.Request(  # noqa: S310 (the operator's configured purge address)
                self.url, method=self.method, headers={**self.headers, self.key_header: " ".join(batch)}
            )
            try:
                with urllib.request.urlopen(request, timeout=settings.CDN_PURGE_TIMEOUT) as response:  # noqa: S310
                    response.read()
            except (urllib.error.URLError, OSError) as error:
                logger.error("CDN purge of %d key(s) failed: %s", len(batch), error)


def surrogate_keys(keys):
    """The names responses and purges give dependency keys (prefixed where several sites share one CDN)."""
    return [settings.SURROGATE_KEY_PREFIX + key for key in sorted(keys)]


BACKENDS = {"noop": NoPurge, "logging": LoggingPurge, "http": HttpPurge}


def backend():
    name = settings.CDN_PURGE_BACKEND
    return (BACKENDS.get(name) or import_string(name))()
