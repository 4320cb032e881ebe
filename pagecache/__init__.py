"""Whole reader pages for anonymous readers, kept until something they show changes, and never past a
scheduled moment they depend on.

**What a page depends on.** A view declares what its page shows with `shows(request, keys, until=)`;
`pagecache/dependencies.py` is the one module that knows which keys each kind of page names (a story page:
its story, tags, people, authors, section, the stories it links to; a tag page: the tag and its cards; the
front page: every story, since any story can enter or leave it). A response whose view declared nothing
is never cached.

**What a change invalidates.** Each dependency key (`story-12`, `tag-5`, `person-7`, `section-3`, and the
kind-wide `stories`, `tags`, `people`, `sections`) has a *generation* in the shared store. A cached page
keeps the generations of its keys as they were when it was rendered; it is served only while every one is
still current. Issue 9's `articles.changes.content_changed` (sent once per committed transaction, whatever
path wrote: admin, importer, API of the ORM, bulk updates) is the only trigger: `pagecache/invalidation.py`
turns what it names into keys (a changed story also changes its tags', people's and authors' keys, read
after the commit) and moves those keys to new generations, in one write, on the store every app server
reads. So invalidation is a few key writes whatever the number of pages, and it reaches every server at
once. The same keys are sent to the CDN's purge backend (`pagecache/purge.py`) and named in each
response's `Surrogate-Key` / `Cache-Tag` headers.

**Why generations are fresh random tokens, not counters.** Setting a key is atomic in every cache
backend, and a token never repeats: a counter that was evicted and counted up again could match an old
page's number; a token cannot.

**Pages rendered while a change commits.** Every invalidation also moves one store-wide generation
(`CHANGES`). A miss reads it before rendering and again with the page's keys afterwards; if it moved
meanwhile, the page may be half old, so it is served but not kept.

**Time.** A page is kept at most `PAGE_CACHE_SECONDS`, and never past the next scheduled publication
(`Article.objects.next_scheduled_time()`, read before rendering) nor any moment the view names (`until`:
a front-page place expiring, a story leaving the news sitemap's two days). Browsers and the CDN get the
same bound in `max-age` and `s-maxage`.

**Where.** Pages live in the configured cache (local memory per process by default, Redis in
production). Generations must be seen by every process: in Redis when the cache is Redis, else in the
database (`pagecache.models.Generation`), which every process and server shares. Staff (anyone with a
session cookie), API clients with a key, and requests other than GET/HEAD bypass the cache; previews are
never declared; query strings are part of the key (tracking parameters aside: `PAGE_CACHE_IGNORED_PARAMETERS`).
"""


class Declared:
    """What a view said its response shows (dependency keys) and the latest moment it stays right."""

    __slots__ = ("keys", "until")

    def __init__(self):
        self.keys = set()
        self.until = None


def shows(request, keys=(), until=None):
    """Declare that this request's page shows `keys` (pagecache/dependencies.py) and, if given, is right
    only until `until` (an aware datetime). A page nobody declared is never cached."""
    declared = request.__dict__.get("page_cache_declared")
    if declared is None:
        declared = request.page_cache_declared = Declared()
    declared.keys.update(keys)
    if until is not None and (declared.until is None or until < declared.until):
        declared.until = until
    return declared
