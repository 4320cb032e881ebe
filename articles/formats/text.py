"""Text rules every format shares: decoding bytes, headline matching keys, derived headlines.

Pure: standard library only, never Django.
"""

import re
import unicodedata

from articles.formats.story import FormatError

DERIVED_HEADLINE_LIMIT = 110

# C0 controls except tab, LF, CR and form feed; DEL and C1 controls too.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
CLOSERS = "\"'”’»)]"


def decode(data, source):
    """The file's text and any warnings about how it was read."""
    if b"\x00" in data:
        raise FormatError("binary data (NUL byte) refused", source=source, line=byte_line(data, data.index(b"\x00")))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    warnings = ()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        line = byte_line(data, utf8_error.start)
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise FormatError("not valid UTF-8 or Windows-1252 text", source=source, line=line) from None
        warnings = (f"{source}:{line}: not valid UTF-8, read as Windows-1252",)
    return normalise(text, source), warnings


def normalise(text, source):
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    bad = CONTROL_RE.search(text)
    if bad:
        raise FormatError(
            f"control character U+{ord(bad.group()):04X} refused (binary data?)",
            source=source,
            line=text.count("\n", 0, bad.start()) + 1,
        )
    return text


def byte_line(data, offset):
    head = data[:offset].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return head.count(b"\n") + 1


def headline_key(text):
    """What two spellings of one headline share: related headlines find their story by it."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join("".join(_key_char(char) for char in text).split())


def derive_headline(lede, limit=DERIVED_HEADLINE_LIMIT):
    sentence = first_sentence(lede).strip()
    if len(sentence) <= limit:
        return _trim_end(sentence) or sentence
    cut = cut_at_word(sentence, limit)
    return _drop_dangling_words(_trim_end(cut)) or cut


def first_sentence(text):
    for match in _SENTENCE_BREAK.finditer(text):
        if not _ends_with_abbreviation(text[: match.start() + 1]):
            return text[: match.end()].rstrip()
    return text


def cut_at_word(text, limit):
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    space = head.rfind(" ")
    return (head[:space] if space > 0 else text[:limit]).rstrip()


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
