"""Revisions of a story: snapshots, which fields changed, readable diffs, and restoring.

The diff helpers work on plain snapshot dicts (no database); recording and restoring read and
write the story, its tags, people and related headlines.
"""

import difflib
import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from articles import body
from pictures.models import title_from_name

# Snapshot keys in the order a diff lists them, with the labels editors see.
FIELD_LABELS = {
    "headline": "Headline",
    "slug": "Slug",
    "summary": "Summary",
    "body": "Body",
    "section": "Section",
    "byline_authors": "Authors",
    "byline": "Byline",
    "dateline": "Dateline",
    "source": "Source",
    "status": "Status",
    "published_at": "Publication time",
    "lead_library_picture": "Lead picture",
    "lead_shape": "Lead shape",
    "tags": "Tags",
    "people": "People",
    "related_headlines": "More headlines",
    "pinned_stories": "Pinned related stories",
    "excluded_stories": "Excluded related stories",
    "corrections": "Corrections and updates",
}
TEXT_FIELDS = [
    "headline",
    "slug",
    "summary",
    "body",
    "byline",
    "dateline",
    "source",
]
# Restoring brings back content; whether the story is live stays a separate, deliberate decision, and
# corrections, being the public record of what was wrong, are never taken back by a restore.
RESTORED_FIELDS = [
    *TEXT_FIELDS,
    "section",
    "byline_authors",
    "lead_library_picture",
    "lead_shape",
    "tags",
    "people",
    "related_headlines",
    "pinned_stories",
    "excluded_stories",
]
KEPT_ON_RESTORE = ["status", "published_at", "corrections"]

# Stories recorded per statement by record_revisions().
REVISION_BATCH = 500

# Words carry the spaces before them, so a rewritten phrase reads as one change, not word-space-word.
_WORDS = re.compile(r"\s*\S+|\s+")


@dataclass(frozen=True)
class FieldDiff:
    field: str
    label: str
    chunks: list  # (kind, text) with kind "equal", "delete" or "insert"
    by_line: bool  # lists (tags, people, headlines) compare line by line, text word by word


# Pure helpers


def as_text(snapshot, field):
    """A snapshot value as the text a diff compares: lists become one line per item."""
    value = snapshot.get(field)
    if field == "tags":
        return "\n".join(value or [])
    if field in ("people", "byline_authors"):
        return "\n".join(person["name"] for person in value or [])
    if field == "lead_library_picture" and _uploaded_lead(snapshot):
        # Recorded before every lead was a library picture: the upload became the picture named after its file.
        return title_from_name(snapshot["lead_image"])
    if field in ("section", "lead_library_picture"):
        return value["name"] if value else ""
    if field == "related_headlines":
        return "\n".join(_headline_line(item) for item in value or [])
    if field == "body":
        # Compared as readable text with its structure spelled out, not as markup.
        return body.readable(value or "")
    if field == "pinned_stories":
        return "\n".join(f"{item['position']}. {item['story_headline']}" for item in value or [])
    if field == "excluded_stories":
        return "\n".join(sorted(item["story_headline"] for item in value or []))
    if field == "corrections":
        return "\n".join(f"{item['kind'].capitalize()}: {item['text']}".replace("\n", " ") for item in value or [])
    return "" if value is None else str(value)


def _headline_line(item):
    link = f" → {item['target_headline']}" if item.get("target_headline") else ""
    link = link or (f" → {item['url']}" if item.get("url") else "")
    return f"{item['position']}. {item['headline']}{link}"


def changed_fields(old, new):
    """Snapshot keys whose values differ, in display order."""
    old = old or {}
    return [field for field in FIELD_LABELS if _compared(old, new, field)]


def _compared(old, new, field):
    if field == "lead_library_picture" and (_uploaded_lead(old) or _uploaded_lead(new)):
        # Only a name is known of a lead uploaded before the library: compare by it.
        return as_text(old, field) != as_text(new, field)
    return old.get(field) != new.get(field)


def _uploaded_lead(snapshot):
    return not snapshot.get("lead_library_picture") and bool(snapshot.get("lead_image"))


