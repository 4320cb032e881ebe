"""What every format parser returns: plain, frozen dataclasses and one located error.

Pure: standard library only, never Django.
"""

from dataclasses import dataclass
from datetime import datetime


class FormatError(ValueError):
    """Input a parser refuses, located by source (file label), line and field where known."""

    def __init__(self, message, *, source, line=None, field=None):
        self.message = message
        self.source = source
        self.line = line
        self.field = field
        location = source if line is None else f"{source}:{line}"
        prefix = f"{location}: {field}: " if field else f"{location}: "
        super().__init__(prefix + message)


@dataclass(frozen=True)
class PersonRef:
    name: str
    role: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class HeadlineRef:
    headline: str
    url: str = ""
    slug: str = ""


@dataclass(frozen=True)
class Story:
    source: str
    headline: str
    headline_derived: bool
    slug: str
    summary: str
    paragraphs: tuple[str, ...]
    byline: str = ""
    dateline: str = ""
    source_agency: str = ""
    section: str = ""  # the section's name or slug
    published_at: datetime | None = None
    status: str | None = None
    tags: tuple[str, ...] = ()
    people: tuple[PersonRef, ...] = ()
    related_headlines: tuple[HeadlineRef, ...] = ()
    image: str = ""
    image_alt: str = ""
    image_caption: str = ""
    image_credit: str = ""
    warnings: tuple[str, ...] = ()
    # Agency formats (nitf, newsml, ninjs): the body as HTML in the body vocabulary, and the item's
    # identity and metadata (an articles.formats.item.ItemMeta); None for wire text and fixtures.
    body_html: str = ""
    item: object = None

    @property
    def body(self):
        return "\n\n".join(self.paragraphs)
