"""Parse wire text and JSON fixtures into plain dataclasses.

Pure: standard library and PyYAML only, never Django, so the importer,
management command and tests can all use it without a database.
"""

import json
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

import yaml

MAX_LENGTHS = {
    "headline": 300,
    "slug": 200,
    "summary": 1000,
    "byline": 200,
    "dateline": 120,
    "source": 120,
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
    "headline slug summary body byline dateline source published_at status tags people related_headlines image".split()
)
PERSON_FIELDS = frozenset({"name", "role", "aliases"})
RELATED_FIELDS = frozenset({"headline", "url", "slug"})
IMAGE_FIELDS = frozenset({"path", "alt", "caption", "credit"})
DERIVED_HEADLINE_LIMIT = 110
HEADLINE_LINE_LIMIT = 120

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
# C0 controls except tab, LF, CR and form feed; DEL and C1 controls too.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
SENTENCE_END = ".!?…"
QUOTES = '"“”„«»'
CLOSERS = "\"'”’»)]"


class WireError(ValueError):
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
    # Agency formats (articles/formats/): the body as HTML in the body vocabulary, and the item's
    # identity and metadata (an articles.formats.item.AgencyItem); None for wire text and fixtures.
    body_html: str = ""
    item: object = None

    @property
    def body(self):
        return "\n\n".join(self.paragraphs)