def diff_text(old, new, by_line=False):
    """(kind, text) chunks turning `old` into `new`, word by word or line by line."""
    if by_line:
        before, after = old.splitlines(keepends=True), new.splitlines(keepends=True)
        before = [line if line.endswith("\n") else line + "\n" for line in before]
        after = [line if line.endswith("\n") else line + "\n" for line in after]
    else:
        before, after = _WORDS.findall(old), _WORDS.findall(new)
    chunks = []
    for operation, a_start, a_end, b_start, b_end in difflib.SequenceMatcher(
        None, before, after, autojunk=False
    ).get_opcodes():
        if operation == "equal":
            chunks.append(("equal", "".join(before[a_start:a_end])))
            continue
        if a_end > a_start:
            chunks.append(("delete", "".join(before[a_start:a_end])))
        if b_end > b_start:
            chunks.append(("insert", "".join(after[b_start:b_end])))
    return chunks


def restore_changes(current, revision):
    """Exactly what restoring `revision` over `current` changes: the restored fields that differ.

    A snapshot from before a field was recorded (pins, exclusions) leaves that field as it is.
    """
    # An old snapshot's uploaded lead comes along, to say which library picture restoring brings back.
    wanted = {field: revision.get(field) for field in [*RESTORED_FIELDS, "lead_image"] if field in revision}
    return [change for change in diff_snapshots(current, {**(current or {}), **wanted}) if change.field in wanted]


def diff_snapshots(old, new):
    """A FieldDiff for each field that differs between two snapshots."""
    return [
        FieldDiff(
            field=field,
            label=FIELD_LABELS[field],
            chunks=diff_text(as_text(old or {}, field), as_text(new, field), by_line=field not in TEXT_FIELDS),
            by_line=field not in TEXT_FIELDS,
        )
        for field in changed_fields(old, new)
    ]


# Database side


def take_snapshot(article):
    """The story as stored now, read fresh (never from a prefetch cache that a save left stale)."""
    return take_snapshots([article])[article.pk]


def take_snapshots(articles):
    """Each story's snapshot by id, in a fixed number of queries however many stories there are."""
    from articles.models import (
        Article,
        ArticleAuthor,
        Correction,
        ExcludedStory,
        PinnedStory,
        RelatedHeadline,
        Section,
        TaggedArticle,
    )
    from pictures.models import Picture

    pks = [article.pk for article in articles]

    def by_story():
        return {pk: [] for pk in pks}

    tags, people, headlines, authors = by_story(), by_story(), by_story(), by_story()
    pins, exclusions, corrections = by_story(), by_story(), by_story()
    for pk, name in TaggedArticle.objects.filter(content_object__in=pks).values_list("content_object", "tag__name"):
        tags[pk].append(name)
    links = Article.people.through.objects.filter(article__in=pks).order_by("person__name", "person")
    for pk, person_pk, name in links.values_list("article", "person", "person__name"):
        people[pk].append({"id": person_pk, "name": name})
    for item in RelatedHeadline.objects.filter(article__in=pks).select_related("target"):
        headlines[item.article_id].append(
            {
                "id": item.pk,
                "position": item.position,
                "headline": item.headline,
                "url": item.url,
                "target_id": item.target_id,
                "target_headline": item.target.headline if item.target else "",
            }
        )
    for byline in ArticleAuthor.objects.filter(article__in=pks).select_related("person"):
        authors[byline.article_id].append({"id": byline.person_id, "name": byline.person.name})
    for pin in PinnedStory.objects.filter(article__in=pks).select_related("story"):
        pins[pin.article_id].append(
            {"id": pin.pk, "position": pin.position, "story_id": pin.story_id, "story_headline": pin.story.headline}
        )
    for row in ExcludedStory.objects.filter(article__in=pks).select_related("story").order_by("pk"):
        exclusions[row.article_id].append(
            {"id": row.pk, "story_id": row.story_id, "story_headline": row.story.headline}
        )
    for note in Correction.objects.filter(article__in=pks):
        corrections[note.article_id].append(
            {"id": note.pk, "kind": note.kind, "text": note.text, "created_at": note.created_at.isoformat()}
        )
    # A form's save has each story's section loaded already; only the others are read, in one query.
    section_field = Article._meta.get_field("section")
    sections = {
        article.section_id: article.section.name
        for article in articles
        if article.section_id is not None and section_field.is_cached(article)
    }
    unread = {article.section_id for article in articles} - sections.keys() - {None}
    if unread:
        sections.update(Section.objects.filter(pk__in=unread).values_list("pk", "name"))
    library_leads = {article.lead_library_picture_id for article in articles} - {None}
    pictures = Picture.objects.in_bulk(library_leads) if library_leads else {}
    snapshots = {}
    for article in articles:
        snapshot = {field: getattr(article, field) for field in TEXT_FIELDS}
        section_name = sections.get(article.section_id)
        snapshot["section"] = {"id": article.section_id, "name": section_name} if section_name is not None else None
        snapshot["byline_authors"] = authors[article.pk]
        snapshot["status"] = article.status
        snapshot["published_at"] = article.published_at.isoformat() if article.published_at else None
        picture = pictures.get(article.lead_library_picture_id)
        snapshot["lead_library_picture"] = {"id": picture.pk, "name": str(picture)} if picture else None
        snapshot["lead_shape"] = article.lead_shape
        snapshot["tags"] = sorted(tags[article.pk], key=str.lower)
        snapshot["people"] = people[article.pk]
        snapshot["related_headlines"] = headlines[article.pk]
        snapshot["pinned_stories"] = pins[article.pk]
        snapshot["excluded_stories"] = exclusions[article.pk]
        snapshot["corrections"] = corrections[article.pk]
        snapshots[article.pk] = snapshot
    return snapshots


