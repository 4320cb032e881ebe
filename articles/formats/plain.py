"""Plain wire text, in the layouts real archives use, with optional front matter.

The layout is read from the text's shape, never from position alone:

1. one paragraph per line, a blank line, then a block of related headlines (the wire sample);
2. a title line, a blank line, then paragraphs separated by blank lines;
3. hard-wrapped copy: lines broken near a fixed width, paragraphs marked by
   indentation or blank lines; the lines of a paragraph are joined again;
4. front matter (below) before any of these.

A first block of one headline-shaped line is the title, whatever it ends with
(`?`, `!`, `…`, quotes). A final block is related headlines only when it is a
list of several short headline-like lines; one paragraph, with or without its
full stop, is body. A dateline opening the lede ("LONDON (Reuters) -") goes to
the dateline field.

Front matter is one strict syntax, opened and closed by `---` lines:

    headline: 'Debate needed' on donations cap     <- values are literal text
    tags: Politics, #1 charts                      <- lists: comma-separated ...
    people:
    - Vladimir Putin                               <- ... or one "- item" per line,
      role: President of Russia                    <- with indented "key: value" details
      aliases: Putin, Vladimir Vladimirovich
    related_headlines:
    - Rafah crossing to reopen, officials say
      slug: rafah-crossing-reopening
    image: pictures/harbour.jpg
      alt: Boats at dawn

Quotes, `#`, `*` and colons inside a value are text. Unknown keys, a key given
twice or a line of any other shape are errors naming the line. The body is the
text after the block.

Pure: standard library only, never Django.
"""

import re
from itertools import pairwise

from articles.formats.fields import FIELDS, InvalidField, build_story
from articles.formats.story import FormatError
from articles.formats.text import split_dateline

HEADLINE_LINE_LIMIT = 120
HEADLINE_WORD_LIMIT = 20
# Hard-wrapped copy is broken at 60-80 columns; outside these widths lines are paragraphs.
MIN_WRAP_WIDTH = 40
MAX_WRAP_WIDTH = 100
SENTENCE_END = ".!?…"
CLOSING = "\"'”’»)]"
OPENING = "\"'“‘«(["
LIST_FIELDS = {"tags", "people", "related_headlines"}
ITEM_MAIN_FIELD = {"people": "name", "related_headlines": "headline"}


def parse(text, source, *, warnings=()):
    lines = text.split("\n")
    front = _FrontMatter(lines, source)
    try:
        return [_story(front.fields, _blocks(lines, front.body_start), source, tuple(warnings))]
    except InvalidField as problem:
        raise FormatError(
            problem.message, source=source, line=front.line_of(problem.field), field=problem.field
        ) from None


# --- front matter ----------------------------------------------------------

_KEY_RE = re.compile(r"([A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+(.*))?\Z")
_ITEM_RE = re.compile(r"[ \t]*-(?:[ \t]+(.*))?\Z")
_DETAIL_RE = re.compile(r"[ \t]+([A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+(.*))?\Z")


class _FrontMatter:
    """The fields of a front matter block, and the line each field (and item, and detail) came from."""

    def __init__(self, lines, source):
        self.source = source
        self.fields = {}
        self.lines = {}  # field path ("people[1].role") -> line number
        self.body_start = 0
        if lines[0].rstrip() != "---":
            return
        for end in range(1, len(lines)):
            if lines[end].rstrip() == "---":
                break
        else:
            raise FormatError("front matter opened with '---' is never closed", source=source, line=1)
        self.body_start = end + 1
        self._read([(number, line.rstrip()) for number, line in enumerate(lines[1:end], 2)])

    def line_of(self, field_path):
        # "people[0].aliases[1]" -> the closest recorded path: "people[0].aliases", "people[0]", "people".
        path = field_path or ""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = re.sub(r"(?:\.[\w-]+|\[\d+\])\Z", "", path) if re.search(r"[.\[]", path) else ""
        return None

    def _read(self, numbered):
        key = item = None  # the field being read, and its last "- item" (a dict once it has details)
        for number, line in numbered:
            if not line.strip():
                continue
            if (match := _ITEM_RE.match(line)) and key is not None:
                item = self._add_item(key, match.group(1) or "", number)
            elif (match := _DETAIL_RE.match(line)) and key is not None:
                self._add_detail(key, item, match.group(1), (match.group(2) or "").strip(), number)
            elif match := _KEY_RE.match(line):
                key, item = match.group(1), None
                self._add_field(key, (match.group(2) or "").strip(), number)
            else:
                self._fail("is not a 'key: value' line, a '- item' line or an indented 'key: value' detail", number)

    def _add_field(self, key, value, number):
        if key not in FIELDS:
            self._fail(f"unknown field {key!r}", number, key)
        if key in self.fields:
            self._fail("given twice in front matter", number, key)
        if key == "body":
            self._fail("the body is the text after the front matter, not a field", number, key)
        self.fields[key] = value
        self.lines[key] = number

    def _add_item(self, key, text, number):
        if key not in LIST_FIELDS:
            self._fail("is not a list; give its value after the colon", number, key)
        items = self.fields[key]
        if isinstance(items, str):
            if items:
                self._fail("give a list either after the colon or as '- item' lines, not both", number, key)
            items = self.fields[key] = []
        self.lines[f"{key}[{len(items)}]"] = number
        items.append(text.strip())
        return len(items) - 1

    def _add_detail(self, key, item, name, value, number):
        if key == "image" and item is None:
            target, path = self.fields, "image"
            if not isinstance(target["image"], dict):
                target["image"] = {"path": target["image"]} if target["image"] else {}
            details = target["image"]
        elif key in ITEM_MAIN_FIELD and item is not None:
            path = f"{key}[{item}]"
            items = self.fields[key]
            if not isinstance(items[item], dict):
                items[item] = {ITEM_MAIN_FIELD[key]: items[item]}
            details = items[item]
        else:
            self._fail("only people, related headlines and the image take indented details", number, key)
        if name in details:
            self._fail("given twice", number, f"{path}.{name}")
        details[name] = value
        self.lines[f"{path}.{name}"] = number

    def _fail(self, message, number, field=None):
        raise FormatError(message, source=self.source, line=number, field=field)


