"""Agency bodies (NITF `body.content`, XHTML, ninjs HTML) into the body vocabulary.

The vocabulary every format may emit (PLAN.md, issue 14): `p`, `h2`, `h3`, `blockquote` with `p`
children and an optional `cite`, `ul`/`ol`/`li`, `a[href]`, `strong`, `em`, `br`. What has no place
there becomes text (a table's rows, a preformatted block) and is reported in `notes`, never dropped
silently. `articles.body.sanitise()` then has the last word on the markup (build_story).
"""

from dataclasses import dataclass, field
from html import escape
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from articles.formats.safexml import local

PARAGRAPHS = {"p", "pre", "address"}
SUBHEADS = {"hl2": "h2", "h1": "h2", "h2": "h2", "h3": "h3", "h4": "h3", "h5": "h3", "h6": "h3"}
QUOTES = {"bq", "blockquote"}
LISTS = {"ul", "ol", "dl"}
# Wrappers whose children are blocks: read through them.
CONTAINERS = {"block", "body.content", "body", "div", "section", "article", "main", "header", "footer", "aside"}
STRONG = {"strong", "b"}
EMPHASIS = {"em", "i"}
# Nothing a reader should see.
SILENT = {"br", "hr", "head", "title", "meta", "link", "tagline", "body.end", "body.head"}
PICTURES = {"media", "img", "picture", "video", "audio", "iframe", "object", "embed"}
DROPPED = {"script", "style", "template", "noscript"}
LINK_SCHEMES = {"http", "https", "mailto"}


@dataclass
class Body:
    html: str = ""
    notes: list[str] = field(default_factory=list)  # what did not fit the vocabulary and became text
    pictures: list[str] = field(default_factory=list)  # addresses of pictures inside the body


def from_element(container):
    """The blocks under `container` (an XML or HTML element)."""
    body = Body()
    _Converter(body).blocks(container)
    return body


def from_html(value):
    """An HTML string (a ninjs body): parsed by lxml's HTML parser, which knows no external entities."""
    fragment = _html_fragment(value)
    return from_element(fragment) if fragment is not None else Body()


def text_of_html(value):
    """An HTML string's text (a ninjs headline or description marked up), whitespace collapsed."""
    fragment = _html_fragment(value)
    return plain(fragment) if fragment is not None else ""


def _html_fragment(value):
    parser = lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
    try:
        return lxml.html.fragment_fromstring(value, create_parent="div", parser=parser)
    except (etree.ParserError, ValueError):
        return None


def from_text(value):
    """Plain text: paragraphs separated by blank lines; lines inside one paragraph are joined."""
    body = Body()
    for chunk in value.replace("\r\n", "\n").replace("\r", "\n").split("\n\n"):
        text = " ".join(chunk.split())
        if text:
            body.html += f"<p>{escape(text, quote=False)}</p>"
    return body


def plain(element):
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