def record_revision(article, user=None, message=""):
    return record_revisions([article], user, message)[0]


def record_revisions(articles, user=None, message=""):
    """A revision for each story as it now stands, in a fixed number of queries (an import records thousands).

    `message` is the same for all, or a function giving each story's.
    """
    from articles.models import Article, Revision

    message_for = message if callable(message) else lambda article: message
    articles = list(articles)
    if len(articles) > REVISION_BATCH:
        # Bounded lists of ids: SQLite caps the parameters of one statement.
        return [
            revision
            for start in range(0, len(articles), REVISION_BATCH)
            for revision in record_revisions(articles[start : start + REVISION_BATCH], user, message_for)
        ]
    if not articles:
        return []
    pks = [article.pk for article in articles]
    with transaction.atomic():
        # The UPDATE takes the stories' row locks first, so two recorders cannot pick the same number.
        Article.objects.filter(pk__in=pks).update(version=F("version") + 1)
        stored = Article.objects.filter(pk__in=pks).values("pk", "version", "status", "published_at", "updated_at")
        stored = {row.pop("pk"): row for row in stored}
        for article in articles:
            for name, value in stored[article.pk].items():
                setattr(article, name, value)
        latest = Revision.objects.filter(article=OuterRef("article")).order_by("-number").values("number")[:1]
        previous = {
            revision.article_id: revision
            for revision in Revision.objects.filter(article__in=pks, number=Subquery(latest)).only(
                "article", "number", "snapshot"
            )
        }
        for article in articles:
            last = previous.get(article.pk)
            if last and last.number >= article.version:
                # A save from a copy loaded earlier wrote an old version back: keep numbers moving forward.
                article.version = last.number + 1
                Article.objects.filter(pk=article.pk).update(version=article.version)
        snapshots = take_snapshots(articles)
        now = timezone.now()
        return Revision.objects.bulk_create(
            Revision(
                article=article,
                number=article.version,
                user=user if user is not None and user.is_authenticated else None,
                created_at=now,
                changed_fields=(
                    changed_fields(previous[article.pk].snapshot, snapshots[article.pk])
                    if article.pk in previous
                    else []
                ),
                snapshot=snapshots[article.pk],
                message=message_for(article)[:300],
            )
            for article in articles
        )