class _Invalid(Exception):
    """A field-level problem; the caller adds file and line."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


# --- public entry points -------------------------------------------------


def parse(data, source):
    text, warnings = decode(data, source)
    if not text.strip():
        raise WireError("file is empty", source=source, line=1)
    if _looks_like_json(text, source):
        stories = parse_json(text, source)
    else:
        stories = [parse_text(text, source)]
    return [_with_warnings(story, warnings) for story in stories]


def decode(data, source):
    if b"\x00" in data:
        raise WireError("binary data (NUL byte) refused", source=source, line=_byte_line(data, data.index(b"\x00")))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    warnings = ()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        line = _byte_line(data, utf8_error.start)
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise WireError("not valid UTF-8 or Windows-1252 text", source=source, line=line) from None
        warnings = (f"{source}:{line}: not valid UTF-8, read as Windows-1252",)
    return _normalise(text, source), warnings


def parse_text(text, source, *, warnings=()):
    lines = _normalise(text, source).split("\n")
    fields, body_start = _front_matter(lines, source)
    numbered = [(number, line.strip()) for number, line in enumerate(lines, 1)][body_start:]
    try:
        return _story_from_text(fields, _blocks(numbered), source, tuple(warnings))
    except _Invalid as problem:
        line = _key_line(lines, problem.field)
        raise WireError(problem.message, source=source, line=line, field=problem.field) from None


def parse_json(text, source):
    try:
        data = json.loads(_normalise(text, source), object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as error:
        raise WireError(f"invalid JSON: {error.msg} (column {error.colno})", source=source, line=error.lineno) from None
    except _Invalid as problem:
        raise WireError(problem.message, source=source, field=problem.field) from None
    except (ValueError, RecursionError) as error:
        # e.g. integers over Python's digit limit, or absurd nesting.
        raise WireError(f"invalid JSON: {error}", source=source) from None
    if isinstance(data, dict):
        return [_story_from_json(data, source, source, "")]
    if not isinstance(data, list):
        raise WireError("JSON must be a story object or a list of them", source=source)
    if not data:
        raise WireError("JSON list holds no stories", source=source)
    return [_story_from_json(item, f"{source}#{index}", source, f"stories[{index}]") for index, item in enumerate(data)]


def headline_key(text):
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join("".join(_key_char(char) for char in text).split())


def derive_headline(lede, limit=DERIVED_HEADLINE_LIMIT):
    sentence = first_sentence(lede).strip()
    if len(sentence) <= limit:
        return _trim_end(sentence) or sentence
    cut = _cut_at_word(sentence, limit)
    return _drop_dangling_words(_trim_end(cut)) or cut


def first_sentence(text):
    for match in _SENTENCE_BREAK.finditer(text):
        if not _ends_with_abbreviation(text[: match.start() + 1]):
            return text[: match.end()].rstrip()
    return text


# --- decoding and line handling -------------------------------------------


def _normalise(text, source):
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    bad = CONTROL_RE.search(text)
    if bad:
        raise WireError(
            f"control character U+{ord(bad.group()):04X} refused (binary data?)",
            source=source,
            line=text.count("\n", 0, bad.start()) + 1,
        )
    return text


def _byte_line(data, offset):
    head = data[:offset].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return head.count(b"\n") + 1


def _looks_like_json(text, source):
    name = source.lower()
    if name.endswith(".json"):
        return True
    if name.endswith((".txt", ".text", ".md")):
        return False
    return text.lstrip().startswith(("{", "["))


def _with_warnings(story, warnings):
    return replace(story, warnings=warnings + story.warnings) if warnings else story


# --- front matter ----------------------------------------------------------

_PLAIN_LINE_RE = re.compile(r"([A-Za-z_][\w-]*)[ \t]*:[ \t]+(\S.*)\Z")
_KEY_LINE_RE = re.compile(r"([A-Za-z_][\w-]*)[ \t]*:(?:\s|\Z)")
# A value starting with one of these means the block needs real YAML.
_YAML_INDICATORS = "[]{}\"'|>&*!%@#`"


def _front_matter(lines, source):
    # Returns the fields and the index of the first line after the block.
    if lines[0].rstrip() != "---":
        return {}, 0
    for end in range(1, len(lines)):
        if lines[end].rstrip() == "---":
            break
    else:
        raise WireError("front matter opened with '---' is never closed", source=source, line=1)
    block = [line.rstrip() for line in lines[1:end]]
    _check_duplicate_keys(block, source)
    fields = _plain_front_matter(block)
    if fields is None:
        fields = _yaml_front_matter(block, source)
    for key in fields:
        if key not in FIELDS:
            raise WireError(f"unknown field {key!r}", source=source, line=_key_line(lines, str(key)), field=str(key))
    return fields, end + 1


def _plain_front_matter(block):
    # Plain `key: value` lines are read literally, so a headline such as
    # "Putin: talks go on" or "Rafah #1" survives; anything else is YAML.
    fields = {}
    for line in block:
        if not line.strip():
            continue
        match = _PLAIN_LINE_RE.match(line)
        if not match or match.group(2)[0] in _YAML_INDICATORS:
            return None
        fields[match.group(1)] = match.group(2).strip()
    return fields


def _yaml_front_matter(block, source):
    try:
        # BaseLoader keeps every scalar a string: "2024", "yes" and dates
        # arrive as written and are checked by the field rules below.
        data = yaml.load("\n".join(block), Loader=yaml.BaseLoader)  # noqa: S506
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = mark.line + 2 if mark else 1
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise WireError(f"front matter is not valid YAML: {problem}", source=source, line=line) from None
    except RecursionError:
        raise WireError("front matter is nested too deeply", source=source, line=1) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise WireError("front matter must be 'key: value' lines", source=source, line=1)
    return data


def _check_duplicate_keys(block, source):
    seen = set()
    for number, line in enumerate(block, 2):
        match = _KEY_LINE_RE.match(line)
        if match and match.group(1) in seen:
            raise WireError("given twice in front matter", source=source, line=number, field=match.group(1))
        if match:
            seen.add(match.group(1))


def _key_line(lines, field_path):
    if not field_path or lines[0].rstrip() != "---":
        return None
    key = re.match(r"[\w-]+", field_path)
    for number, line in enumerate(lines[1:], 2):
        if line.rstrip() == "---":
            break
        match = _KEY_LINE_RE.match(line)
        if match and key and match.group(1) == key.group():
            return number
    return 1


# --- wire text layout --------------------------------------------------------


def _blocks(numbered_lines):
    blocks, current = [], []
    for number, text in numbered_lines:
        if text:
            current.append((number, text))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _story_from_text(fields, blocks, source, warnings):
    title = ""
    if "headline" not in fields and len(blocks) >= 2 and _is_title(blocks[0]):
        title = blocks.pop(0)[0][1]
    # The trailing headline-shaped blocks: one block on the wire, but
    # double-spaced copy puts a blank line between every line.
    related = []
    while len(blocks) >= 2 and all(_is_headline_shaped(text) for _, text in blocks[-1]):
        related[:0] = blocks.pop()
    body_lines = [(number, text) for block in blocks for number, text in block]
    if body_lines and "body" in fields:
        raise WireError(
            "body given both in front matter and as text", source=source, line=body_lines[0][0], field="body"
        )
    if related and "related_headlines" in fields:
        raise WireError(
            "related headlines given both in front matter and as text",
            source=source,
            line=related[0][0],
            field="related_headlines",
        )
    values = dict(fields)
    if title:
        values["headline"] = title
    if related:
        values["related_headlines"] = [text for _, text in related]
    if body_lines:
        values["body"] = [text for _, text in body_lines]
    if not values.get("body"):
        raise WireError("story has no body text", source=source, field="body")
    return _build_story(values, source, warnings=warnings, lists_as_text=True)


def _is_title(block):
    return len(block) == 1 and _is_headline_shaped(block[0][1])


def _is_headline_shaped(line):
    # Related headlines are short, unquoted and don't end like a sentence;
    # a final "He said so." or "(Reporting by ...)" line is body text.
    return (
        len(line) <= HEADLINE_LINE_LIMIT
        and len(line.split()) >= 2
        and not line.endswith(tuple(SENTENCE_END + ",;:"))
        and not any(quote in line for quote in QUOTES)
        and not (line.startswith("(") and line.endswith(")"))
        and any(char.isalnum() for char in line)
    )


# --- building and validating a story -----------------------------------------


def _story_from_json(data, story_source, file_source, path):
    prefix = f"{path}." if path else ""
    if not isinstance(data, dict):
        raise WireError("must be an object", source=file_source, field=path or None)
    try:
        for key in data:
            if key not in FIELDS:
                raise _Invalid(key, f"unknown field {key!r}")
        return _build_story(data, story_source, warnings=(), lists_as_text=False)
    except _Invalid as problem:
        raise WireError(problem.message, source=file_source, field=prefix + problem.field) from None


def _build_story(values, source, *, warnings, lists_as_text):
    paragraphs = _paragraphs(values.get("body"))
    if not paragraphs:
        raise _Invalid("body", "story has no body text")
    headline = _text(values, "headline", MAX_LENGTHS["headline"])
    summary = _text(values, "summary", MAX_LENGTHS["summary"], multiline=True)
    return Story(
        source=source,
        headline=headline or derive_headline(paragraphs[0]),
        headline_derived=not headline,
        slug=_slug(values.get("slug"), "slug"),
        summary=summary or _cut_at_word(paragraphs[0], MAX_LENGTHS["summary"]),
        paragraphs=paragraphs,
        byline=_text(values, "byline", MAX_LENGTHS["byline"]),
        dateline=_text(values, "dateline", MAX_LENGTHS["dateline"]),
        source_agency=_text(values, "source", MAX_LENGTHS["source"]),
        published_at=_datetime(values.get("published_at"), "published_at"),
        status=_status(values.get("status")),
        tags=_tags(values.get("tags"), lists_as_text),
        people=_people(values.get("people"), lists_as_text),
        related_headlines=_related(values.get("related_headlines"), lists_as_text),
        **_image(values.get("image")),
        warnings=warnings,
    )


def _paragraphs(body):
    if body is None:
        return ()
    if isinstance(body, str):
        body = [body]
    if not isinstance(body, list):
        raise _Invalid("body", "must be text or a list of paragraphs")
    paragraphs = []
    for index, chunk in enumerate(body):
        if not isinstance(chunk, str):
            raise _Invalid(f"body[{index}]", "must be text")
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
        raise _Invalid(path, f"must be text, not {type(value).__name__}")
    value = value.strip()
    _check_controls(value, path, multiline=multiline)
    if len(value) > limit:
        raise _Invalid(path, f"is {len(value)} characters long; the limit is {limit}")
    return value


def _check_controls(value, path, *, multiline=True):
    bad = CONTROL_RE.search(value) or (not multiline and re.search(r"[\n\r\f]", value))
    if bad:
        what = "a line break" if bad.group() in "\n\r\f" else f"control character U+{ord(bad.group()):04X}"
        raise _Invalid(path, f"must not contain {what}")


def _slug(value, path):
    slug = _string(value, path, MAX_LENGTHS["slug"])
    if slug and not SLUG_RE.match(slug):
        raise _Invalid(path, f"{slug!r} is not a slug (lowercase letters, digits and single hyphens)")
    return slug


def _datetime(value, path):
    text = _string(value, path, 64)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _Invalid(path, f"{text!r} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _status(value):
    status = _string(value, "status", 32).lower()
    if not status:
        return None
    if status not in STATUSES:
        raise _Invalid("status", f"{status!r} is not one of {', '.join(STATUSES)}")
    return status


def _list(value, path, lists_as_text):
    if value is None:
        return []
    if lists_as_text and isinstance(value, str):
        return [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list):
        raise _Invalid(path, f"must be a list, not {type(value).__name__}")
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
        raise _Invalid(path, "must be a name or an object with name, role, aliases")
    _check_keys(item, PERSON_FIELDS, path)
    name = _string(item.get("name"), f"{path}.name", MAX_LENGTHS["person.name"])
    if not name:
        raise _Invalid(f"{path}.name", "is required")
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
        raise _Invalid(path, "must be a headline or an object with headline and url or slug")
    _check_keys(item, RELATED_FIELDS, path)
    headline = _string(item.get("headline"), f"{path}.headline", MAX_LENGTHS["related.headline"])
    if not headline:
        raise _Invalid(f"{path}.headline", "is required")
    url = _url(item.get("url"), f"{path}.url")
    slug = _slug(item.get("slug"), f"{path}.slug")
    if url and slug:
        raise _Invalid(path, "give a url or a slug, not both")
    return HeadlineRef(headline=headline, url=url, slug=slug)


def _image(value):
    """A path, or an object with the path and what readers need with the picture."""
    if value is None or isinstance(value, str):
        return {"image": _string(value, "image", MAX_LENGTHS["image"])}
    if not isinstance(value, dict):
        raise _Invalid("image", "must be a path or an object with path, alt, caption, credit")
    _check_keys(value, IMAGE_FIELDS, "image")
    path = _string(value.get("path"), "image.path", MAX_LENGTHS["image"])
    if not path:
        raise _Invalid("image.path", "is required")
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
            raise _Invalid(path, f"{url!r} is not an http(s) URL")
    return url


def _check_keys(item, allowed, path):
    for key in item:
        if key not in allowed:
            raise _Invalid(f"{path}.{key}", f"unknown field {key!r}")


def _no_duplicate_keys(pairs):
    keys = [key for key, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            raise _Invalid(key, "given twice in one object")
    return dict(pairs)


# --- headline helpers ----------------------------------------------------------

# A sentence ends at . ! ? (plus closing quotes/brackets), then space, then
# something that can start a sentence; a lowercase start means the period
# sat inside a quotation ('"Stop." he said') and the sentence goes on.
_SENTENCE_BREAK = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s+[\"'“‘«(\[]*[A-Z0-9À-Þ])")
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof gen gov sen rep lt col capt sgt cpl adm maj st mt jr sr rev hon
    no nos vs etc inc corp co ltd bros dept est approx fig jan feb mar apr jun jul aug
    sep sept oct nov dec""".split()
)
_DANGLING_WORDS = frozenset(
    """a an the and or but nor of in on at to for from with by as after before
    over under into onto than that which who whose whom its his her their our
    was were is are be been has had have said says""".split()
)


