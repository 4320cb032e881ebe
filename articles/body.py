"""Story bodies: sanitised HTML in a small, fixed vocabulary.

Why HTML and not a JSON block structure: every producer we have already speaks it (the admin editor,
ProseMirror, serialises to HTML; NITF, NewsML-G2 and ninjs carry XHTML bodies; plain wire text maps to
one escaped ``<p>`` per paragraph), feeds publish it as it is, and one well-kept sanitiser (nh3, the
binding to the Rust crate Ammonia, built on a real HTML5 parser) decides what survives. What a JSON
structure would add, a known set of block types, we get by fixing the vocabulary here and rebuilding
every body into it: `sanitise()` is the single door into `Article.body`, its output is canonical
(sanitising it again changes nothing), so bodies can be diffed, searched and migrated as text.

The vocabulary (anything else is removed, keeping its text where that reads well):

- top-level blocks: ``p``, ``h2``, ``h3``, ``ul``/``ol`` of ``li``, ``blockquote`` (``p`` children and an
  optional ``cite`` attribution; ``class="pull-quote"`` makes it a pull quote), ``aside class="fact-box"``
  (``h3``, ``p``, lists), and two figures:
  ``<figure class="picture" data-image="ID"><figcaption>…</figcaption></figure>`` (a picture from the
  library, by id; its credit comes from the library) and
  ``<figure class="embed"><a href="URL">…</a><figcaption>…</figcaption></figure>`` (a public post or video,
  stored as its URL and shown as a card that loads nothing from the third party);
- inline: ``a[href]`` (http, https, mailto, or a path on this site; ``rel`` is always ours), ``strong``,
  ``em``, ``br``.

Pure: standard library and nh3 only, never Django.
"""

import html as html_lib
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import nh3

INLINE_TAGS = frozenset({"a", "strong", "em", "br"})
BLOCK_TAGS = frozenset({"p", "h2", "h3", "ul", "ol", "li", "blockquote", "cite", "aside", "figure", "figcaption"})
ALLOWED_TAGS = INLINE_TAGS | BLOCK_TAGS
ALLOWED_ATTRIBUTES = {"a": {"href"}, "figure": {"data-image"}}
ALLOWED_CLASSES = {"blockquote": {"pull-quote"}, "aside": {"fact-box"}, "figure": {"picture", "embed"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener"

# Tags whose content goes with them: nothing of a script, a style or a third-party frame is text.
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math", "textarea", "select"}
)
# Markup from word processors, web pages and agency XHTML that maps onto the vocabulary.
RENAMED = {"b": "strong", "i": "em", "h1": "h2", "h4": "h3", "h5": "h3", "h6": "h3", "q": None}
# Containers whose children are kept but which are not themselves part of the vocabulary: each one ends
# a paragraph, so "<div>a</div><div>b</div>" is two paragraphs, not "ab".
UNWRAPPED_BLOCKS = frozenset(
    {
        "div",
        "section",
        "article",
        "header",
        "footer",
        "main",
        "pre",
        "table",
        "thead",
        "tbody",
        "tr",
        "td",
        "th",
        "dl",
        "dt",
        "dd",
        "address",
        "hr",
        "caption",
    }
)
_LENIENT_TAGS = ALLOWED_TAGS | UNWRAPPED_BLOCKS | {tag for tag, new in RENAMED.items() if new}

# Which children each container takes. "inline" means text and INLINE_TAGS.
_CHILDREN = {
    "root": {"p", "h2", "h3", "ul", "ol", "blockquote", "aside", "figure"},
    "blockquote": {"p", "cite"},
    "aside": {"h3", "p", "ul", "ol"},
    "ul": {"li"},
    "ol": {"li"},
    "li": {"p", "ul", "ol", "inline"},
    "figure": {"figcaption", "a"},
}
_INLINE_CONTAINERS = frozenset({"p", "h2", "h3", "cite", "figcaption", "a", "strong", "em"})
# Where stray inline content is gathered into a paragraph.
_PARAGRAPH_CONTAINERS = frozenset({"root", "blockquote", "aside", "li"})
_DIGITS = re.compile(r"[0-9]{1,18}")


def _keep_attribute(tag, attribute, value):
    if tag == "a" and attribute == "href":
        return value if _acceptable_href(value) else None
    if tag == "figure" and attribute == "data-image":
        return value if _DIGITS.fullmatch(value) else None
    return value


def _acceptable_href(value):
    value = value.strip()
    if value.startswith("/"):
        return not value.startswith("//")  # a path on this site, not another host
    if value.startswith("#"):
        return True
    return urlsplit(value).scheme.lower() in URL_SCHEMES


_lenient = nh3.Cleaner(
    tags=_LENIENT_TAGS,
    clean_content_tags=DROPPED_WITH_CONTENT,
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_keep_attribute,
    allowed_classes=ALLOWED_CLASSES,
    url_schemes=URL_SCHEMES,
    link_rel=None,
    strip_comments=True,
)
# The last word on every stored body: only the vocabulary, whatever the structural pass did.
_strict = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags=DROPPED_WITH_CONTENT,
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_keep_attribute,
    allowed_classes=ALLOWED_CLASSES,
    url_schemes=URL_SCHEMES,
    link_rel=LINK_REL,
    strip_comments=True,
)


