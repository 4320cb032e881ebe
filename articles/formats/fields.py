"""Turn a format's field values into a validated Story.

Every parser collects what its input says into a dict of the names in
FIELDS and calls build_story(); the limits and rules live here once.
Pure: standard library only, never Django.
"""

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from articles.formats.story import HeadlineRef, PersonRef, Story
from articles.formats.text import CONTROL_RE, derive_headline

MAX_LENGTHS = {
    "headline": 300,
    "slug": 200,
    "summary": 1000,
    "byline": 200,
    "dateline": 120,
    "source": 120,
    "section": 100,
    "tag": 100,
    "person.name": 200,
    "person.role": 200,
    "related.headline": 300,
    "url": 500,
    "image": 500,
    "image.alt": 300,
    "image.caption": 500,
    "image.credit": 200,
}
STATUSES = ("draft", "in_review", "published", "unpublished")
FIELDS = frozenset(
    "headline slug summary body byline dateline source section published_at status tags people related_headlines"
    " image".split()
)
PERSON_FIELDS = frozenset({"name", "role", "aliases"})
RELATED_FIELDS = frozenset({"headline", "url", "slug"})
IMAGE_FIELDS = frozenset({"path", "alt", "caption", "credit"})

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")


class InvalidField(Exception):
    """A field-level problem; the parser adds file and line and raises FormatError."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


def build_story(values, source, *, warnings=(), lists_as_text=False):
    """A Story from field values; lists_as_text lets tags, people etc. be "a, b" strings."""
    paragraphs = _paragraphs(values.get("body"))
    if not paragraphs:
        raise InvalidField("body", "story has no body text")
    headline = _text(values, "headline", MAX_LENGTHS["headline"])
    summary = _text(values, "summary", MAX_LENGTHS["summary"], multiline=True)
    return Story(
        source=source,
        headline=headline or derive_headline(paragraphs[0]),
        headline_derived=not headline,
        slug=_slug(values.get("slug"), "slug"),
        # Never the lede again: readers would see the first paragraph twice.
        summary=summary,
        paragraphs=paragraphs,
        byline=_text(values, "byline", MAX_LENGTHS["byline"]),
        dateline=_text(values, "dateline", MAX_LENGTHS["dateline"]),
        source_agency=_text(values, "source", MAX_LENGTHS["source"]),
        section=_text(values, "section", MAX_LENGTHS["section"]),
        published_at=_datetime(values.get("published_at"), "published_at"),
        status=_status(values.get("status")),
        tags=_tags(values.get("tags"), lists_as_text),
        people=_people(values.get("people"), lists_as_text),
        related_headlines=_related(values.get("related_headlines"), lists_as_text),
        **_image(values.get("image")),
        warnings=tuple(warnings),
    )


def check_keys(item, allowed, path):
    for key in item:
        if key not in allowed:
            raise InvalidField(f"{path}.{key}" if path else key, f"unknown field {key!r}")


def _paragraphs(body):
    if body is None:
        return ()
    if isinstance(body, str):
        body = [body]
    if not isinstance(body, list):
        raise InvalidField("body", "must be text or a list of paragraphs")
    paragraphs = []
    for index, chunk in enumerate(body):
        if not isinstance(chunk, str):
            raise InvalidField(f"body[{index}]", "must be text")
        _check_controls(chunk, "body")
        # One paragraph per line, as on the wire; blank lines only separate.
        lines = chunk.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        paragraphs.extend(line.strip() for line in lines if line.strip())
    return tuple(paragraphs)


def _text(values, name, limit, *, multiline=False):
    return _string(values.get(name), name, limit, multiline=multiline)


def _string(value, path, limit, *, multiline=False):
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidField(path, f"must be text, not {type(value).__name__}")
    value = value.strip()
    _check_controls(value, path, multiline=multiline)
    if len(value) > limit:
        raise InvalidField(path, f"is {len(value)} characters long; the limit is {limit}")
    return value


def _check_controls(value, path, *, multiline=True):
    bad = CONTROL_RE.search(value) or (not multiline and re.search(r"[\n\r\f]", value))
    if bad:
        what = "a line break" if bad.group() in "\n\r\f" else f"control character U+{ord(bad.group()):04X}"
        raise InvalidField(path, f"must not contain {what}")


def _slug(value, path):
    slug = _string(value, path, MAX_LENGTHS["slug"])
    if slug and not SLUG_RE.match(slug):
        raise InvalidField(path, f"{slug!r} is not a slug (lowercase letters, digits and single hyphens)")
    return slug


def _datetime(value, path):
    text = _string(value, path, 64)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidField(path, f"{text!r} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _status(value):
    status = _string(value, "status", 32).lower()
    if not status:
        return None
    if status not in STATUSES:
        raise InvalidField("status", f"{status!r} is not one of {', '.join(STATUSES)}")
    return status


def _list(value, path, lists_as_text):
    if value is None:
        return []
    if lists_as_text and isinstance(value, str):
        return [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list):
        raise InvalidField(path, f"must be a list, not {type(value).__name__}")
    return value


def _tags(value, lists_as_text):
    tags, seen = [], set()
    for index, item in enumerate(_list(value, "tags", lists_as_text)):
        tag = _string(item, f"tags[{index}]", MAX_LENGTHS["tag"])
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tuple(tags)


def _people(value, lists_as_text):
    return tuple(
        _person(item, f"people[{index}]", lists_as_text)
        for index, item in enumerate(_list(value, "people", lists_as_text))
    )


def _person(item, path, lists_as_text):
    if isinstance(item, str):
        item = {"name": item}
    if not isinstance(item, dict):
        raise InvalidField(path, "must be a name or an object with name, role, aliases")
    check_keys(item, PERSON_FIELDS, path)
    name = _string(item.get("name"), f"{path}.name", MAX_LENGTHS["person.name"])
    if not name:
        raise InvalidField(f"{path}.name", "is required")
    aliases = _list(item.get("aliases"), f"{path}.aliases", lists_as_text)
    return PersonRef(
        name=name,
        role=_string(item.get("role"), f"{path}.role", MAX_LENGTHS["person.role"]),
        aliases=tuple(
            alias
            for index, entry in enumerate(aliases)
            if (alias := _string(entry, f"{path}.aliases[{index}]", MAX_LENGTHS["person.name"]))
        ),
    )


def _related(value, lists_as_text):
    return tuple(
        _related_one(item, f"related_headlines[{index}]")
        for index, item in enumerate(_list(value, "related_headlines", lists_as_text))
    )


def _related_one(item, path):
    if isinstance(item, str):
        item = {"headline": item}
    if not isinstance(item, dict):
        raise InvalidField(path, "must be a headline or an object with headline and url or slug")
    check_keys(item, RELATED_FIELDS, path)
    headline = _string(item.get("headline"), f"{path}.headline", MAX_LENGTHS["related.headline"])
    if not headline:
        raise InvalidField(f"{path}.headline", "is required")
    url = _url(item.get("url"), f"{path}.url")
    slug = _slug(item.get("slug"), f"{path}.slug")
    if url and slug:
        raise InvalidField(path, "give a url or a slug, not both")
    return HeadlineRef(headline=headline, url=url, slug=slug)


def _image(value):
    """A path, or an object with the path and what readers need with the picture."""
    if value is None or isinstance(value, str):
        return {"image": _string(value, "image", MAX_LENGTHS["image"])}
    if not isinstance(value, dict):
        raise InvalidField("image", "must be a path or an object with path, alt, caption, credit")
    check_keys(value, IMAGE_FIELDS, "image")
    path = _string(value.get("path"), "image.path", MAX_LENGTHS["image"])
    if not path:
        raise InvalidField("image.path", "is required")
    return {
        "image": path,
        **{
            f"image_{part}": _string(value.get(part), f"image.{part}", MAX_LENGTHS[f"image.{part}"])
            for part in ("alt", "caption", "credit")
        },
    }


def _url(value, path):
    url = _string(value, path, MAX_LENGTHS["url"])
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
            raise InvalidField(path, f"{url!r} is not an http(s) URL")
    return url
