"""Every structure derived from stories, tags and people: what keeps each current, and how to check or rebuild it.

| structure | kept by |
| --- | --- |
| related-stories index rows (`TaggedArticle.published_at`) | database triggers (articles/triggers.py) |
| per-tag published counts (`TagUsage`) | database triggers |
| search keywords (`Article.search_keywords`: tag and people names, aliases) | database triggers |
| PostgreSQL `search_vector` / SQLite FTS5 mirror (`triggers.SEARCH_DOCUMENT`) | database triggers |
| headline matching keys (`Article.headline_key`, `RelatedHeadline.headline_key`) | `save()` and the querysets' |
| | `update()`, `bulk_create()`, `bulk_update()` (a Python fold, so not SQL) |
| cached next scheduled publication | articles/changes.py (cache, outside the database) |

No caller refreshes any of them. `check()` and `rebuild()` are for repair: after restoring a backup, after raw
SQL that bypassed what keeps the ORM-kept ones, or from a health check (`manage.py rebuild_indexes --check`).
"""

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from articles import triggers
from articles.formats import headline_key


def _headline_key_models():
    from articles.models import Article, RelatedHeadline

    return {"article headline keys": Article, "related headline keys": RelatedHeadline}


def _wrong_headline_keys(model, using):
    rows = model._base_manager.using(using).values_list("pk", "headline", "headline_key").order_by("pk")
    return [(pk, headline_key(headline)) for pk, headline, key in rows.iterator() if key != headline_key(headline)]


def _next_scheduled_drift():
    """1 when the cache holds an entry for the future that is not the next scheduled story, else 0."""
    from django.utils import timezone

    from articles.models import NEXT_SCHEDULED_CACHE_KEY, Article

    upcoming = cache.get(NEXT_SCHEDULED_CACHE_KEY)
    if upcoming is None or (upcoming["at"] is not None and upcoming["at"] <= timezone.now()):
        return 0  # nothing cached, or a time that has passed: the next reader looks it up anyway
    first = Article.objects.scheduled().order_by("published_at", "pk").values_list("published_at", flat=True).first()
    return int(upcoming["at"] != first)


def check(using=DEFAULT_DB_ALIAS):
    """{structure: how many entries differ from a rebuild from scratch}; writes nothing."""
    found = {"database triggers (missing or outdated)": int(not triggers.is_installed(connections[using]))}
    found.update(triggers.drift(connections[using]))
    for structure, model in _headline_key_models().items():
        found[structure] = len(_wrong_headline_keys(model, using))
    found["next scheduled publication (cache)"] = _next_scheduled_drift()
    return found


def rebuild(using=DEFAULT_DB_ALIAS):
    """Recompute every derived structure; returns what `check()` found before."""
    from articles.models import Article

    connection = connections[using]
    with transaction.atomic(using=using):
        found = {"database triggers (missing or outdated)": int(not triggers.is_installed(connection))}
        if found["database triggers (missing or outdated)"]:
            triggers.install(connection)
        found.update(triggers.rebuild(connection))
        for structure, model in _headline_key_models().items():
            wrong = _wrong_headline_keys(model, using)
            found[structure] = len(wrong)
            # The base queryset's bulk_update: these rows' keys are the whole change.
            model._base_manager.using(using).bulk_update(
                [model(pk=pk, headline_key=key) for pk, key in wrong], ["headline_key"], batch_size=500
            )
        found["next scheduled publication (cache)"] = _next_scheduled_drift()
    Article.objects.remember_next_scheduled()
    return found
