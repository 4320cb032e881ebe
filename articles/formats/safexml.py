"""XML from outside, parsed safely: no entities, no DTD loading, no network.

Wire files come from agencies, FTP drops and e-mail. A document that declares entities in its
DOCTYPE is refused before the parser sees it: external entities read local files or reach the
network (XXE, SSRF) and nested internal ones multiply into gigabytes ("billion laughs"). The
parser itself is also set to resolve nothing and fetch nothing, so a declaration the check
missed still expands to nothing. A plain `<!DOCTYPE nitf SYSTEM "nitf-3-6.dtd">` (no internal
subset), as real NITF feeds send, is accepted and its DTD never read.
"""

import re

from lxml import etree

from articles.formats.story import FormatError

_PARSER_OPTIONS = dict(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
    collect_ids=False,
)
_DOCTYPE_RE = re.compile(rb"<!DOCTYPE\b", re.IGNORECASE)
_DECLARATION_RE = re.compile(rb"<!\s*ENTITY\b|%\s*[\w.-]+\s*;", re.IGNORECASE)


def parse(data, source):
    """The root element of `data`; FormatError naming the file (and line) for hostile or malformed XML."""
    _refuse_declarations(_ascii_view(data), source)
    data = _without_doctype(data)
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        line = error.lineno or None
        column = f" (column {error.position[1]})" if error.position and error.position[1] else ""
        raise FormatError(f"malformed XML: {error.msg}{column}", source=source, line=line) from None
    if root is None:
        raise FormatError("no XML document", source=source)
    doctype = root.getroottree().docinfo.internalDTD
    if doctype is not None and list(doctype.entities()):
        raise FormatError(_REFUSAL, source=source, line=1)
    return root


_REFUSAL = (
    "refused: its DOCTYPE declares entities (the pattern of XXE and entity-expansion attacks); nothing was read from it"
)


def encoded(text):
    """Decoded text back to UTF-8 bytes for the parser, its declared encoding (already applied) dropped."""
    return _DECLARATION_LINE_RE.sub(r"\1", text, count=1).encode("utf-8")


# The XML declaration only names the version and the encoding the text was decoded from.
_DECLARATION_LINE_RE = re.compile(r"\A(\s*)<\?xml\b[^>]*\?>")


def _refuse_declarations(view, source):
    match = _DOCTYPE_RE.search(view)
    if not match:
        return
    # The internal subset runs from the DOCTYPE's "[" to its "]>"; anything declared there is refused.
    opening = view.find(b"[", match.end())
    closing = view.find(b">", match.end())
    if opening == -1 or (closing != -1 and closing < opening):
        return
    subset = view[opening:]
    declaration = _DECLARATION_RE.search(subset)
    if declaration:
        line = view.count(b"\n", 0, opening + declaration.start()) + 1
        raise FormatError(_REFUSAL, source=source, line=line)


def _without_doctype(data):
    # A DOCTYPE that declares nothing only names a DTD we never read: blank it out (same length, same
    # lines), because libxml2 still tries to fetch the named DTD and would fail the document on it.
    match = _PLAIN_DOCTYPE_RE.search(data)
    if not match:
        return data
    return data[: match.start()] + b" " * (match.end() - match.start()) + data[match.end() :]


_PLAIN_DOCTYPE_RE = re.compile(rb"<!DOCTYPE\s[^\[>]*>", re.IGNORECASE)


def _ascii_view(data):
    # Declarations are ASCII; a UTF-16 document is looked at in its own encoding.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").encode("ascii", "replace")
        except UnicodeDecodeError:
            return data
    return data


def local(element):
    """The element's name without its namespace ("hl1", "newsItem")."""
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def children(element, *names):
    """Child elements with one of the local names (any namespace), in order; none under None."""
    if element is None:
        return []
    return [child for child in element if isinstance(child.tag, str) and local(child) in names]


def child(element, *names):
    found = children(element, *names)
    return found[0] if found else None


def path(element, *steps):
    """The first element down a path of local names, or None."""
    for step in steps:
        if element is None:
            return None
        element = child(element, step)
    return element


def descendants(element, name):
    return [node for node in element.iter() if isinstance(node.tag, str) and local(node) == name]


def text(element):
    """The element's text with markup removed and whitespace collapsed; "" for None."""
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())


def where(element):
    """The element's line, for errors."""
    return getattr(element, "sourceline", None)
