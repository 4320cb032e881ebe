"""Plain wire text: optional front matter, an optional title line, paragraphs, related headlines.

Pure: standard library and PyYAML only, never Django.
"""

import re

import yaml

from articles.formats.fields import FIELDS, InvalidField, build_story
from articles.formats.story import FormatError

HEADLINE_LINE_LIMIT = 120
SENTENCE_END = ".!?…"
QUOTES = '"“”„«»'


def parse(text, source, *, warnings=()):
    lines = text.split("\n")
    fields, body_start = _front_matter(lines, source)
    numbered = [(number, line.strip()) for number, line in enumerate(lines, 1)][body_start:]
    try:
        return [_story_from_text(fields, _blocks(numbered), source, tuple(warnings))]
    except InvalidField as problem:
        line = _key_line(lines, problem.field)
        raise FormatError(problem.message, source=source, line=line, field=problem.field) from None


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
        raise FormatError("front matter opened with '---' is never closed", source=source, line=1)
    block = [line.rstrip() for line in lines[1:end]]
    _check_duplicate_keys(block, source)
    fields = _plain_front_matter(block)
    if fields is None:
        fields = _yaml_front_matter(block, source)
    for key in fields:
        if key not in FIELDS:
            raise FormatError(f"unknown field {key!r}", source=source, line=_key_line(lines, str(key)), field=str(key))
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
        raise FormatError(f"front matter is not valid YAML: {problem}", source=source, line=line) from None
    except RecursionError:
        raise FormatError("front matter is nested too deeply", source=source, line=1) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FormatError("front matter must be 'key: value' lines", source=source, line=1)
    return data


def _check_duplicate_keys(block, source):
    seen = set()
    for number, line in enumerate(block, 2):
        match = _KEY_LINE_RE.match(line)
        if match and match.group(1) in seen:
            raise FormatError("given twice in front matter", source=source, line=number, field=match.group(1))
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
        raise FormatError(
            "body given both in front matter and as text", source=source, line=body_lines[0][0], field="body"
        )
    if related and "related_headlines" in fields:
        raise FormatError(
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
        raise FormatError("story has no body text", source=source, field="body")
    return build_story(values, source, warnings=warnings, lists_as_text=True)


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
