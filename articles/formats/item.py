"""What agency formats (NITF, NewsML-G2, ninjs) share: item metadata, text clean-up, dates, concept codes.

Pure: no Django. Each parser reads its format into an `ItemMeta` plus the story fields, and
`build_story()` checks them against the same limits as wire text, so every format reaches the
importer as the same `Story`.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from articles import body as story_body
from articles.formats.fields import MAX_LENGTHS
from articles.formats.story import FormatError, PersonRef, Story
from articles.formats.text import cut_at_word, derive_headline

PUB_STATUSES = ("usable", "withheld", "canceled")
# How agencies spell the same status; NITF says "embargoed" where G2 has a separate embargo time.
STATUS_ALIASES = {"cancelled": "canceled", "embargoed": "usable", "": "usable"}

# Concept schemes whose codes are the same concept whatever format carries them: the IPTC
# qcode alias (as in "medtop:04000000") and the URI its codes sit under.
IPTC_SCHEMES = {
    "medtop": "http://cv.iptc.org/newscodes/mediatopic/",
    "subj": "http://cv.iptc.org/newscodes/subjectcode/",
    "genre": "http://cv.iptc.org/newscodes/genre/",
    "cpnat": "http://cv.iptc.org/newscodes/cpnature/",
}
MAX_CODE_LENGTH = 255

_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class Concept:
    """A subject, organisation or place named by the item, with its code (qcode or URI) and role."""

    name: str
    code: str = ""
    role: str = ""


@dataclass(frozen=True)
class PictureRef:
    """A picture the item links to: a path beside the file, or an address that is recorded, never fetched."""

    href: str
    caption: str = ""
    credit: str = ""


@dataclass(frozen=True)
class ItemMeta:
    """The item's own identity and the metadata our story fields do not hold."""

    format: str  # "nitf", "newsml-g2" or "ninjs"
    format_version: str
    guid: str
    version: int | None = None
    version_created: datetime | None = None
    pub_status: str = "usable"
    ednote: str = ""  # the provider's note to editors, e.g. why an item was canceled
    slugline: str = ""
    language: str = ""
    subjects: tuple[Concept, ...] = ()  # become tags; the code is kept beside the tag
    organisations: tuple[Concept, ...] = ()
    places: tuple[Concept, ...] = ()
    pictures: tuple[PictureRef, ...] = ()

    @property
    def canceled(self):
        return self.pub_status == "canceled"


@dataclass
class Fields:
    """What a parser read, before the shared checks."""

    headline: str = ""
    summary: str = ""
    body_html: str = ""  # in the body vocabulary (articles/formats/markup.py)
    byline: str = ""
    dateline: str = ""
    source_agency: str = ""
    published_at: datetime | None = None
    people: list[PersonRef] = field(default_factory=list)
    image: str = ""
    image_caption: str = ""
    image_credit: str = ""
    warnings: list[str] = field(default_factory=list)


def clean(text):
    """Whitespace collapsed and trimmed: the text of an element with its markup removed."""
    return _SPACE_RE.sub(" ", text or "").strip()


def moment(value, source, path):
    """A timezone-aware instant from ISO 8601 in the shapes agencies send (basic, extended, Z, +0100)."""
    text = clean(value)
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise FormatError(f"{text!r} is not an ISO 8601 date and time", source=source, field=path) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def version_number(value, source, path):
    text = clean(str(value)) if value is not None else ""
    if not text:
        return None
    if not text.isdigit():
        raise FormatError(f"{text!r} is not a version number", source=source, field=path)
    return int(text)


def pub_status(value, source, path):
    status = clean(value).lower().removeprefix("stat:")
    status = STATUS_ALIASES.get(status, status)
    if status not in PUB_STATUSES:
        raise FormatError(f"{status!r} is not one of {', '.join(PUB_STATUSES)}", source=source, field=path)
    return status


