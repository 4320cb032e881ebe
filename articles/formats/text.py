"""Text rules every format shares: decoding bytes, headline matching keys, derived headlines.

Pure: standard library only, never Django.
"""

import functools
import re
import unicodedata

from articles.formats.story import FormatError

DERIVED_HEADLINE_LIMIT = 90

# C0 controls except tab, LF, CR and form feed; DEL and C1 controls too.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
CLOSERS = "\"'”’»)]"


def decode(data, source):
    """The file's text and any warnings about how it was read.

    Valid UTF-8 (with or without a byte order mark) is UTF-8. Anything else is
    read as Windows-1252 only when it holds no valid UTF-8 multi-byte sequence
    at all, i.e. a true legacy file; a UTF-8 file with a stray byte is refused
    at that byte rather than turned into mojibake.
    """
    if b"\x00" in data:
        raise FormatError("binary data (NUL byte) refused", source=source, line=byte_line(data, data.index(b"\x00")))
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    try:
        return normalise(data[bom:].decode("utf-8"), source), ()
    except UnicodeDecodeError as utf8_error:
        offset = bom + utf8_error.start
    line = byte_line(data, offset)
    if bom or _UTF8_MULTIBYTE.search(data):
        raise FormatError(
            f"not valid UTF-8: byte 0x{data[offset]:02X} at byte offset {offset} (the rest of the file is UTF-8, "
            "so it is not a Windows-1252 legacy file either); fix or remove that byte",
            source=source,
            line=line,
        )
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as cp1252_error:
        offset = cp1252_error.start
        raise FormatError(
            f"neither UTF-8 nor Windows-1252: byte 0x{data[offset]:02X} at byte offset {offset}",
            source=source,
            line=byte_line(data, offset),
        ) from None
    return normalise(text, source), (f"{source}:{line}: not UTF-8, read as Windows-1252 (a legacy file)",)


# Well-formed UTF-8 sequences of two to four bytes (RFC 3629, no surrogates or overlongs).
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]"
    rb"|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)


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


def split_dateline(paragraph):
    """("WASHINGTON, March 26", "Reuters", rest) for a lede that opens with a dateline, else ("", "", paragraph).

    The agency forms: "CITY, Month D -", "CITY (Agency) -", "CITY, D Month (Agency) -",
    "CITY —", with the city in capitals and the date optional; "-", "--", "–" or "—".
    """
    match = _DATELINE.match(paragraph)
    if not match or not match.group("rest"):
        return "", "", paragraph
    return match.group("dateline").strip(), match.group("agency") or "", match.group("rest")


@functools.lru_cache(maxsize=2**14)
def headline_key(text):
    """What two spellings of one headline share: related headlines find their story by it."""
    # Cached: an import asks for the key of each related headline several times, and headlines recur.
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(text.translate(_KEY_CHARS).split())


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


_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATELINE = re.compile(
    r"(?P<dateline>"
    r"(?P<city>[A-ZÀ-Þ][A-ZÀ-Þ.'’]+(?:[ -][A-ZÀ-Þ][A-ZÀ-Þ.'’]*){0,4})"  # LONDON, PORT ALDER, ST. LOUIS
    r"(?:,\s*(?P<region>[A-Z][a-z]{0,5}\.|[A-Z]\.[A-Z]\.))?"  # ", Calif." ", D.C."
    rf"(?:,?\s+(?P<date>{_MONTH}\s+\d{{1,2}}|\d{{1,2}}\s+{_MONTH})(?:,?\s+\d{{4}})?)?"
    r"(?:\s*\((?P<agency>[A-Z][\w&.' -]{0,40})\))?"
    r")\s*(?:--?|–|—)\s+(?P<rest>[\"'“‘(\[]?[A-Z0-9À-Þ].*)",  # the lede starts as a sentence does
    re.DOTALL,
)

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


class _KeyChars(dict):
    """{code point: what it becomes in a headline key}, for str.translate; each character worked out once."""

    def __missing__(self, code):
        self[code] = _key_char(chr(code))
        return self[code]


_KEY_CHARS = _KeyChars()
