"""What an import does with an agency item's identity, version and status (NITF, NewsML-G2, ninjs).

The importer stays the one place that writes; this module holds the rules it applies to agency items:
- identity is the item's own guid (its source key), whatever the file is called;
- a version older than the stored one is ignored, so late deliveries never overwrite newer copy;
- `canceled` takes the story down (a revision records why) and never blanks its text;
- `withheld` keeps the story unpublished, and a later usable version publishes it again;
- subjects become tags found by their code first, and keep the code beside the tag.
"""

import hashlib
from dataclasses import asdict, dataclass, replace

from articles.models import AgencyItem, Article, SubjectCode

SOURCE_KEY_LENGTH = Article._meta.get_field("source_key").max_length


def source_key(guid):
    key = f"guid:{guid}"
    if len(key) > SOURCE_KEY_LENGTH:
        digest = hashlib.sha256(key.encode()).hexdigest()
        key = f"{key[: SOURCE_KEY_LENGTH - len(digest) - 1]}~{digest}"
    return key


@dataclass(frozen=True)
class Held:
    """An item that changes no copy: an older version, or a cancellation."""

    article: Article | None
    warning: str
    taken_down: bool = False


class Gate:
    """Decides, before the importer writes, what an agency item may change."""

    def __init__(self, *, status_given):
        self.status_given = status_given
        self._record = None  # the stored item of the story held() last looked at

    def held(self, story):
        """Held for an item whose copy must not be applied (an older version, a cancellation), else None."""
        meta = story.item
        record = self._record = AgencyItem.objects.select_related("article").filter(guid=meta.guid).first()
        if record and record.is_newer_than(meta.version or 1, meta.version_created):
            return Held(
                record.article,
                f"{story.source}: version {meta.version} is older than version {record.version} "
                "already imported: ignored",
            )
        if meta.canceled:
            return self._cancel(record, record.article if record else None, story)
        return None

    def prepared(self, source, story):
        """The story as the importer should apply it: its status from the item's, its tags by code."""
        record = self._record
        article = record.article if record else None
        warnings = list(story.warnings)
        if story.image and not (source.folder / story.image).is_file():
            warnings.append(f"{story.source}: picture {story.image} is not beside the file: not imported")
            story = replace(story, image="", image_caption="", image_credit="")
        return replace(
            story,
            status=self._status(story, record, article),
            tags=self._tag_names(story.item),
            warnings=tuple(warnings),
        )

    def _status(self, story, record, article):
        if self.status_given:
            return None  # the operator's --status wins, as for every file
        if story.item.pub_status == "withheld":
            if article is None:
                return Article.Status.DRAFT
            return Article.Status.UNPUBLISHED if article.status == Article.Status.PUBLISHED else None
        # Usable: a new story goes live; a withheld or canceled one comes back; otherwise editors decide.
        if article is None or (record and record.pub_status != AgencyItem.PubStatus.USABLE):
            return Article.Status.PUBLISHED
        return None

    def _cancel(self, record, article, story):
        meta = story.item
        reason = meta.ednote or "no reason given"
        if article is None:
            self.remember(None, story, record)
            return Held(None, f"{story.source}: canceled item for a story not imported here: nothing to take down")
        taken_down = article.status == Article.Status.PUBLISHED
        if taken_down:
            article.status = Article.Status.UNPUBLISHED
            article.save()
            provider = article.source or meta.format
            article.record_revision(
                None, f"Taken down: {provider} canceled the item (version {meta.version}): {reason}"
            )
        self.remember(article, story, record)
        return Held(article, f"{story.source}: canceled by the provider ({reason}): the story is down", taken_down)

    def _tag_names(self, meta):
        """The item's subjects as tag names: a known code names its tag as editors now call it."""
        codes = [subject.code for subject in meta.subjects if subject.code]
        known = dict(SubjectCode.objects.filter(code__in=codes).values_list("code", "tag__name")) if codes else {}
        names, seen = [], set()
        for subject in meta.subjects:
            name = known.get(subject.code, subject.name)
            if name.casefold() not in seen:
                seen.add(name.casefold())
                names.append(name)
        return tuple(names)

    def remember(self, article, story, record=None):
        """Store the item's version, status and metadata; its subjects' codes beside their tags."""
        meta = story.item
        record = record or self._record
        values = {
            "article": article,
            "format": meta.format,
            "format_version": meta.format_version,
            "version": meta.version or 1,
            "version_created": meta.version_created,
            "pub_status": meta.pub_status,
            "ednote": meta.ednote,
            "organisations": [asdict(concept) for concept in meta.organisations],
            "places": [asdict(concept) for concept in meta.places],
            "pictures": [asdict(picture) for picture in meta.pictures],
        }
        if meta.canceled and record is not None:
            # A cancellation carries no copy: keep the metadata of the version it takes down.
            values = {key: values[key] for key in ("version", "version_created", "pub_status", "ednote")}
            values["article"] = article or record.article
        if record is None:
            record = AgencyItem.objects.create(guid=meta.guid, **values)
        elif any(getattr(record, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(record, name, value)
            record.save()
        if article is not None and not meta.canceled:
            self._remember_codes(article, meta)
        return record

    def _remember_codes(self, article, meta):
        wanted = {subject.code: subject.name for subject in meta.subjects if subject.code}
        if not wanted:
            return
        known = set(SubjectCode.objects.filter(code__in=wanted).values_list("code", flat=True))
        missing = {code: name for code, name in wanted.items() if code not in known}
        if missing:
            tags = {tag.name.casefold(): tag.pk for tag in article.tags.all()}
            SubjectCode.objects.bulk_create(
                [
                    SubjectCode(code=code, tag_id=tags[name.casefold()])
                    for code, name in missing.items()
                    if name.casefold() in tags
                ],
                ignore_conflicts=True,
            )
