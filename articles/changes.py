"""What a write changed, announced once it is committed; and the derived data that lives outside the database.

**The hook.** `content_changed` is sent once per committed transaction that changed content readers see:

    from articles.changes import content_changed

    def purge(sender, stories, tags, people, sections, pictures, **kwargs):  # frozensets of ids
        ...

    content_changed.connect(purge)

- `stories`: stories written, created or deleted, or whose tags, people, linked bylines, related headlines,
  corrections, pins, exclusions or front-page places changed;
- `tags`: tags created, renamed, merged or deleted, and tags added to or taken off a story;
- `people`: people created, renamed, edited or deleted, and people linked to or unlinked from a story
  (mentioned, or credited in its byline);
- `sections`: sections created, renamed, moved, reordered or deleted (and the main section above them);
- `pictures`: library pictures edited (description, focal point, file), given their renditions, or deleted.

A story that changes state changes the pages of its tags and people too: a receiver that needs them reads
them (a deleted story's links are reported as they go). It runs after the commit, so a receiver sees the
committed rows, and never for a rolled-back transaction. Receivers must not fail the write, so errors are
logged, not raised (`robust` on_commit callbacks). Every ORM path reports: `save()`, `delete()` and cascades,
`QuerySet.update()`, `bulk_create()`, `bulk_update()`, the tag and people managers. Raw SQL does not, nor
`Tag.objects.update()` (taggit's manager): the database still keeps its own derived data right then.

**Derived data kept here** (outside the database, so triggers cannot): the cached next scheduled
publication. A write that may move it adjusts the cache at once, without a query, in a way that never claims a
later time than the truth (`Article.note_schedule()`, or dropping the entry after a bulk write), and the commit
looks it up afresh once per transaction.

Derived data the database keeps is in articles/triggers.py; checking and rebuilding all of it in
articles/derived.py (`manage.py rebuild_indexes`).
"""

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import Signal

content_changed = Signal()


class _Pending:
    """What one transaction has changed so far; sent once, by the first of its on_commit callbacks to run."""

    def __init__(self):
        self.stories, self.tags, self.people, self.sections, self.pictures = set(), set(), set(), set(), set()
        self.schedule = False
        self.done = False
        self.last_callback = None  # where the latest callback sits in connection.run_on_commit

    def commit(self):
        if self.done:
            return
        self.done = True
        from articles.models import Article

        if self.schedule:
            Article.objects.remember_next_scheduled()
        if self.stories or self.tags or self.people or self.sections or self.pictures:
            content_changed.send(
                sender=Article,
                stories=frozenset(self.stories),
                tags=frozenset(self.tags),
                people=frozenset(self.people),
                sections=frozenset(self.sections),
                pictures=frozenset(self.pictures),
            )


def note(stories=(), tags=(), people=(), sections=(), pictures=(), schedule=False, using=DEFAULT_DB_ALIAS):
    """Record what a write touched; it is announced when the transaction commits (at once in autocommit)."""
    connection = connections[using]
    pending = getattr(connection, "_articles_pending_changes", None)
    if pending is None or not _alive(connection, pending):
        pending = _Pending()
        connection._articles_pending_changes = pending
    pending.stories.update(stories)
    pending.tags.update(tags)
    pending.people.update(people)
    pending.sections.update(sections)
    pending.pictures.update(pictures)
    pending.schedule = pending.schedule or schedule
    # One callback per write, all of them the same bound method: whichever runs first sends everything and
    # the rest do nothing. So any run of the callbacks registered since some point (a commit, or a test's
    # captureOnCommitCallbacks) sends what is pending. Registered after the ids are in: outside a
    # transaction on_commit runs the callback at once. Errors in receivers are logged, never raised into
    # the code that wrote (robust).
    transaction.on_commit(pending.commit, using=using, robust=True)
    if connection.in_atomic_block:
        pending.last_callback = len(connection.run_on_commit) - 1


def _alive(connection, pending):
    # A rollback (of the transaction, or of the savepoint that holds the latest callback) removes callbacks
    # from run_on_commit: what was noted there must not be sent, so start afresh.
    if pending.done or not connection.in_atomic_block or pending.last_callback is None:
        return False
    callbacks = connection.run_on_commit
    return pending.last_callback < len(callbacks) and callbacks[pending.last_callback][1] == pending.commit


# --- signal receivers: the ORM paths that send signals (the querysets announce the others) ---------------------