# --- a tiny tree over the sanitiser's (well-formed) output ------------------------------------------


@dataclass
class Node:
    tag: str
    attrs: dict
    children: list

    def attr(self, name, default=""):
        return self.attrs.get(name, default)

    @property
    def classes(self):
        return set(self.attr("class").split())


# Elements without content or end tag (only <br> is stored; feeds' rendered bodies also carry <img>).
_VOID = frozenset({"br", "img", "hr", "source", "wbr"})


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {}, [])
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {name: value or "" for name, value in attrs}, [])
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, {name: value or "" for name, value in attrs}, []))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def _parse(markup):
    builder = _TreeBuilder()
    builder.feed(markup)
    builder.close()
    return builder.root


def _serialise(nodes):
    out = []
    for node in nodes:
        if isinstance(node, str):
            out.append(html_lib.escape(node, quote=False))
        else:
            attrs = "".join(f' {name}="{html_lib.escape(value)}"' for name, value in node.attrs.items())
            if node.tag in _VOID:
                out.append(f"<{node.tag}{attrs}>")
            else:
                out.append(f"<{node.tag}{attrs}>{_serialise(node.children)}</{node.tag}>")
    return "".join(out)


# --- structure: fit every node into the vocabulary's nesting ----------------------------------------


def _accepts(context, node):
    allowed = _CHILDREN.get(context)
    if context in _INLINE_CONTAINERS:
        return isinstance(node, str) or node.tag in INLINE_TAGS
    if isinstance(node, str) or node.tag in INLINE_TAGS:
        return "inline" in (allowed or ())
    return node.tag in (allowed or ())


def _has_text(nodes):
    return any((node.strip() if isinstance(node, str) else _has_text(node.children)) for node in nodes)


