"""XML agency documents, told apart by their root element: NITF (`nitf`) or NewsML-G2 (`newsItem`, `newsMessage`).

Any other XML is refused with a clear error rather than read as wire text full of tags.
"""

import re

from articles.formats import newsml, nitf, safexml
from articles.formats.safexml import local
from articles.formats.story import FormatError

NEWSML_ROOTS = {"newsItem", "newsMessage", "packageItem"}
_DECLARATION_RE = re.compile(r"\A\s*<\?xml\b")
_PROLOG_RE = re.compile(r"\A(?:\s+|<!--.*?-->|<\?.*?\?>|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)*", re.DOTALL | re.IGNORECASE)
_ROOT_RE = re.compile(r"<(?:[\w.-]+:)?([\w.-]+)[\s>/]")


def looks_like(text):
    """An XML declaration, or a root element we read: wire text that merely starts with a tag stays text."""
    if _DECLARATION_RE.match(text):
        return True
    head = text[:65536]
    prolog = _PROLOG_RE.match(head)
    root = _ROOT_RE.match(head, prolog.end())
    return bool(root) and (root.group(1) == "nitf" or root.group(1) in NEWSML_ROOTS)


def parse(text, source):
    root = safexml.parse(safexml.encoded(text), source)
    name = local(root)
    if name == "nitf":
        return nitf.parse(root, source)
    if name in NEWSML_ROOTS:
        return newsml.parse(root, source)
    raise FormatError(f"XML with root <{name}> is not a format we read (NITF or NewsML-G2)", source=source)
