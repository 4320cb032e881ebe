"""Who is asking, and how often they may: API keys and the rate limits they lift.

Anonymous readers are limited per address (API_ANON_RATE), keyed clients per key (API_KEY_RATE);
both are read from settings at request time, so the environment configures them. A key that is
unknown or revoked is refused (401) rather than served as anonymous. The limits fail open: if the
cache that counts requests is down, the API keeps answering.
"""

import logging

from django.conf import settings
from ninja.security import APIKeyHeader
from ninja.throttling import SimpleRateThrottle

from api.models import ApiKey

logger = logging.getLogger(__name__)
KEY_HEADER = "X-API-Key"


class Anonymous:
    """request.auth for a request without a key (ninja needs a truthy value to let it in)."""

    def __str__(self):
        return "anonymous"


ANONYMOUS = Anonymous()


class ApiKeyAuth(APIKeyHeader):
    param_name = KEY_HEADER

    def authenticate(self, request, key):
        return ApiKey.objects.for_secret(key)


def anonymous(request):
    """Let a request without a key in; one with a key was already judged by ApiKeyAuth."""
    return None if request.headers.get(KEY_HEADER) else ANONYMOUS


class _SettingsRateThrottle(SimpleRateThrottle):
    setting = ""

    def __init__(self):
        self.rate = None

    def allow_request(self, request):
        self.rate = getattr(settings, self.setting)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            return super().allow_request(request)
        except Exception:  # the cache is down: serve rather than refuse
            logger.warning("API rate limit not applied: the cache did not answer", exc_info=True)
            return True


class AnonymousThrottle(_SettingsRateThrottle):
    setting = "API_ANON_RATE"

    def get_cache_key(self, request):
        if isinstance(request.auth, ApiKey):
            return None
        return f"api-throttle:anon:{self.get_ident(request)}"


class KeyThrottle(_SettingsRateThrottle):
    setting = "API_KEY_RATE"

    def get_cache_key(self, request):
        if not isinstance(request.auth, ApiKey):
            return None
        return f"api-throttle:key:{request.auth.pk}"