class _Converter:
    def __init__(self, body):
        self.body = body

    def blocks(self, container):
        self._loose_text(container.text, container)
        for element in container:
            if isinstance(element.tag, str):
                self.block(element)
            self._loose_text(element.tail, container)

    def block(self, element):
        name = local(element)
        if name in PARAGRAPHS:
            self.paragraph("p", element)
        elif name in SUBHEADS:
            self.paragraph(SUBHEADS[name], element)
        elif name in QUOTES:
            self.quote(element)
        elif name == "figure":
            self.figure(element)
        elif name in LISTS:
            self.listing(element)
        elif name in CONTAINERS:
            self.blocks(element)
        elif name in PICTURES:
            self.picture(element)
        elif name in DROPPED:
            if plain(element):
                self.note(f"<{name}> dropped (code, not story text)")
        elif name in SILENT:
            return
        elif name in {"table", "nitf-table"}:
            self.table(element)
        else:
            if plain(element):
                self.note(f"<{name}> kept as a paragraph of text")
                self.paragraph("p", element)

    def paragraph(self, tag, element):
        html = _inline(element)
        text = plain(element)
        if text:
            self.body.html += f"<{tag}>{html}</{tag}>"

    def quote(self, element, cite=""):
        paragraphs = [p for p in element.iter() if isinstance(p.tag, str) and local(p) == "p"]
        cite_elements = [c for c in element.iter() if isinstance(c.tag, str) and local(c) in {"credit", "cite"}]
        cite = cite or " ".join(plain(c) for c in cite_elements if plain(c))
        parts = [(_inline(p), plain(p)) for p in paragraphs if plain(p)]
        if not parts:
            # A quotation without paragraphs: its own text, less the attribution.
            text = plain(element)
            if cite and text.endswith(cite):
                text = text[: -len(cite)].strip()
            parts = [(escape(text, quote=False), text)] if text else []
        if not parts:
            return
        inner = "".join(f"<p>{html}</p>" for html, _ in parts)
        if cite:
            inner += f"<cite>{escape(cite, quote=False)}</cite>"
        self.body.html += f"<blockquote>{inner}</blockquote>"

    def figure(self, element):
        caption = next((plain(c) for c in element if isinstance(c.tag, str) and local(c) == "figcaption"), "")
        quote = next((c for c in element.iter() if isinstance(c.tag, str) and local(c) == "blockquote"), None)
        if quote is not None:
            self.quote(quote, cite=caption)
            return
        for node in element.iter():
            if isinstance(node.tag, str) and local(node) in PICTURES:
                self.picture(node, caption=caption)
                return
        if caption:
            self.note("<figure> without a picture kept as text")
            self._text_paragraph(caption)

    def picture(self, element, caption=""):
        source = element.get("src") or element.get("href") or ""
        for node in element.iter():
            if isinstance(node.tag, str) and local(node) == "media-reference":
                source = source or node.get("source") or node.get("data") or ""
        caption = caption or " ".join(
            plain(node) for node in element.iter() if isinstance(node.tag, str) and local(node) == "media-caption"
        )
        if source:
            self.body.pictures.append(source)
        self.note(
            f"<{local(element)}> inside the body is not shown yet" + (": its caption kept as text" if caption else "")
        )
        if caption:
            self._text_paragraph(caption)

    def listing(self, element):
        items = [i for i in element if isinstance(i.tag, str) and local(i) in {"li", "dt", "dd"}]
        parts = [(_inline(i), plain(i)) for i in items if plain(i)]
        if not parts:
            return
        tag = "ol" if local(element) == "ol" else "ul"
        self.body.html += f"<{tag}>" + "".join(f"<li>{html}</li>" for html, _ in parts) + f"</{tag}>"

    def table(self, element):
        rows = [r for r in element.iter() if isinstance(r.tag, str) and local(r) == "tr"]
        lines = []
        for row in rows:
            cells = [plain(c) for c in row if isinstance(c.tag, str) and local(c) in {"td", "th"}]
            if any(cells):
                lines.append(" | ".join(cells))
        if not lines and plain(element):
            lines = [plain(element)]
        if lines:
            self.note("<table> kept as text, one paragraph a row")
            for line in lines:
                self._text_paragraph(line)

    def note(self, message):
        if message not in self.body.notes:
            self.body.notes.append(message)

    def _loose_text(self, text, container):
        text = " ".join((text or "").split())
        if text:
            self._text_paragraph(text)

    def _text_paragraph(self, text):
        self.body.html += f"<p>{escape(text, quote=False)}</p>"


def _inline(element):
    """The element's content as inline HTML in the vocabulary; other markup keeps only its text."""
    parts = [escape(element.text or "", quote=False)]
    for node in element:
        if isinstance(node.tag, str):
            parts.append(_inline_node(node))
        parts.append(escape(node.tail or "", quote=False))
    html = " ".join("".join(parts).split())
    return html.replace(" <br>", "<br>").replace("<br> ", "<br>")


def _inline_node(node):
    name = local(node)
    if name == "br":
        return "<br>"
    if name in DROPPED:
        return ""
    inner = _inline(node)
    if name == "a" and _safe_href(node.get("href")):
        return f'<a href="{escape(node.get("href").strip())}">{inner}</a>'
    if name in STRONG:
        return f"<strong>{inner}</strong>" if inner.strip() else inner
    if name in EMPHASIS:
        return f"<em>{inner}</em>" if inner.strip() else inner
    return inner


def _safe_href(href):
    if not href or not href.strip():
        return False
    return urlsplit(href.strip()).scheme.lower() in LINK_SCHEMES