def record_baseline(article):
    """Keep a story that has no revision yet as stored, under its current version, before it is edited.

    Stories made before revisions existed (or by code that did not record one) would otherwise lose
    their original text on their first recorded edit.
    """
    from articles.models import Article, Revision

    if Revision.objects.filter(article=article).exists():
        return None
    stored = Article.objects.get(pk=article.pk)
    return Revision.objects.create(
        article=stored,
        number=stored.version,
        snapshot=take_snapshot(stored),
        message="As it was before its first recorded edit",
    )


def restore_revision(article, revision, user=None):
    from articles.models import Article, Person, RelatedHeadline, Section
    from pictures.models import Picture

    snapshot = revision.snapshot
    with transaction.atomic():
        for field in TEXT_FIELDS:
            setattr(article, field, snapshot.get(field, ""))
        section = snapshot.get("section")
        # A section deleted since cannot come back; the story stays where it is.
        if section and Section.objects.filter(pk=section["id"]).exists():
            article.section_id = section["id"]
        if "lead_library_picture" in snapshot or "lead_image" in snapshot:
            picture_id = _lead_picture_id(snapshot)
            # A picture deleted from the library since cannot come back; the story keeps its current one.
            if picture_id is None or Picture.objects.filter(pk=picture_id).exists():
                article.lead_library_picture_id = picture_id
            article.lead_shape = snapshot.get("lead_shape", article.lead_shape)
        article.save()
        article.tags.set(snapshot.get("tags", []), clear=True)
        article.people.set(Person.objects.filter(pk__in=[person["id"] for person in snapshot.get("people", [])]))
        if "byline_authors" in snapshot:
            # Authors removed since, or no longer writing for us, drop out of the byline; the others keep its order.
            wanted = [person["id"] for person in snapshot["byline_authors"]]
            writers = Person.objects.filter(pk__in=wanted).exclude(author_kind="").in_bulk()
            article.set_authors([writers[pk] for pk in wanted if pk in writers])
        article.related_headlines.all().delete()
        existing_targets = set(
            Article.objects.filter(
                pk__in=[item["target_id"] for item in snapshot.get("related_headlines", []) if item["target_id"]]
            ).values_list("pk", flat=True)
        )
        for item in snapshot.get("related_headlines", []):
            RelatedHeadline.objects.create(  # one by one: save() derives the headline's matching key
                article=article,
                position=item["position"],
                headline=item["headline"],
                url=item["url"],
                target_id=item["target_id"] if item["target_id"] in existing_targets else None,
            )
        _restore_story_rows(article, snapshot)
        return record_revision(article, user, f"Restored from revision {revision.number}")


def _lead_picture_id(snapshot):
    """The library picture a snapshot's story led with. One recorded before every lead was a library picture
    names an uploaded file instead: the picture the library made of that file (migration 0021) stands for it."""
    from pictures.models import Picture

    picture = snapshot.get("lead_library_picture")
    if picture:
        return picture["id"]
    name = snapshot.get("lead_image")
    if not name:
        return None
    found = Picture.objects.filter(file=name).order_by("pk").values_list("pk", flat=True).first()
    return found if found is not None else -1  # gone: never matches, so the current lead stays


def _restore_story_rows(article, snapshot):
    """Pins and exclusions as the snapshot had them (older snapshots without them leave them alone)."""
    from articles.models import Article, ExcludedStory, PinnedStory

    rows = [*snapshot.get("pinned_stories", []), *snapshot.get("excluded_stories", [])]
    existing = set(Article.objects.filter(pk__in=[row["story_id"] for row in rows]).values_list("pk", flat=True))
    if "pinned_stories" in snapshot:
        article.pinned_stories.all().delete()
        PinnedStory.objects.bulk_create(
            PinnedStory(article=article, story_id=row["story_id"], position=row["position"])
            for row in snapshot["pinned_stories"]
            if row["story_id"] in existing
        )
    if "excluded_stories" in snapshot:
        article.excluded_stories.all().delete()
        ExcludedStory.objects.bulk_create(
            ExcludedStory(article=article, story_id=row["story_id"])
            for row in snapshot["excluded_stories"]
            if row["story_id"] in existing
        )