def _ends_with_abbreviation(text):
    words = text.rstrip(".").split()
    word = words[-1].lstrip("\"'“‘«([") if words else ""
    return (
        word.casefold() in _ABBREVIATIONS
        or (len(word) == 1 and word.isalpha())  # an initial: "John F. Kennedy"
        or bool(re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", word))  # U.S., U.K., e.g.
    )


def _cut_at_word(text, limit):
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    space = head.rfind(" ")
    return (head[:space] if space > 0 else text[:limit]).rstrip()


def _trim_end(text):
    # Drop trailing punctuation, but keep a closing quote that balances an
    # opening one: 'He said "no."' becomes 'He said "no"'.
    while True:
        trimmed = text.rstrip(" \t.,;:!…-–—")
        if len(trimmed) >= 2 and trimmed[-1] in CLOSERS and trimmed[-2] in ".,;:!…":
            trimmed = trimmed[:-2].rstrip() + trimmed[-1]
        if trimmed == text:
            return text
        text = trimmed


def _drop_dangling_words(text):
    words = text.split(" ")
    while len(words) > 1 and words[-1].casefold() in _DANGLING_WORDS:
        words.pop()
    return _trim_end(" ".join(words))


def _key_char(char):
    # Dashes and slashes separate words ("Israel-Hamas" == "Israel Hamas");
    # other punctuation, quotes and apostrophes vanish ("U.S." == "US").
    if char.isalnum() or char.isspace():
        return char
    return " " if char in "/\\" or unicodedata.category(char) == "Pd" else ""
