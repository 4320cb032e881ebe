"""XML agency documents, told apart by their root element: NITF (`nitf`) or NewsML-G2 (`newsItem`, `newsMessage`).

Any other XML is refused with a clear error rather than read as wire text full of tags.
"""

import re

from articles.formats import newsml, nitf, safexml
from articles.formats.safexml import local
from articles.wire import WireError

NEWSML_ROOTS = {"newsItem", "newsMessage", "packageItem"}
_XML_START_RE = re.compile(r"\A\s*<(?:\?xml\b|!--|!DOCTYPE\b|[A-Za-z_][\w.-]*(?::[\w.-]+)?[\s>/])")


def looks_like(text):
    return bool(_XML_START_RE.match(text))


def parse(text, source):
    root = safexml.parse(safexml.encoded(text), source)
    name = local(root)
    if name == "nitf":
        return nitf.parse(root, source)
    if name in NEWSML_ROOTS:
        return newsml.parse(root, source)
    raise WireError(f"XML with root <{name}> is not a format we read (NITF or NewsML-G2)", source=source)
