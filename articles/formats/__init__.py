"""Parsers that turn story files into plain Story dataclasses; the importer saves them.

`parse(data, source)` reads the bytes of one file, recognises its format from
the content and returns a list of `Story`. Every parser module has
`parse(text, source)`, returns the dataclasses of `story.py` (built and
checked by `fields.build_story`) and refuses bad input with a located
`FormatError`; a structured format also has `looks_like(text)` and joins
`_STRUCTURED_FORMATS`. Plain text reads whatever no other format claims.
Pure: never Django.
"""

from dataclasses import replace

from articles.formats import agency_xml, fixture, ninjs, plain
from articles.formats.fields import FIELDS, MAX_LENGTHS, STATUSES
from articles.formats.story import FormatError, HeadlineRef, PersonRef, Story
from articles.formats.text import decode, derive_headline, first_sentence, headline_key

__all__ = [
    "FIELDS",
    "MAX_LENGTHS",
    "STATUSES",
    "FormatError",
    "HeadlineRef",
    "PersonRef",
    "Story",
    "decode",
    "derive_headline",
    "first_sentence",
    "headline_key",
    "parse",
]

# Tried in order; plain text takes whatever no other format claims.
_STRUCTURED_FORMATS = (fixture,)
# Agency formats are told by their content whatever the file is called: ninjs files end in .json too.
_AGENCY_FORMATS = (agency_xml, ninjs)


def parse(data, source):
    text, warnings = decode(data, source)
    if not text.strip():
        raise FormatError("file is empty", source=source, line=1)
    stories = parser_for(text, source).parse(text, source)
    return [replace(story, warnings=warnings + story.warnings) if warnings else story for story in stories]


def parser_for(text, source):
    """The module that reads this text; the file name only settles what the content leaves open."""
    for module in _AGENCY_FORMATS:
        if module.looks_like(text):
            return module
    name = source.lower()
    if name.endswith(".json"):
        return fixture
    if name.endswith((".txt", ".text", ".md")):
        return plain
    for module in _STRUCTURED_FORMATS:
        if module.looks_like(text):
            return module
    return plain
