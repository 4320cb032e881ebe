"""Reader pages' addresses without a reverse() per link: a story page links to some thirty-five.

Each route is reversed once per process (per URLconf and script prefix) with stand-in values; later
addresses are the pieces between the stand-ins with the real values put in. Before it is used, the
split is checked against reverse() on a sample; a route whose split disagrees, and any value a converter
might refuse or reverse() would quote, goes through reverse() as before, so every address stays the
URLconf's.
"""

import re

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# What needs no quoting and passes the slug, int and two-digit converters' patterns alike.
PLAIN = re.compile(r"[-a-zA-Z0-9_]+\Z")
UNBUILT = object()


def two_digits(number):
    return f"{int(number):02d}"


class Route:
    """One named route. `formats` give each argument's text as its converter writes it;
    `stand_ins` are texts its converter accepts that occur nowhere else in the address;
    `sample` holds real values to check the split with."""

    def __init__(self, name, formats=None, stand_ins=None, sample=None):
        self.name = name
        self.formats = formats or {}
        self.stand_ins = stand_ins or {}
        self.sample = sample or {}
        self._pieces = {}

    def __call__(self, **values):
        # The URLconf reverse() would use. No route is translated (no i18n_patterns), so the language is no part.
        key = (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
        pieces = self._pieces.get(key, UNBUILT)
        if pieces is UNBUILT:
            pieces = self._pieces[key] = self._split()
        if pieces is None:
            return reverse(self.name, kwargs=values)
        head, tail = pieces
        parts = [head]
        for name, piece in tail:
            text = self.formats[name](values[name])
            if not PLAIN.match(text):
                return reverse(self.name, kwargs=values)
            parts += (text, piece)
        return "".join(parts)

    def _split(self):
        """(text before the first argument, [(argument, text after it)…]), or None if it cannot be split."""
        address = reverse(self.name, kwargs=self.stand_ins)
        found = []
        for name, stand_in in self.stand_ins.items():
            if address.count(stand_in) != 1:
                return None
            found.append((address.index(stand_in), name, stand_in))
        found.sort()
        head_end = found[0][0] if found else len(address)
        tail = []
        for number, (start, name, stand_in) in enumerate(found):
            end = found[number + 1][0] if number + 1 < len(found) else len(address)
            tail.append((name, address[start + len(stand_in) : end]))
        pieces = (address[:head_end], tail)
        texts = {name: write(self.sample[name]) for name, write in self.formats.items()}
        built = pieces[0] + "".join(texts[name] + piece for name, piece in pieces[1])
        return pieces if built == reverse(self.name, kwargs=self.sample) else None


def _slug_route(name):
    return Route(name, {"slug": str}, {"slug": "zq-stand-in-zq"}, {"slug": "a-sample_2"})


story = Route(
    "articles:detail",
    formats={"year": str, "month": two_digits, "day": two_digits, "slug": str},
    stand_ins={"year": "7777", "month": "58", "day": "69", "slug": "zq-stand-in-zq"},
    sample={"year": 2026, "month": 3, "day": 9, "slug": "a-sample_2"},
)
tag = _slug_route("articles:tag")
person = _slug_route("articles:person")
author = _slug_route("articles:author")
section = _slug_route("articles:section")
share_image = _slug_route("articles:share_image")
_fixed = {}


def fixed(name):
    """The address of a route that takes no arguments (the front page, the topic list…)."""
    route = _fixed.get(name)
    if route is None:
        route = _fixed[name] = Route(name)
    return route()
