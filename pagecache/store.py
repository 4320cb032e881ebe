"""Where pages and generations are kept (see pagecache/__init__.py for the design).

Pages go to the configured cache (`PAGE_CACHE_ALIAS`). Generations go where every process and app server
reads the same value: that cache when it is shared (Redis: `PAGE_CACHE_GENERATIONS=cache`), else the
database (`database`, the default without Redis, since local memory is per process).
"""

import hashlib
import logging
import secrets
import threading

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connections, router

from pagecache.models import Generation

logger = logging.getLogger("pagecache")

# Moved by every invalidation: a page rendered while it moved may show the old state (see __init__.py).
CHANGES = "*changes"
GENERATION_PREFIX = "pagecache:generation:"
# Its number moves when the kept entry's shape changes, so a deploy never unpickles an older one.
PAGE_PREFIX = "pagecache:page:3:"


def new_token():
    return secrets.token_hex(8)


class CacheGenerations:
    """Generations in a shared cache (Redis). A generation that is gone (evicted) is unknown: pages that
    kept one for it are not served, and the next page to need it gives it a new token."""

    def __init__(self):
        self._failed = set()
        self._lock = threading.Lock()

    @property
    def cache(self):
        return caches[settings.PAGE_CACHE_ALIAS]

    def read(self, keys):
        self._retry_failed()
        found = self.cache.get_many([GENERATION_PREFIX + key for key in keys])
        return {key: found.get(GENERATION_PREFIX + key) for key in keys}

    def read_or_create(self, keys):
        current = self.read(keys)
        missing = [key for key, token in current.items() if token is None]
        for key in missing:
            self.cache.add(GENERATION_PREFIX + key, new_token(), timeout=None)
        if missing:
            current.update(self.read(missing))
        return current

    def move(self, keys):
        """New generations for `keys`, CHANGES first: a render that reads CHANGES unmoved afterwards read
        these keys unmoved too (set_many is one MSET on Redis anyway)."""
        ordered = [CHANGES, *sorted(set(keys) - {CHANGES})]
        values = {GENERATION_PREFIX + key: new_token() for key in ordered}
        failed = self.cache.set_many(values, timeout=None)
        if failed:
            # The cache did not answer (newsroom/cache.py): pages kept there are not served meanwhile, but
            # could be once it is back. Try again on this process's next use of the store, and say so.
            with self._lock:
                self._failed.update(key.removeprefix(GENERATION_PREFIX) for key in failed)
            logger.error("Page cache invalidation of %d key(s) could not be stored; retrying.", len(failed))

    def _retry_failed(self):
        if not self._failed:
            return
        with self._lock:
            pending, self._failed = self._failed, set()
        self.move(pending)


class DatabaseGenerations:
    """Generations in the database: one small indexed read per cached page served."""

    def read(self, keys):
        # Written out: on a cache hit this is most of the work, and the ORM's compiling of an IN lookup
        # costs several times the query itself.
        keys = list(keys)
        connection = connections[router.db_for_read(Generation)]
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('key')}, {quote('token')} FROM {quote(Generation._meta.db_table)}"
                f" WHERE {quote('key')} IN ({', '.join(['%s'] * len(keys))})",
                keys,
            )
            found = dict(cursor.fetchall())
        return {key: found.get(key) for key in keys}

    def read_or_create(self, keys):
        current = self.read(keys)
        missing = [key for key, token in current.items() if token is None]
        if missing:
            Generation.objects.bulk_create(
                [Generation(key=key, token=new_token()) for key in missing], ignore_conflicts=True
            )
            current.update(self.read(missing))
        return current

    def move(self, keys):
        # One statement: every key moves at once.
        Generation.objects.bulk_create(
            [Generation(key=key, token=new_token()) for key in {CHANGES, *keys}],
            update_conflicts=True,
            unique_fields=["key"],
            update_fields=["token"],
        )


_generations = {}


def generations():
    kind = settings.PAGE_CACHE_GENERATIONS
    if kind not in _generations:
        stores = {"cache": CacheGenerations, "database": DatabaseGenerations}
        if kind not in stores:
            raise ValueError(f"PAGE_CACHE_GENERATIONS must be 'cache' or 'database', not {kind!r}")
        _generations[kind] = stores[kind]()
    return _generations[kind]


def page_key(request):
    """Scheme, host, path and the query string's parameters (sorted; tracking parameters left out)."""
    ignored = settings.PAGE_CACHE_IGNORED_PARAMETERS
    parameters = sorted(
        (name, value)
        for name, values in request.GET.lists()
        if not any(name == pattern or (pattern.endswith("*") and name.startswith(pattern[:-1])) for pattern in ignored)
        for value in values
    )
    address = f"{request.scheme}://{request.get_host()}{request.path}?{parameters!r}"
    return PAGE_PREFIX + hashlib.sha256(address.encode()).hexdigest()


def load(key):
    """The entry kept at `key` if every generation it was rendered at is still current, else None.

    With generations in the database, a database that does not answer raises here: the page can be neither
    checked nor rendered, so the reader gets the error page at once rather than after a second wait."""
    entry = caches[settings.PAGE_CACHE_ALIAS].get(key)
    if entry is None:
        return None
    if entry.generations and not still_current(entry):
        return None
    return entry


def still_current(entry):
    """Whether every generation the entry was kept with is still current. Every invalidation moves CHANGES
    in the same write as its keys, so while CHANGES has the token it had when the entry was kept, nothing
    the entry depends on has moved: one key read instead of one per dependency, except after a change."""
    store = generations()
    if store.read([CHANGES])[CHANGES] == entry.changes:
        return True
    return store.read(entry.generations) == entry.generations


def keep(key, entry, changes_before, seconds):
    """Store the entry with its keys' current generations, unless an invalidation ran while it was rendered."""
    if seconds <= 0:
        return False
    try:
        current = generations().read_or_create([CHANGES, *entry.keys])
    except DatabaseError:
        return False
    if current.pop(CHANGES) != changes_before or None in current.values():
        return False
    entry.generations = current
    entry.changes = changes_before
    caches[settings.PAGE_CACHE_ALIAS].set(key, entry, timeout=seconds)
    return True


def changes_so_far():
    return generations().read_or_create([CHANGES])[CHANGES]
