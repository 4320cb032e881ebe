"""A Redis cache that degrades instead of failing.

The cache only ever holds what can be worked out again (the next scheduled publication, indexes,
later whole pages), so when Redis is down or slow the right answer is to work it out again, not to
give the reader a 500. Every operation is bounded by short connect and socket timeouts (set in
settings.CACHES OPTIONS) and any Redis error is answered as a cache miss: reads return the caller's
default, writes are dropped. After an error the backend does not touch Redis again for
`retry_after` seconds, so a hung Redis costs one timeout per interval and process, not one per call.

Errors are counted (`errors`, `skipped`) and logged at most once per `log_interval` seconds, with
the count since the last report, so an outage is visible without flooding the log.
"""

import logging
import threading
import time
from functools import wraps

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("newsroom.cache")

# What each operation answers while the cache cannot be reached: what it would answer for a cache
# that holds nothing and keeps nothing.
_MISS = object()


def _degrading(answer_when_down):
    def decorate(method):
        @wraps(method)
        def wrapper(self, *args, **kwargs):
            if self.unavailable():
                self._count_skip()
                return _answer(answer_when_down, method.__name__, args, kwargs)
            try:
                return method(self, *args, **kwargs)
            except RedisError as error:
                self._note_error(method.__name__, error)
                return _answer(answer_when_down, method.__name__, args, kwargs)

        return wrapper

    return decorate


def _answer(answer_when_down, name, args, kwargs):
    if answer_when_down is _MISS:
        # get(key, default=None, version=None): the caller's default.
        return kwargs.get("default", args[1] if len(args) > 1 else None)
    if callable(answer_when_down):
        return answer_when_down(*args, **kwargs)
    return answer_when_down


def _missing_counter(*args, **kwargs):
    # incr()/decr() of a key the cache does not hold raise ValueError: so does an empty cache.
    raise ValueError(f"Key {args[0]!r} not found (the cache is unavailable).")


class DegradingRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.retry_after = float(options.pop("retry_after", 5))
        self.log_interval = float(options.pop("log_interval", 60))
        super().__init__(server, {**params, "OPTIONS": options})
        self.errors = 0
        self.skipped = 0
        self._down_until = 0.0
        self._last_logged = None
        self._unlogged = 0
        self._lock = threading.Lock()

    def unavailable(self):
        """True while the last error is recent enough that Redis is not asked again yet."""
        return time.monotonic() < self._down_until

    def _count_skip(self):
        with self._lock:
            self.skipped += 1

    def _note_error(self, operation, error):
        now = time.monotonic()
        with self._lock:
            self.errors += 1
            self._unlogged += 1
            self._down_until = now + self.retry_after
            due = self._last_logged is None or now - self._last_logged >= self.log_interval
            if due:
                self._last_logged, count, self._unlogged = now, self._unlogged, 0
        if due:
            logger.warning(
                "Cache unavailable (%s failed: %s); serving without it for the next %gs. "
                "%d error(s) since the last report, %d in all.",
                operation,
                error,
                self.retry_after,
                count,
                self.errors,
            )

    def ping(self):
        """Does Redis answer now? For readiness checks: ignores the retry window, never raises."""
        try:
            return bool(self._cache.get_client(write=False).ping())
        except RedisError as error:
            self._note_error("ping", error)
            return False

    add = _degrading(False)(RedisCache.add)
    get = _degrading(_MISS)(RedisCache.get)
    set = _degrading(None)(RedisCache.set)
    touch = _degrading(False)(RedisCache.touch)
    delete = _degrading(False)(RedisCache.delete)
    get_many = _degrading(lambda *args, **kwargs: {})(RedisCache.get_many)
    set_many = _degrading(lambda data, *args, **kwargs: list(data))(RedisCache.set_many)
    delete_many = _degrading(None)(RedisCache.delete_many)
    has_key = _degrading(False)(RedisCache.has_key)
    incr = _degrading(_missing_counter)(RedisCache.incr)
    clear = _degrading(False)(RedisCache.clear)
