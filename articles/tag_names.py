"""A story's tags as one line of text: names separated by commas, read and written back exactly as typed.

Taggit's own format quotes every name holding a space ("New York" comes back as "\"New York\"") and reads a line
without commas as words separated by spaces. Here the comma is the only separator, so a name only needs quotes when
it holds a comma itself. Plain functions (no Django): settings.TAGGIT_TAGS_FROM_STRING / _STRING_FROM_TAGS.
"""


def parse(text):
    """The names in `text`, each once (ignoring case), in alphabetical order."""
    names, current, quoted = [], [], False
    for char in text or "":
        if char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            names.append("".join(current))
            current = []
        else:
            current.append(char)
    names.append("".join(current))
    unique = {}
    for name in names:
        name = " ".join(name.split())
        if name:
            unique.setdefault(name.casefold(), name)
    return sorted(unique.values(), key=str.casefold)


def join(tags):
    """The line an editor sees for `tags` (anything with a .name)."""
    names = sorted((tag.name for tag in tags), key=str.casefold)
    return ", ".join(f'"{name}"' if "," in name else name for name in names)