def _story_saved(sender, instance, update_fields=None, raw=False, using=DEFAULT_DB_ALIAS, **kwargs):
    from articles.models import SCHEDULE_FIELDS

    schedule = update_fields is None or bool(SCHEDULE_FIELDS & set(update_fields))
    if schedule:
        instance.note_schedule()
    note(stories=[instance.pk], schedule=schedule, using=using)


def _story_deleted(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    from articles.models import NEXT_SCHEDULED_CACHE_KEY

    upcoming = cache.get(NEXT_SCHEDULED_CACHE_KEY)
    if upcoming is not None and upcoming["pk"] == instance.pk:
        cache.delete(NEXT_SCHEDULED_CACHE_KEY)
    note(stories=[instance.pk], schedule=True, using=using)


def _person_changed(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    note(people=[instance.pk], using=using)


def _tag_changed(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    note(tags=[instance.pk], using=using)


def _tag_link_changed(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    note(stories=[instance.content_object_id], tags=[instance.tag_id], using=using)


def _links_changed(story_side, person_side):
    """A receiver for the m2m_changed of a story-to-person link whose rows are written without their save or
    delete signals (an automatic through model, or add()/remove()/clear() on one with its own model)."""

    def receiver(sender, instance, action, reverse, pk_set, using=DEFAULT_DB_ALIAS, **kwargs):
        if action == "pre_clear":
            pk_set = set(getattr(instance, story_side if reverse else person_side).values_list("pk", flat=True))
        elif action not in ("post_add", "post_remove") or not pk_set:
            return
        if reverse:
            note(stories=pk_set, people=[instance.pk], using=using)
        else:
            note(stories=[instance.pk], people=pk_set, using=using)

    return receiver


_people_linked = _links_changed("articles", "people")
_authors_linked = _links_changed("authored_articles", "authors")


def _story_going(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    # Its people links go without signals; their pages change (its tag links send post_delete).
    note(people=instance.people.values_list("pk", flat=True), using=using)


def _person_going(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    note(stories=instance.articles.values_list("pk", flat=True), using=using)


def _story_part_changed(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    note(stories=[instance.article_id], using=using)


def _byline_changed(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    note(stories=[instance.article_id], people=[instance.person_id], using=using)


def _section_changed(sender, instance, using=DEFAULT_DB_ALIAS, **kwargs):
    note(sections=[pk for pk in (instance.pk, instance.parent_id) if pk is not None], using=using)


def _picture_changed(sender, instance, created=False, using=DEFAULT_DB_ALIAS, **kwargs):
    # A picture just added to the library is on no page yet.
    if not created:
        note(pictures=[instance.pk], using=using)


def connect():
    """Called once, from ArticlesConfig.ready()."""
    from taggit.models import Tag

    from articles.models import (
        Article,
        ArticleAuthor,
        Correction,
        ExcludedStory,
        FrontPageSlot,
        Person,
        PinnedStory,
        RelatedHeadline,
        Section,
        TaggedArticle,
    )
    from pictures.models import Picture

    post_save.connect(_story_saved, sender=Article, dispatch_uid="articles.changes.story_saved")
    post_delete.connect(_story_deleted, sender=Article, dispatch_uid="articles.changes.story_deleted")
    for signal in (post_save, post_delete):
        name = signal is post_save and "saved" or "deleted"
        signal.connect(_person_changed, sender=Person, dispatch_uid=f"articles.changes.person_{name}")
        signal.connect(_tag_changed, sender=Tag, dispatch_uid=f"articles.changes.tag_{name}")
        signal.connect(_tag_link_changed, sender=TaggedArticle, dispatch_uid=f"articles.changes.tag_link_{name}")
        for model in (RelatedHeadline, Correction, PinnedStory, ExcludedStory, FrontPageSlot):
            signal.connect(_story_part_changed, sender=model, dispatch_uid=f"articles.changes.{model.__name__}_{name}")
        signal.connect(_byline_changed, sender=ArticleAuthor, dispatch_uid=f"articles.changes.byline_{name}")
        signal.connect(_section_changed, sender=Section, dispatch_uid=f"articles.changes.section_{name}")
    for signal in (post_save, post_delete):
        name = signal is post_save and "saved" or "deleted"
        signal.connect(_picture_changed, sender=Picture, dispatch_uid=f"articles.changes.picture_{name}")
    pre_delete.connect(_story_going, sender=Article, dispatch_uid="articles.changes.story_going")
    pre_delete.connect(_person_going, sender=Person, dispatch_uid="articles.changes.person_going")
    m2m_changed.connect(_people_linked, sender=Article.people.through, dispatch_uid="articles.changes.people_linked")
    m2m_changed.connect(_authors_linked, sender=Article.authors.through, dispatch_uid="articles.changes.authors_linked")