def canonical_code(code, schemes=None):
    """One spelling per concept: IPTC codes as qcodes ("medtop:04000000"), others as the item gives them.

    `schemes` maps the item's own qcode aliases to their URIs (a NewsML-G2 catalog), so a provider's
    "lptag:x" and the URI it stands for are the same code.
    """
    code = clean(code)
    if not code:
        return ""
    for alias, uri in IPTC_SCHEMES.items():
        if code.startswith(uri):
            return f"{alias}:{code.removeprefix(uri).strip('/')}"
    alias, colon, rest = code.partition(":")
    if colon and schemes and alias in schemes and alias not in IPTC_SCHEMES:
        return canonical_code(schemes[alias] + rest)
    return code[:MAX_CODE_LENGTH]


def code_uri(code):
    """The code as a complete URI (what ninjs asks for), or "" when it has none."""
    alias, colon, rest = code.partition(":")
    if colon and alias in IPTC_SCHEMES:
        return IPTC_SCHEMES[alias] + rest
    if re.match(r"[a-z][a-z0-9+.-]*:\S+\Z", code, re.IGNORECASE):
        return code
    return ""


def limited(value, name, source, path=None):
    """The text, refused with a located error when longer than wire text allows."""
    value = clean(value)
    limit = MAX_LENGTHS[name]
    if len(value) > limit:
        raise FormatError(f"is {len(value)} characters long; the limit is {limit}", source=source, field=path or name)
    return value


def concepts(items, source, path, kind="tag"):
    """Concepts with names, de-duplicated by name (case-insensitive), in the item's order."""
    found, seen = [], set()
    limit_name = "tag" if kind == "tag" else "person.name"
    for index, concept in enumerate(items):
        name = limited(concept.name, limit_name, source, f"{path}[{index}].name")
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            role = limited(concept.role, "person.role", source, f"{path}[{index}].role")
            found.append(Concept(name=name, code=canonical_code(concept.code), role=role))
    return tuple(found)


def people(refs, source, path):
    found, seen = [], set()
    for index, ref in enumerate(refs):
        name = limited(ref.name, "person.name", source, f"{path}[{index}].name")
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            found.append(PersonRef(name=name, role=limited(ref.role, "person.role", source, f"{path}[{index}].role")))
    return tuple(found)


def build_story(fields, item, source):
    """The story the importer saves. A canceled item may carry no text: it only takes its story down."""
    # The one door into a story body; every block (subheads, quotes, list items too) also as plain text.
    body_html = story_body.sanitise(fields.body_html)
    paragraphs = tuple(story_body.text_blocks(body_html))
    if not paragraphs and not item.canceled:
        raise FormatError("story has no body text", source=source, field="body")
    headline = limited(fields.headline, "headline", source)
    derived = not headline and bool(paragraphs)
    if derived:
        headline = derive_headline(paragraphs[0])
    summary = clean(fields.summary)
    if len(summary) > MAX_LENGTHS["summary"]:
        raise FormatError(
            f"is {len(summary)} characters long; the limit is {MAX_LENGTHS['summary']}", source=source, field="summary"
        )
    if not summary and paragraphs:
        summary = cut_at_word(paragraphs[0], MAX_LENGTHS["summary"])
    if not item.guid:
        raise FormatError("the item has no identifier (guid, uri or doc-id)", source=source, field="guid")
    # A picture given as a path beside the file is imported as the lead image; addresses are only recorded.
    beside = next((picture for picture in item.pictures if _is_relative_path(picture.href)), None)
    if beside and not fields.image:
        fields.image, fields.image_caption = beside.href, fields.image_caption or beside.caption
        fields.image_credit = fields.image_credit or beside.credit
    return Story(
        source=source,
        headline=headline,
        headline_derived=derived,
        slug="",
        summary=summary,
        paragraphs=paragraphs,
        byline=limited(fields.byline, "byline", source),
        dateline=limited(fields.dateline, "dateline", source),
        source_agency=limited(fields.source_agency, "source", source),
        published_at=fields.published_at,
        tags=tuple(subject.name for subject in item.subjects),
        people=people(fields.people, source, "people"),
        image=limited(fields.image, "image", source),
        image_caption=limited(fields.image_caption, "image.caption", source),
        image_credit=limited(fields.image_credit, "image.credit", source),
        warnings=tuple(fields.warnings),
        body_html=body_html,
        item=item,
    )


def _is_relative_path(href):
    return bool(href) and not urlsplit(href).scheme and not href.startswith(("/", "\\"))