def _fit(children, context):
    """The children, rebuilt so each is allowed where it stands (see _CHILDREN)."""
    fitted, pending = [], []

    def flush():
        if context in _PARAGRAPH_CONTAINERS and _has_text(pending):
            if context == "li" and not any(isinstance(node, Node) and node.tag not in INLINE_TAGS for node in fitted):
                fitted.extend(pending)  # a list item of inline content stays as it is
            else:
                fitted.append(Node("p", {}, _trim(pending)))
        pending.clear()

    for node in _fixed_names(children, context):
        if isinstance(node, str) or node.tag in INLINE_TAGS:
            node = node if isinstance(node, str) else _fit_element(node)
            if node is None:
                continue
            if context in _INLINE_CONTAINERS:
                fitted.append(node)
            elif context in _PARAGRAPH_CONTAINERS:
                pending.append(node)
            elif context in ("ul", "ol") and _has_text([node]):
                fitted.append(Node("li", {}, _trim([node])))
            continue
        if _accepts(context, node) and not _unusable_container(node):
            flush()
            fitted_node = _fit_element(node)
            if fitted_node is not None:
                fitted.append(fitted_node)
            continue
        # Not allowed here: keep what it holds, as a block of its own where blocks may stand.
        flush()
        fitted.extend(_fit(node.children, context))
    flush()
    if context == "li" and any(isinstance(node, Node) and node.tag in ("p", "ul", "ol") for node in fitted):
        # Mixed inline and block content: every inline run becomes a paragraph.
        regrouped, run = [], []
        for node in fitted:
            if isinstance(node, str) or node.tag in INLINE_TAGS:
                run.append(node)
                continue
            if _has_text(run):
                regrouped.append(Node("p", {}, _trim(run)))
            run = []
            regrouped.append(node)
        if _has_text(run):
            regrouped.append(Node("p", {}, _trim(run)))
        fitted = regrouped
    return fitted


def _unusable_container(node):
    return node.tag == "aside" and "fact-box" not in node.classes


def _fixed_names(children, context):
    for node in children:
        if isinstance(node, Node) and node.tag in RENAMED:
            if RENAMED[node.tag] is None:
                yield from _fixed_names(node.children, context)
                continue
            node = Node(RENAMED[node.tag], node.attrs, node.children)
        if context == "aside" and isinstance(node, Node) and node.tag == "h2":
            # A fact box's headings are a level below the story's subheads, whichever level the editor chose.
            node = Node("h3", node.attrs, node.children)
        yield node


def _trim(nodes):
    """Inline content without leading or trailing whitespace or line breaks."""
    nodes = list(nodes)
    while nodes and (isinstance(nodes[0], str) and not nodes[0].strip() or _is_br(nodes[0])):
        nodes.pop(0)
    while nodes and (isinstance(nodes[-1], str) and not nodes[-1].strip() or _is_br(nodes[-1])):
        nodes.pop()
    if nodes and isinstance(nodes[0], str):
        nodes[0] = nodes[0].lstrip()
    if nodes and isinstance(nodes[-1], str):
        nodes[-1] = nodes[-1].rstrip()
    return nodes


def _is_br(node):
    return isinstance(node, Node) and node.tag == "br"


def _fit_element(node):
    """The element with its children fitted, or None when nothing worth keeping is left."""
    tag = node.tag
    if tag == "br":
        return Node("br", {}, [])
    if tag == "a":
        href = node.attr("href").strip()
        children = _fit(node.children, "a")
        if not href:
            return _unwrap_inline(children)
        return Node("a", {"href": href}, children) if _has_text(children) else None
    if tag in ("strong", "em"):
        children = _fit(node.children, tag)
        if not _has_text(children):
            return _unwrap_inline(children)
        return Node(tag, {}, children)
    if tag == "figure":
        return _fit_figure(node)
    if tag == "aside":
        children = _fit(node.children, "aside")
        return Node("aside", {"class": "fact-box"}, children) if _has_text(children) else None
    if tag == "blockquote":
        children = _fit(node.children, "blockquote")
        attrs = {"class": "pull-quote"} if "pull-quote" in node.classes else {}
        if not any(isinstance(child, Node) and child.tag == "p" for child in children):
            return None
        return Node("blockquote", attrs, children)
    children = _fit(node.children, tag)
    if tag in _INLINE_CONTAINERS or tag == "li":
        children = _trim(children)
    if not _has_text(children):
        return None
    return Node(tag, {}, children)


def _unwrap_inline(children):
    text = "".join(child for child in children if isinstance(child, str))
    return text or None


