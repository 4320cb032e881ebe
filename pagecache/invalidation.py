"""The content_changed receiver: what a committed change invalidates, moved on the shared store and
purged from the CDN (see pagecache/__init__.py)."""

from pagecache import dependencies, purge, store


def content_changed(
    sender,
    stories=frozenset(),
    tags=frozenset(),
    people=frozenset(),
    sections=frozenset(),
    pictures=frozenset(),
    **kwargs,
):
    keys = dependencies.invalidated_by(stories=stories, tags=tags, people=people, sections=sections, pictures=pictures)
    invalidate(keys)


def invalidate(keys):
    """Every page that showed one of `keys` is out of date: in this site's cache at once, then at the CDN."""
    if not keys:
        return
    store.generations().move(keys)
    purge.backend().purge(purge.surrogate_keys(keys))