# --- layout ----------------------------------------------------------------------


def _blocks(lines, start):
    """Runs of non-blank lines as (line number, line with its indentation; tabs there expanded)."""
    blocks, current = [], []
    for number, line in enumerate(lines[start:], start + 1):
        if text := line.strip():
            indent = line[: len(line) - len(line.lstrip())]
            current.append((number, " " * len(indent.expandtabs(8)) + text))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _story(fields, blocks, source, warnings):
    values = dict(fields)
    if "headline" not in fields and len(blocks) >= 2 and _is_title(blocks[0]):
        values["headline"] = blocks.pop(0)[0][1].strip()
    related = blocks.pop() if len(blocks) >= 2 and _is_headline_list(blocks[-1]) else None
    width = _wrap_width(blocks)
    if related and width and _is_wrapped_paragraph(related, width):
        blocks.append(related)
        related = None
    paragraphs = _paragraphs(blocks, width)
    if related:
        if fields.get("related_headlines"):
            raise FormatError(
                "related headlines given both in front matter and as text",
                source=source,
                line=related[0][0],
                field="related_headlines",
            )
        values["related_headlines"] = [line.strip() for _, line in related]
    if not paragraphs:
        raise FormatError("story has no body text", source=source, field="body")
    dateline, agency, lede = split_dateline(paragraphs[0])
    if dateline:
        paragraphs[0] = lede
        values["dateline"] = values.get("dateline") or dateline
        values["source"] = values.get("source") or agency
    values["body"] = paragraphs
    return build_story(values, source, warnings=warnings, lists_as_text=True)


def _is_title(block):
    if len(block) != 1:
        return False
    line = block[0][1].strip()
    # A lede with a dateline is never a title, however short.
    return _is_headline_like(line) and not split_dateline(line)[0]


def _is_headline_list(block):
    return len(block) >= 2 and all(_is_headline_like(line.strip()) for _, line in block)


def _is_headline_like(line):
    # Short, starts like a headline, and does not end like a sentence or a clause; "?", "!",
    # "…" and closing quotes are headline endings. "(Reporting by ...)" is body text.
    words = line.split()
    bare = line.rstrip(CLOSING)
    start = line.lstrip(OPENING)[:1]
    return (
        len(line) <= HEADLINE_LINE_LIMIT
        and 2 <= len(words) <= HEADLINE_WORD_LIMIT
        and bool(start)
        and (start.isupper() or start.isdigit())
        and (bare.endswith(("...", "…")) or not bare.endswith((".", ",", ";", ":")))
        and not (line.startswith("(") and line.endswith(")"))
    )


def _wrap_width(blocks):
    """The width the copy was hard-wrapped at, or None when each line is a paragraph.

    A wrapper leaves its mark where it broke a sentence: the line is "full" (the next
    line's first word would not have fitted) and ends in mid-sentence. Copy with one
    paragraph per line ends its lines with sentences, so it shows (almost) none.
    """
    lines = [line for block in blocks for _, line in block]
    widths = [len(line) for line in lines if " " in line.strip()]
    if not widths or not MIN_WRAP_WIDTH <= max(widths) <= MAX_WRAP_WIDTH:
        return None
    width = max(widths)
    inner = [(line, following) for block in blocks for (_, line), (_, following) in pairwise(block)]
    breaks = [
        (line, following) for line, following in inner if _is_full(line, following, width) and not _ends_sentence(line)
    ]
    # A sentence going on in lower case on the next line is the clearest mark of all.
    plain = any(following.lstrip(OPENING)[:1].islower() for _, following in breaks)
    if breaks and len(breaks) * 4 >= len(inner) and (len(breaks) >= 2 or plain):
        return width
    return None


def _is_full(line, following, width):
    # The wrapper broke here only if the next word did not fit on this line.
    return len(line) + 1 + len(following.split()[0]) > width


def _ends_sentence(line):
    return line.rstrip(CLOSING).endswith(tuple(SENTENCE_END + ":"))


def _is_wrapped_paragraph(block, width):
    return all(_is_full(line, following, width) for (_, line), (_, following) in pairwise(block))


def _indent(line):
    return len(line) - len(line.lstrip(" "))


def _paragraphs(blocks, width):
    if width is None:
        return [line.strip() for block in blocks for _, line in block]
    # Indentation marks a new paragraph only where the copy uses it (some indent every line).
    paragraphs = []
    for block in blocks:
        base = min(_indent(line) for _, line in block)
        current = []
        for position, (_, line) in enumerate(block):
            if current and _indent(line) > base:
                paragraphs.append(" ".join(current))
                current = []
            current.append(line.strip())
            following = block[position + 1][1] if position + 1 < len(block) else None
            if following is not None and not _is_full(line, following, width):
                paragraphs.append(" ".join(current))
                current = []
        if current:
            paragraphs.append(" ".join(current))
    return paragraphs