def _fit_figure(node):
    kind = node.classes & {"picture", "embed"}
    caption_nodes = [child for child in node.children if isinstance(child, Node) and child.tag == "figcaption"]
    caption = _trim(_fit(caption_nodes[0].children, "figcaption")) if caption_nodes else []
    caption_node = [Node("figcaption", {}, caption)] if _has_text(caption) else []
    if kind == {"picture"} and node.attr("data-image"):
        return Node("figure", {"class": "picture", "data-image": node.attr("data-image")}, caption_node)
    if kind == {"embed"}:
        link = next((child for child in _links(node.children)), None)
        if link is not None and urlsplit(link.attr("href")).scheme in ("http", "https"):
            label = _trim(_fit(link.children, "a")) or [link.attr("href")]
            return Node("figure", {"class": "embed"}, [Node("a", {"href": link.attr("href")}, label), *caption_node])
    return None


def _links(nodes):
    for node in nodes:
        if isinstance(node, Node):
            if node.tag == "a" and node.attr("href"):
                yield node
            elif node.tag != "figcaption":
                yield from _links(node.children)


def _figure_fallback(node):
    """What an unusable figure leaves behind: its caption as a paragraph."""
    captions = [child for child in node.children if isinstance(child, Node) and child.tag == "figcaption"]
    return [Node("p", {}, caption.children) for caption in captions]


# --- the public functions ---------------------------------------------------------------------------


def sanitise(markup):
    """Any HTML (an editor's, a paste, an agency's) as a body in the vocabulary; canonical and idempotent."""
    if not markup or not markup.strip():
        return ""
    tree = _parse(_lenient.clean(markup))
    blocks = _fit(_rescue_figures(tree.children), "root")
    return _strict.clean("\n".join(_serialise([block]) for block in blocks))


def _rescue_figures(nodes):
    """Figures we cannot show (an <img> figure from a web page) keep their caption as a paragraph."""
    rescued = []
    for node in nodes:
        if isinstance(node, Node) and node.tag == "figure" and _fit_figure(node) is None:
            rescued.extend(_figure_fallback(node))
        elif isinstance(node, Node):
            rescued.append(Node(node.tag, node.attrs, _rescue_figures(node.children)))
        else:
            rescued.append(node)
    return rescued


# A body is taken as markup when it has an element of the vocabulary (or of the markup mapped onto it);
# anything else is plain text, paragraphs separated by blank lines, as bodies were before they were HTML.
# Either way the result is safe: plain text is escaped, markup sanitised.
_MARKUP = re.compile(r"<(p|h[1-6]|ul|ol|li|blockquote|aside|figure|div|br|a|strong|em|b|i)[\s/>]", re.IGNORECASE)


def normalise(value):
    """What Article.save() stores for a body written as plain text or as HTML."""
    if not value or not value.strip():
        return ""
    if _MARKUP.search(value):
        return sanitise(value)
    return from_plain_text(value)


# Control characters HTML cannot carry, which the sanitiser's parser drops (some only in some positions): taken
# out first, so that the body is the same after a second pass (a re-import compares bodies). Form and line
# tabulations break lines, as splitlines() would.
_UNCARRIED = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
_LINE_TABULATIONS = re.compile("[\x0b\x0c]")


def from_paragraphs(paragraphs):
    """Plain-text paragraphs (an import, an old body) as a body: one escaped <p> each, line breaks kept."""
    blocks = []
    for paragraph in paragraphs:
        paragraph = _LINE_TABULATIONS.sub("\n", _UNCARRIED.sub("", paragraph))
        lines = [html_lib.escape(line.strip(), quote=False) for line in paragraph.strip().splitlines()]
        if any(lines):
            blocks.append("<p>" + "<br>".join(line for line in lines if line) + "</p>")
    # Through the sanitiser's serialiser too, so the result is canonical (e.g. a no-break space as &nbsp;).
    return _strict.clean("\n".join(blocks))


def from_plain_text(text):
    """A plain-text body (paragraphs separated by a blank line) as a body."""
    return from_paragraphs(text.replace("\r\n", "\n").split("\n\n"))


