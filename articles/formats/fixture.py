"""Our JSON fixture format: a story object, or a list of them, with the FIELDS names.

Pure: standard library only, never Django.
"""

import json

from articles.formats.fields import FIELDS, InvalidField, build_story, check_keys
from articles.formats.story import FormatError


def looks_like(text):
    return text.lstrip().startswith(("{", "["))


def parse(text, source):
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as error:
        raise FormatError(
            f"invalid JSON: {error.msg} (column {error.colno})", source=source, line=error.lineno
        ) from None
    except InvalidField as problem:
        raise FormatError(problem.message, source=source, field=problem.field) from None
    except (ValueError, RecursionError) as error:
        # e.g. integers over Python's digit limit, or absurd nesting.
        raise FormatError(f"invalid JSON: {error}", source=source) from None
    if isinstance(data, dict):
        return [_story(data, source, source, "")]
    if not isinstance(data, list):
        raise FormatError("JSON must be a story object or a list of them", source=source)
    if not data:
        raise FormatError("JSON list holds no stories", source=source)
    return [_story(item, f"{source}#{index}", source, f"stories[{index}]") for index, item in enumerate(data)]


def _story(data, story_source, file_source, path):
    prefix = f"{path}." if path else ""
    if not isinstance(data, dict):
        raise FormatError("must be an object", source=file_source, field=path or None)
    try:
        check_keys(data, FIELDS, "")
        return build_story(data, story_source)
    except InvalidField as problem:
        raise FormatError(problem.message, source=file_source, field=prefix + problem.field) from None


def _no_duplicate_keys(pairs):
    keys = [key for key, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            raise InvalidField(key, "given twice in one object")
    return dict(pairs)