def _text(nodes, link_addresses=False):
    """The words of inline nodes, line breaks kept; with `link_addresses`, each link's address after its text."""
    parts = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(node)
        elif node.tag == "br":
            parts.append("\n")
        elif link_addresses and node.tag == "a":
            parts.append(f"{_text(node.children, link_addresses)} <{node.attr('href')}>")
        else:
            parts.append(_text(node.children, link_addresses))
    return "".join(parts)


def _clean_text(nodes):
    return "\n".join(line.strip() for line in _text(nodes).strip().splitlines())


def paragraphs(markup):
    """The body's paragraphs as plain text, in order: every <p> of the story's own text (pull quotes, which
    repeat it, and captions are left out). Line breaks inside a paragraph are kept as newlines."""
    found = []

    def walk(nodes):
        for node in nodes:
            if not isinstance(node, Node):
                continue
            if node.tag == "p":
                text = _clean_text(node.children)
                if text:
                    found.append(text)
            elif not (node.tag == "blockquote" and "pull-quote" in node.classes) and node.tag != "figure":
                walk(node.children)

    walk(_parse(markup or "").children)
    return found


def is_paragraphs_only(markup):
    """Whether the body is nothing but plain paragraphs (so it can be turned back into plain text)."""
    return all(
        isinstance(node, str)
        and not node.strip()
        or isinstance(node, Node)
        and node.tag == "p"
        and all(isinstance(c, str) or c.tag == "br" for c in node.children)
        for node in _parse(markup or "").children
    )


def to_plain_text(markup):
    """A paragraphs-only body back as plain text (the reverse of from_plain_text)."""
    return "\n\n".join(paragraphs(markup))


def text_blocks(markup):
    """The readable text of the body, one string per block: paragraphs, subheads, list items, quotes and
    their attribution, fact boxes and picture captions. Pull quotes (they repeat the story) and embeds
    (a URL is not prose) are left out. This is what search, articleBody, reading time and excerpts read."""
    found = []

    def walk(nodes):
        for node in nodes:
            if not isinstance(node, Node):
                continue
            if node.tag in ("p", "h2", "h3", "cite", "figcaption") or node.tag == "li" and not _has_blocks(node):
                text = _clean_text(node.children)
                if text:
                    found.append(text)
            elif node.tag == "blockquote" and "pull-quote" in node.classes:
                continue
            elif node.tag == "figure" and "embed" in node.classes:
                continue
            else:
                walk(node.children)

    walk(_parse(markup or "").children)
    return found


def _has_blocks(node):
    return any(isinstance(child, Node) and child.tag in ("p", "ul", "ol") for child in node.children)


def to_text(markup):
    """The body as plain text: its text blocks separated by blank lines."""
    return "\n\n".join(text_blocks(markup))


def readable(markup):
    """The body as marked-up plain text for revision diffs: every block on its own line, its kind shown
    ("## " subhead, "• " list item, "> " quote, "— " attribution, "[picture 12: caption]", "[embed: URL]"),
    link addresses after their text, so a changed link or a paragraph turned subhead shows in a word diff."""
    prefixes = {"h2": "## ", "h3": "### ", "li": "• ", "cite": "— "}
    lines = []

    def walk(nodes, prefix=""):
        for node in nodes:
            if not isinstance(node, Node):
                continue
            if node.tag == "figure" and "picture" in node.classes:
                lines.append(f"[picture {node.attr('data-image')}: {_clean_text(node.children)}]")
            elif node.tag == "figure":
                link = next(_links(node.children), None)
                captions = [child for child in node.children if isinstance(child, Node) and child.tag == "figcaption"]
                label = " — ".join(_clean_text(part.children) for part in ([link] if link else []) + captions)
                lines.append(f"[embed: {link.attr('href') if link else ''}] {label}".rstrip())
            elif node.tag == "blockquote":
                walk(node.children, "> pull quote: " if "pull-quote" in node.classes else "> ")
            elif node.tag == "aside":
                lines.append("[fact box]")
                walk(node.children, prefix)
            elif node.tag in ("ul", "ol") or node.tag == "li" and _has_blocks(node):
                walk(node.children, prefix)
            else:
                lines_of_block = _text(node.children, link_addresses=True).strip().splitlines()
                text = "\n".join(line.strip() for line in lines_of_block)
                lines.append(prefix + prefixes.get(node.tag, "") + text)

    walk(_parse(markup or "").children)
    return "\n\n".join(lines)


def word_count(markup):
    return len(to_text(markup).split())


# --- reading the body for rendering -----------------------------------------------------------------


@dataclass(frozen=True)
class Embed:
    url: str
    provider: str  # who hosts it, as readers know them: "YouTube", "Mastodon", or the site's host name
    kind: str  # "video", "post" or "link"
    label: str
    caption_html: str = ""

    @property
    def host(self):
        return urlsplit(self.url).hostname or ""


@dataclass(frozen=True)
class Block:
    """One top-level block, for templates: ``kind`` is "html" (``html`` is ready to show), "picture"
    (``image_id`` and ``caption_html``; ``picture`` once the caller has looked it up) or "embed" (``embed``).
    ``tag`` and ``inner_html`` let a template put something at the start of the first paragraph (the dateline)."""

    kind: str
    tag: str
    html: str = ""
    inner_html: str = ""
    image_id: int | None = None
    caption_html: str = ""
    embed: Embed | None = None
    picture: object = None  # what the caller found for image_id (a library picture), for the template


_PROVIDERS = [
    # (host suffixes, provider, kind)
    (("youtube.com", "youtu.be", "youtube-nocookie.com"), "YouTube", "video"),
    (("vimeo.com",), "Vimeo", "video"),
    (("x.com", "twitter.com"), "X", "post"),
    (("instagram.com",), "Instagram", "post"),
    (("bsky.app",), "Bluesky", "post"),
]
# Mastodon is many servers: a post's address is https://server/@user/123456.
_MASTODON_POST = re.compile(r"^/@[\w.]+(@[\w.-]+)?/\d+/?$")


def describe_embed(url, label="", caption_html=""):
    """Who hosts an embedded URL and what it is, from the URL alone (nothing is fetched)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    for suffixes, provider, kind in _PROVIDERS:
        if any(host == suffix or host.endswith("." + suffix) for suffix in suffixes):
            return Embed(url, provider, kind, label or url, caption_html)
    if _MASTODON_POST.match(parts.path):
        return Embed(url, "Mastodon", "post", label or url, caption_html)
    return Embed(url, host.removeprefix("www."), "link", label or url, caption_html)


def blocks(markup):
    """The body's top-level blocks, for the article template."""
    result = []
    for node in _parse(markup or "").children:
        if not isinstance(node, Node):
            continue
        captions = [child for child in node.children if isinstance(child, Node) and child.tag == "figcaption"]
        caption_html = _serialise(captions[0].children) if captions else ""
        if node.tag == "figure" and "picture" in node.classes:
            result.append(Block("picture", "figure", image_id=int(node.attr("data-image")), caption_html=caption_html))
        elif node.tag == "figure" and "embed" in node.classes:
            link = next(_links(node.children), None)
            if link is not None:
                embed = describe_embed(link.attr("href"), _clean_text(link.children), caption_html)
                result.append(Block("embed", "figure", embed=embed, caption_html=caption_html))
        else:
            result.append(Block("html", node.tag, html=_serialise([node]), inner_html=_serialise(node.children)))
    return result


def picture_ids(markup):
    """Ids of the library pictures the body shows, in order, each once."""
    return list(dict.fromkeys(block.image_id for block in blocks(markup) if block.kind == "picture"))


def with_absolute_links(markup, base_url):
    """The markup with every link and image address made absolute against `base_url` (for feeds, which are
    read away from the site)."""
    tree = _parse(markup or "")

    def walk(nodes):
        for node in nodes:
            if isinstance(node, Node):
                for attribute in ("href", "src"):
                    if node.attr(attribute):
                        node.attrs[attribute] = urljoin(base_url, node.attrs[attribute])
                walk(node.children)

    walk(tree.children)
    return _serialise(tree.children)
