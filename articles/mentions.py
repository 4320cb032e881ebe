"""Find the people a wire story mentions and suggest tags from its text.

Pure: standard library only, never Django. The importer hands in body paragraphs, the people
editors curated and the names they rejected, and gets plain dataclasses back. Everything is
deterministic: the same text and the same index always give the same answer.

A capitalised name is a person only on the evidence a news reader uses (see "Evidence that a
name is a person" below); its later forms in the same story ("Mr Wong", "Wong", "P Wong") are
mentions of it, never new people, and never aliases for other stories. The word lists live in
`vocabulary/` beside this module, one entry a line.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

VOCABULARY = Path(__file__).resolve().parent / "vocabulary"


def _vocabulary(name: str) -> str:
    """A word list kept as a data file beside this module: one entry a line, "#" starts a comment."""
    lines = (VOCABULARY / name).read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if line.strip() and not line.lstrip().startswith("#"))


@dataclass(frozen=True)
class KnownPerson:
    key: object  # the database id; opaque here
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class PersonMention:
    name: str
    role: str = ""
    known_key: object | None = None  # a curated person's key; None for a person new to the index
    forms: tuple[str, ...] = ()  # how the story named them: "Peter Wong", "Mr Wong", "Wong"


def _entries(text: str) -> frozenset[str]:
    """A gazetteer written as a comma- or line-separated list."""
    return frozenset(entry.strip() for entry in re.split(r"[,\n]", text) if entry.strip())


def _mapping(text: str) -> dict[str, str]:
    """A lookup written as comma- or line-separated "key: value" pairs."""
    pairs = (entry.split(":", 1) for entry in _entries(text))
    return {key.strip(): value.strip() for key, value in sorted(pairs)}


def _topics(text: str) -> dict[str, str]:
    """Lines of "Tag: word word ..." -> {word: tag}."""
    topics = {}
    for line in text.strip().splitlines():
        tag, words = line.split(":", 1)
        topics.update((word, tag.strip()) for word in words.split())
    return topics


# --- Gazetteers ------------------------------------------------------------------------------
# Written for this project. Entries are case-sensitive, as they appear in news copy.

COUNTRIES = _entries(_vocabulary("countries.txt"))

# Other spellings and short forms, mapped to the name used as a tag.
COUNTRY_ALIASES = _mapping(_vocabulary("country_aliases.txt"))

# Nationality words, mapped to the country they point at when used as a tag.
DEMONYMS = _mapping(_vocabulary("demonyms.txt"))

# Peoples, faiths and broad groups: never people, never tags on their own.
GROUPS = _entries(_vocabulary("groups.txt"))

CITIES = _entries(_vocabulary("cities.txt"))

US_STATES = _entries(_vocabulary("us_states.txt"))

REGIONS = _entries(_vocabulary("regions.txt"))

# Government seats and capitals news copy uses to mean the state itself ("Moscow said").
METONYMS = _mapping(_vocabulary("metonyms.txt"))

# Variant place names, mapped to the tag name.
PLACE_ALIASES = _mapping(_vocabulary("place_aliases.txt"))

ORGANISATIONS = _entries(_vocabulary("organisations.txt"))

# Organisations worth tagging, under their tag name.
ORGANISATION_TAGS = _mapping(_vocabulary("organisation_tags.txt"))

# Words that make a capitalised phrase an institution or a place rather than a person.
INSTITUTION_WORDS = _entries(_vocabulary("institution_words.txt"))
PLACE_WORDS = _entries(_vocabulary("place_words.txt"))

MONTHS = _entries(_vocabulary("months.txt"))
WEEKDAYS = _entries("Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday")
HOLIDAYS = _entries(_vocabulary("holidays.txt"))
TEMPORAL = MONTHS | WEEKDAYS | HOLIDAYS
# Words that open the name of a storm or an operation ("Hurricane Melissa").
EVENT_WORDS = _entries("Hurricane, Typhoon, Cyclone, Storm, Tropical, Operation, Project, Plan")

# Capitalised words of rank and office: stripped from names, kept as the role.
TITLES = _entries(_vocabulary("titles.txt"))
# Courtesy titles are dropped from names and never shown as a role.
COURTESY_TITLES = _entries(
    "Mr, Mr., Mrs, Mrs., Ms, Ms., Mx, Miss, Dr, Dr., Mme, Madame, Messrs, Sir, Dame, Hon., Ratu, Herr, Frau, "
    "Monsieur, Señor, Señora, Signor, Signora"
)

# Place, month and title words that are also common given names or surnames ("Jordan Bardella",
# "Theresa May", "Martin Luther King Jr."): they count as names when they sit next to a name.
AMBIGUOUS_GIVEN_NAMES = _entries(_vocabulary("ambiguous_given_names.txt"))
AMBIGUOUS_SURNAMES = _entries(_vocabulary("ambiguous_surnames.txt"))

HONORIFICS = _entries(_vocabulary("honorifics.txt"))
NON_PERSON_HEADS = _entries(_vocabulary("non_person_heads.txt"))
KINSHIP_NOUNS = _entries(_vocabulary("kinship_nouns.txt"))


def _sections(text: str) -> dict[str, frozenset[str]]:
    """A data file of "[section]" headings, each followed by its entries."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        elif line and current is not None:
            current.append(line)
    return {name: frozenset(entries) for name, entries in sections.items()}


_PERSON_CONTEXT = _sections(_vocabulary("person_context.txt"))
ATTRIBUTION_VERBS = _PERSON_CONTEXT["attribution"]
THING_PREPOSITIONS = _PERSON_CONTEXT["thing prepositions"]
FICTION_CUES = _PERSON_CONTEXT["fiction"]
COMPANY_NOUNS = _PERSON_CONTEXT["company nouns"]
_FICTION_WINDOW = 5
COMPANY_DESCRIPTORS = _PERSON_CONTEXT["company descriptors"]
CREATION_WORDS = _PERSON_CONTEXT["creation"]
PERSONAL_PRONOUNS = frozenset({"he", "she", "him", "his", "her", "himself", "herself"})
_PRONOUN_WINDOW = 30
GIVEN_NAMES = frozenset(_vocabulary("given_names.txt").split())
APPOSITION_ADVERBS = frozenset({"currently", "now", "formerly", "previously", "also", "then", "himself", "herself"})

NON_PERSON = (
    COUNTRIES
    | frozenset(COUNTRY_ALIASES)
    | frozenset(DEMONYMS)
    | frozenset(f"{word}s" for word in DEMONYMS if not word.endswith(("s", "sh", "ch", "ese", "i")))
    | GROUPS
    | CITIES
    | US_STATES
    | REGIONS
    | ORGANISATIONS
    | INSTITUTION_WORDS
    | PLACE_WORDS
    | TEMPORAL
    | EVENT_WORDS
    | TITLES
    | NON_PERSON_HEADS
    | HONORIFICS
)
_NON_PERSON_WORDS = frozenset(entry for entry in NON_PERSON if " " not in entry)
_NON_PERSON_PHRASES = frozenset(entry for entry in NON_PERSON if " " in entry)
_LONGEST_PHRASE = 5

# Lowercase words that can describe a person in front of their name ("former hostage", "Kremlin leader").
ROLE_NOUNS = _entries(_vocabulary("role_nouns.txt"))
# Lowercase words that qualify a role ("former", "defence", "opposition") without being one.
ROLE_MODIFIERS = _entries(_vocabulary("role_modifiers.txt"))
# Words ending like role nouns ("-er", "-or", "-ist") that are not roles.
NOT_ROLE_NOUNS = _entries(_vocabulary("not_role_nouns.txt"))

# Function words: never part of a name, and they end a role.
FUNCTION_WORDS = _entries(_vocabulary("function_words.txt"))
# Words that are capitalised only because they open a sentence.
SENTENCE_WORDS = _entries(_vocabulary("sentence_words.txt"))
POSSESSIVE_DETERMINERS = _entries("his, her, their, its, our, my, your")
# What follows a sentence-initial name and shows it is a person ("Sapir Cohen said", "Sapir Cohen, 29,").
PERSON_CUES = _entries(_vocabulary("person_cues.txt"))

_PARTICLES = _entries("de, da, di, dos, das, du, del, della, der, den, van, von, ter, ten, la, le, bin, ibn, al, el")
# Capitalised particles that start a surname when a given name is absent ("Van Hollen said").
_CAPITAL_PARTICLES = _entries("Van, Von, De, Da, Di, Du, Del, Della, Der, Den, Dos, Das, Ter, Ten, La, Le")
_ARABIC_PREFIX_RE = re.compile(r"(?:al|el|as|ash|ad|an|ar|at|az|abu|bin|ibn|ben)-[^\W\d_]")
_NAME_SUFFIXES = _entries("Jr, Jr., Sr, Sr., II, III, IV")
POSTNOMINALS = _entries(_vocabulary("postnominals.txt"))
# A pronoun or auxiliary with its contraction ("I'd", "We'll", "Don't"): never part of a name.
_CONTRACTION_RE = re.compile(
    r"(?i)(?:i|we|you|he|she|they|there|that|what|who|let|don|can|won|isn|aren|wasn|weren|didn|doesn|"
    r"couldn|wouldn|shouldn|haven|hasn|hadn|ain)'(?:m|d|ll|ve|re|s|t)"
)
# Irish and Scottish Gaelic particles, capitalised inside a surname ("Conor Ó Dálaigh").
_GAELIC_PARTICLES = frozenset({"Ó", "Ní", "Uí", "Ua", "Nic"})
_MAX_ROLE_WORDS = 8
_MAX_ROLE_CHARS = 200
_MAX_NAME_WORDS = 4

# Topics worth a tag, by the lowercase word that names them.
TOPIC_WORDS = _topics("""
    Hostages: hostage hostages
    Ceasefire: ceasefire cease-fire truce
    Elections: election elections electoral referendum
    Protests: protest protests protesters protestors demonstrators
    Migration: migrant migrants migration immigration immigrants asylum deportation deportations refugee refugees
    Earthquakes: earthquake earthquakes
    Extreme weather: hurricane typhoon cyclone storm floods flooding wildfire wildfires heatwave drought
    Climate: climate
    Trade: tariff tariffs
    Economy: inflation recession
    Sanctions: sanctions
    Government shutdown: shutdown
    Public health: pandemic vaccine vaccines outbreak epidemic
    Cybersecurity: cyberattack ransomware hackers
    Terrorism: terrorism
    Nuclear: nuclear
""")
TOPIC_PHRASES = _mapping(_vocabulary("topic_phrases.txt"))


def _build_tag_names() -> dict[str, str]:
    names = {name: name for name in COUNTRIES | CITIES | US_STATES | REGIONS}
    names.update(COUNTRY_ALIASES)
    names.update(PLACE_ALIASES)
    for demonym, country in DEMONYMS.items():
        names[demonym] = country
        names[f"{demonym}s"] = country
    names.update(ORGANISATION_TAGS)
    names.update(METONYMS)
    names["AI"] = "Artificial intelligence"
    for part in ("Herzegovina", "Trinidad", "Tobago"):  # fragments listed only so they never become people
        names.pop(part, None)
    return names


# Case-sensitive phrase in the text -> tag name.
TAG_NAMES = _build_tag_names()


# --- Tokens ----------------------------------------------------------------------------------

_WORD, _ABBR, _SHORT, _NUM, _PUNCT = "word", "abbr", "short", "num", "punct"
_TOKEN_RE = re.compile(
    r"""
    (?P<abbr>(?:[^\W\d_]\.){2,})                                 # U.S., U.N.
  | (?P<short>(?:Mrs|Mr|Ms|Mx|Dr|Jr|Sr|St|Mt|Gen|Sens?|Rep|Gov|Lt|Col|Capt|Sgt|Adm|Maj|Cmdr|Prof|Rev|Hon|Pres
      |Jan|Feb|Mar|Apr|Aug|Sept?|Oct|Nov|Dec)\.(?!\w)
      | [A-Z]\.(?![^\W\d_]))                                     # titles, months and initials with a period
  | (?P<word>[^\W\d_]\w*(?:[-'’]\w+)*(?:(?<=[sS])['’](?!\w))?)  # words, hyphenated words, possessives
  | (?P<num>\d(?:[\d.,:]*\d)?)
  | (?P<punct>\S)
    """,
    re.VERBOSE,
)
# A capitalised word after one of these opens a sentence (or a quotation).
_SENTENCE_OPENERS = frozenset({".", "!", "?", "…", ":", '"', "“", "”", "‘", "’", "'", "(", "[", "«", "»"})
_WORDLIKE = frozenset({_WORD, _ABBR, _SHORT})


class _Token:
    """A word, number or mark of a paragraph, with what the readers below ask of it worked out once.

    Read, never changed: one token serves every place its text recurs (see `_token`)."""

    __slots__ = (
        "text",
        "base",
        "kind",
        "possessive",
        "initial",
        "lower",
        "capitalised",
        "name_class",
        "tag_lengths",
        "may_open_tag",
    )

    def __init__(self, text: str, base: str, kind: str, possessive: bool, initial: bool):
        self.text = text
        self.base = base  # possessive removed, curly apostrophes straightened
        self.kind = kind
        self.possessive = possessive
        self.initial = initial  # first word of a sentence or quotation
        self.lower = base.lower()
        first = base[:1]
        self.capitalised = first.isupper() or first.istitle()
        self.name_class = _token_class(self)  # how it can take part in a name (see _token_class)
        # The lengths of the tag phrases of several words it can open, longest first (see _tag_at).
        lengths = _TAG_PHRASE_LENGTHS.get(base, ()) + _TAG_PHRASE_LENGTHS.get(self.lower, ())
        self.tag_lengths = tuple(sorted({*lengths} - {1}, reverse=True))
        # Whether any tag can start at it at all: most words start none, and _tag_at need not be asked.
        self.may_open_tag = kind not in (_PUNCT, _NUM) and bool(
            self.tag_lengths or base in TAG_NAMES or self.lower in TOPIC_WORDS or self.lower in TOPIC_PHRASES
        )

    def __repr__(self) -> str:
        return f"_Token({self.text!r}, {self.kind})"


@functools.lru_cache(maxsize=2**16)
def _token(text: str, kind: str, initial: bool) -> _Token:
    # Most words of a story ("the", "said", a name said twice) recur, in it and in the stories after it.
    base, possessive = text.replace("’", "'"), False
    if kind == _WORD and base.endswith(("'s", "'S")):
        base, possessive = base[:-2], True
    elif kind == _WORD and base.endswith("'"):
        base, possessive = base[:-1], True
    return _Token(text, base, kind, possessive, initial)


def _tokenize(paragraph: str) -> list[_Token]:
    tokens: list[_Token] = []
    previous = None
    for match in _TOKEN_RE.finditer(paragraph):
        text, kind = match.group(), match.lastgroup or _PUNCT
        initial = kind in _WORDLIKE and (previous is None or previous in _SENTENCE_OPENERS)
        tokens.append(_token(text, kind, initial))
        previous = text
    return tokens


def _tokenize_story(paragraphs: Sequence[str]) -> list[list[_Token]]:
    return [_tokenize(paragraph) for paragraph in paragraphs if isinstance(paragraph, str)]


# --- Which capitalised words can be part of a name -------------------------------------------

_NAME, _INITIAL, _SUFFIX, _PARTICLE, _OTHER = "name", "initial", "suffix", "particle", "other"


def _token_class(token: _Token) -> str | None:
    """How a token can take part in a run of capitalised words; None ends the run."""
    if token.kind in (_NUM, _PUNCT):
        return None
    if token.kind == _ABBR:
        return _OTHER
    if token.kind == _SHORT:
        if token.base in _NAME_SUFFIXES:
            return _SUFFIX
        return _INITIAL if len(token.base) == 2 and token.base not in _NON_PERSON_WORDS else _OTHER
    if not token.capitalised:
        if token.base in _PARTICLES:
            return _PARTICLE
        return _NAME if _ARABIC_PREFIX_RE.match(token.base) else None
    return _capitalised_word_class(token)


def _capitalised_word_class(token: _Token) -> str:
    base, lower = token.base, token.lower
    if base in _NAME_SUFFIXES:
        return _SUFFIX
    if base in _GAELIC_PARTICLES:
        return _PARTICLE
    if _CONTRACTION_RE.fullmatch(base):
        return _OTHER  # "Kevin I'd say", "Dan I'm sure": a quote goes on, the name has ended
    if base in _NON_PERSON_WORDS or lower in FUNCTION_WORDS:
        return _OTHER
    if len(base) == 1 or (len(base) == 2 and base.isupper()):  # "J Smith", "JD Vance"
        return _INITIAL
    if base.isupper():  # acronyms: CEO, FBI, IDF
        return _OTHER
    if "-" in base and _compound_is_not_a_name(base):
        return _OTHER
    if token.initial and (lower in SENTENCE_WORDS or lower.endswith("ing")):
        return _OTHER
    return _NAME


def _compound_is_not_a_name(base: str) -> bool:
    # "Kremlin-backed", "Israeli-American" describe; "Jean-Luc" and "Ocasio-Cortez" name.
    parts = [part for part in base.split("-") if part]
    return any(not part[0].isupper() or part in _NON_PERSON_WORDS for part in parts)


# --- Roles -----------------------------------------------------------------------------------


def _lowercase_role_word(word: str) -> bool:
    if word in ROLE_NOUNS or word in ROLE_MODIFIERS or _looks_like_role_noun(word):
        return True
    parts = [part for part in word.split("-") if part]
    return len(parts) > 1 and all(_lowercase_role_word(part) for part in parts)


def _looks_like_role_noun(word: str) -> bool:
    return (
        len(word) > 3
        and word.endswith(("er", "or", "ist", "ian", "man", "woman", "ee"))
        and word not in NOT_ROLE_NOUNS
        and word not in FUNCTION_WORDS
    )


def _is_role_word(token: _Token) -> bool:
    if token.kind in (_NUM, _PUNCT):
        return False
    if token.capitalised:
        return (
            token.lower not in FUNCTION_WORDS
            and token.lower not in SENTENCE_WORDS
            and token.base not in TEMPORAL
            and not (token.initial and token.lower.endswith("ing") and token.base not in TITLES)  # "Speaking"
        )
    return _lowercase_role_word(token.lower)


def _is_role_head(token: _Token) -> bool:
    """The word right in front of a name must name a position for the phrase to be a role."""
    lower = token.lower
    if token.capitalised:
        return token.base in TITLES or lower in ROLE_NOUNS or lower.split("-")[-1] in ROLE_NOUNS
    last = lower.split("-")[-1]
    return lower in ROLE_NOUNS or last in ROLE_NOUNS or _looks_like_role_noun(last)


def _role_before(tokens: Sequence[_Token], start: int) -> str:
    """News-style descriptor in front of a name: "former hostage Alexander Trufanov"."""
    words: list[_Token] = []  # nearest first
    i = start - 1
    while i >= 0 and len(words) < _MAX_ROLE_WORDS:
        token = tokens[i]
        if token.possessive:
            break  # "Russia's foreign minister X": the role starts after the owner
        if token.lower in ("of", "for", "and") and not token.capitalised:
            if not words or i == 0 or not _joins_role_words(token, tokens[i - 1], words[-1]):
                break
        elif not _is_role_word(token):
            break
        words.append(token)
        i -= 1
    while words and words[-1].lower in ("of", "for", "and"):
        words.pop()
    words = [word for word in words if word.base not in COURTESY_TITLES]
    if not words or not _is_role_head(words[0]):
        return ""
    return _clip_role(" ".join(word.text for word in reversed(words)))


def _joins_role_words(connector: _Token, before: _Token, after: _Token) -> bool:
    # "Secretary of State", "minister for Europe", "chairman and chief executive" -
    # but not "Sen. Elizabeth Warren and Rep.", which joins two people.
    if before.possessive or not _is_role_word(before):
        return False
    if connector.lower == "and":
        return not before.capitalised and not after.capitalised
    return True


def _appositive_role(tokens: Sequence[_Token], start: int) -> str:
    """ "his fiancee, Sapir Cohen" -> "fiancee"."""
    if start < 3 or tokens[start - 1].text != ",":
        return ""
    words: list[_Token] = []
    i = start - 2
    while i >= 0 and len(words) < 4 and not tokens[i].capitalised and _is_role_word(tokens[i]):
        words.append(tokens[i])
        i -= 1
    if not words or i < 0 or not _is_role_head(words[0]):
        return ""
    owner = tokens[i]
    if owner.lower not in POSSESSIVE_DETERMINERS and not owner.possessive:
        return ""
    return _clip_role(" ".join(word.text for word in reversed(words)))


def _clip_role(role: str) -> str:
    return role[:_MAX_ROLE_CHARS].strip()


# --- Reading runs of capitalised words -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _RunName:
    """The name at the end of a run of capitalised words, with what surrounds it."""

    words: tuple[str, ...]
    start: int  # token index of the name in its paragraph
    end: int
    core: int  # given names, surnames and initials, not particles or suffixes
    role: str
    initials: int = 0  # "J. R. Halloran" has two, "B O'Driscoll" one

    @property
    def text(self) -> str:
        return " ".join(self.words)


def _runs(tokens: Sequence[_Token], classes: Sequence[str | None], consumed: set[int]) -> list[tuple[int, int]]:
    runs = []
    i, count = 0, len(tokens)
    while i < count:
        # Most tokens (lower-case words, numbers, marks) can be in no name: no call for them.
        if classes[i] is None or i in consumed or not _can_join_run(classes, consumed, i):
            i += 1
            continue
        j = i
        while j < count and j not in consumed and _can_join_run(classes, consumed, j):
            j += 1
            if tokens[j - 1].possessive:
                break  # "Trufanov's mother": the name ends at the possessive
        runs.append((i, j))
        i = j
    return runs


def _can_join_run(classes: Sequence[str | None], consumed: set[int], i: int) -> bool:
    if classes[i] != _PARTICLE:
        return classes[i] is not None
    # A lowercase particle belongs to a name only on its way to a capitalised word.
    j = i
    while j < len(classes) and classes[j] == _PARTICLE and j not in consumed:
        j += 1
    return j < len(classes) and j not in consumed and classes[j] == _NAME


def _effective_classes(tokens: Sequence[_Token], classes: Sequence[str | None], start: int, end: int) -> list[str]:
    """Classes within one run, after multi-word places and organisations and ambiguous names."""
    run = [classes[i] or _OTHER for i in range(start, end)]
    bases = [tokens[i].base for i in range(start, end)]
    for i in range(len(run)):
        for length in range(min(_LONGEST_PHRASE, len(run) - i), 1, -1):
            if " ".join(bases[i : i + length]) in _NON_PERSON_PHRASES:
                run[i : i + length] = [_OTHER] * length
                break
    plain = list(run)
    last_core = max((i for i, cls in enumerate(plain) if cls != _SUFFIX), default=-1)
    for i, base in enumerate(bases):
        if plain[i] != _OTHER:
            continue
        if base in AMBIGUOUS_GIVEN_NAMES and i + 1 < len(plain) and plain[i + 1] == _NAME:
            run[i] = _NAME
        elif base in AMBIGUOUS_SURNAMES and i == last_core and i > 0 and plain[i - 1] == _NAME:
            run[i] = _NAME
        elif base in GROUPS and i == last_core and i > 1 and plain[i - 1] == plain[i - 2] == _NAME:
            run[i] = _NAME  # "Phurba Gyalzen Sherpa": a people's name used as a surname
    return run


def _read_run(tokens: Sequence[_Token], classes: Sequence[str | None], start: int, end: int) -> _RunName | None:
    run = _effective_classes(tokens, classes, start, end)
    while len(run) > 1 and (
        tokens[start + len(run) - 1].base in POSTNOMINALS
        or (run[-1] == _OTHER and tokens[start + len(run) - 1].base in TEMPORAL)
    ):
        run.pop()  # "Oluwaseun Adebayo-Hart KC", "Vladimir Putin Tuesday"
    if run[-1] == _OTHER:
        return None  # ends in a place or organisation: "Harvard University", "Gaza Strip"
    first = len(run)
    while first > 0 and run[first - 1] != _OTHER:
        first -= 1
    while first < len(run) and run[first] == _SUFFIX:
        first += 1
    glued_role = ""
    # A role noun glued to the front of a name by its capital: "Substitute Marek Zielinski", "Frenchman X".
    while first < len(run) - 1 and tokens[start + first].lower in ROLE_NOUNS and run[first] == _NAME:
        glued_role = f"{glued_role} {tokens[start + first].text}".strip()
        first += 1
    name_classes = run[first:]
    # A title's own capitalised words run into the name: "Chancellor of the Exchequer Nigel Larkin",
    # "Minister for Economic Affairs Allen Wallis". The name is the last two of them.
    if first == 0 and _continues_a_title(tokens, start):
        core_positions = [i for i, cls in enumerate(name_classes) if cls in (_NAME, _INITIAL)]
        if len(core_positions) > 2:
            cut = core_positions[-2]
            while cut > 0 and name_classes[cut - 1] == _PARTICLE:
                cut -= 1
            glued_role = " ".join(token.text for token in tokens[start : start + cut])
            first, name_classes = cut, name_classes[cut:]
    if _NAME not in name_classes:
        return None
    last_core = max(i for i, cls in enumerate(name_classes) if cls in (_NAME, _INITIAL))
    if name_classes[last_core] != _NAME:
        return None  # "Plan B"
    name_start, name_end = start + first, start + len(run)
    name_tokens = tokens[name_start:name_end]
    role = _role_before(tokens, name_start) or _appositive_role(tokens, name_start) or _role_after(tokens, end)
    if glued_role:
        before = _title_before(tokens, start) or _role_before(tokens, start)
        role = _clip_role(f"{before} {glued_role}".strip())
    return _RunName(
        words=tuple(token.base for token in name_tokens),
        start=name_start,
        end=name_end,
        core=sum(cls in (_NAME, _INITIAL) for cls in name_classes),
        role=role,
        initials=sum(cls == _INITIAL for cls in name_classes),
    )


def _continues_a_title(tokens: Sequence[_Token], start: int) -> bool:
    """Is the run at `start` the rest of a title: "Chancellor of the | Exchequer ..."?"""
    return bool(_title_before(tokens, start))


def _title_before(tokens: Sequence[_Token], start: int) -> str:
    i = start - 1
    if i >= 0 and tokens[i].lower == "the":
        i -= 1
    if i < 1 or tokens[i].lower not in ("of", "for") or tokens[i].capitalised:
        return ""
    head = tokens[i - 1]
    if not (head.base in TITLES or head.lower in ROLE_NOUNS):
        return ""
    words = [token.text for token in tokens[i:start]]
    j = i - 1
    while j >= 0 and (tokens[j].base in TITLES or tokens[j].lower in ROLE_NOUNS or tokens[j].lower in ROLE_MODIFIERS):
        if tokens[j].base in COURTESY_TITLES:
            break
        words.insert(0, tokens[j].text)
        j -= 1
    return " ".join(words)


# Words that may stand between a name and its verb: "X has said", "X also told", "X later recalled".
_BEFORE_CUE = frozenset({"has", "had", "have", "also", "later", "then", "earlier", "previously", "again", "once"})


def _followed_by_person_cue(tokens: Sequence[_Token], end: int) -> bool:
    after = tokens[end : end + 3]
    if not after:
        return False
    if after[0].lower in PERSON_CUES:
        return True
    if len(after) > 1 and after[0].lower in _BEFORE_CUE and after[1].lower in PERSON_CUES:
        return True
    if tokens[end - 1].possessive and after[0].lower in KINSHIP_NOUNS:
        return True  # "Eddie Wong's wife": firms have spokesmen, only people have wives
    if after[0].text != "," or len(after) < 2:
        return False
    if after[1].lower in ("who", "whose"):
        return True
    if after[1].kind == _NUM and len(after) == 3 and after[2].text == ",":  # "Sapir Cohen, 29,"
        return True
    return bool(_role_after(tokens, end))


def _role_after(tokens: Sequence[_Token], end: int) -> str:
    """An appositive after a name: "Israel Katz, the defence minister, said" -> "defence minister";
    also "Maria Santos, the city's chief planner," and "Nadia Quereshi, currently head of retail"."""
    if end + 1 >= len(tokens) or tokens[end].text != ",":
        return ""
    opener = tokens[end + 1].lower
    if opener in ("the", "a", "an", "his", "her", "their"):
        start = end + 2
        # "the city's chief planner": the owner is not part of the role
        if start < len(tokens) - 1 and tokens[start].possessive and not tokens[start].capitalised:
            start += 1
    elif opener in APPOSITION_ADVERBS:
        start = end + 2
    elif opener in ROLE_NOUNS and not tokens[end + 1].capitalised:
        start = end + 1  # "Jef Raskin, head of the team, has died"
    else:
        return ""
    stop = start
    while stop < len(tokens) and stop - start < _MAX_ROLE_WORDS and _is_role_word(tokens[stop]):
        if stop > start and tokens[stop].lower in ("of", "for", "at") and not tokens[stop].capitalised:
            break
        stop += 1
    if not start < stop <= len(tokens) or not _is_role_head(tokens[stop - 1]):
        return ""
    if (
        stop < len(tokens)
        and tokens[stop].text not in (",", ".", ";")
        and tokens[stop].lower
        not in (
            "who",
            "whose",
            "of",
            "for",
            "at",
            "and",
        )
    ):
        return ""
    return _clip_role(" ".join(token.text for token in tokens[start:stop]))


def _is_full_name(run_name: _RunName) -> bool:
    return (
        2 <= run_name.core <= _MAX_NAME_WORDS
        and run_name.words[0] not in _CAPITAL_PARTICLES  # "Van Hollen" alone is a surname
        and run_name.words[0] not in _PARTICLES
    )


# --- Evidence that a name is a person --------------------------------------------------------
# A capitalised phrase is a person only when the story treats it as one, as a reader would judge:
# an honorific or a role in front, "said"/"told" attribution, an apposition ("X, the city's chief
# planner,"), a later "Mr X". Firms, clubs, works, places and laws are named with person-like words
# too, so the shape of the words alone is never enough; and the signs that a phrase is a thing
# ("shares in X", "the X", "at X", "X Pharmaceuticals" elsewhere, "X chairman Y", "plays X") win.


def _honorific_before(tokens: Sequence[_Token], start: int) -> bool:
    return start > 0 and (tokens[start - 1].base in HONORIFICS or tokens[start - 1].base in TITLES)


_STRONG, _WEAK = "strong", "weak"


def _attributed(tokens: Sequence[_Token], start: int, end: int) -> str:
    """How surely the words around one mention make it a person's: _STRONG, _WEAK or "".

    Strong: "X, who", "X, 29,", "X, the ROLE,", "X's widow", "X of Y Racing". Weak: speech alone ("X said",
    '..." said X', "according to X"), because firms, agencies and ministries say things too.
    """
    after = tokens[end : end + 3]
    if after and after[0].text == "," and len(after) > 1:
        if after[1].lower in ("who", "whose"):
            return _STRONG
        if after[1].kind == _NUM and len(after) == 3 and after[2].text == ",":  # "Sapir Cohen, 29,"
            return _STRONG
        if _human_role(_role_after(tokens, end)):
            return _STRONG
    if after and tokens[end - 1].possessive and after[0].lower in KINSHIP_NOUNS:
        return _STRONG  # "Eddie Wong's wife": firms have spokesmen, only people have wives
    if _affiliation_after(tokens, end):
        return _STRONG
    if _followed_by_person_cue(tokens, end):
        return _WEAK
    if len(after) > 1 and after[0].text == "," and after[1].lower in ("said", "says"):
        return _WEAK
    before = tokens[start - 1].lower if start > 0 else ""
    if before == "by" and start > 1 and tokens[start - 2].lower in CREATION_WORDS:
        return _STRONG  # "directed by Martin Scorsese", "a memoir by Jean Rhys"
    if before in ATTRIBUTION_VERBS:
        return _WEAK
    if start > 1 and tokens[start - 2].lower == "according" and before == "to":
        return _WEAK
    return ""


def _human_role(role: str) -> bool:
    """Does a role describe a human ("chief planner"), not a firm ("the chipmaker")?"""
    if not role:
        return False
    head = role.split()[-1]
    lower = head.lower()
    if lower in COMPANY_DESCRIPTORS or lower.split("-")[-1] in COMPANY_DESCRIPTORS:
        return False
    return True


def _personal_pronoun_follows(story: Sequence[Sequence[_Token]], p: int, end: int) -> bool:
    """ "... said X. She added ...": a he or she refers back before anyone else is named."""
    window = [*story[p][end:], *(story[p + 1][:_PRONOUN_WINDOW] if p + 1 < len(story) else ())]
    for token in window[:_PRONOUN_WINDOW]:
        if token.lower in PERSONAL_PRONOUNS:
            return True
        if token.capitalised and not token.initial and token.name_class == _NAME:
            return False  # someone or something else is named first
    return False


def _affiliation_after(tokens: Sequence[_Token], end: int) -> bool:
    """ "Bram van den Heuvel of Hartwell Pierce Racing": a person's team, firm or party follows."""
    if end >= len(tokens) - 1 or tokens[end].lower != "of" or tokens[end].capitalised:
        return False
    for token in tokens[end + 1 : end + 7]:
        if not token.capitalised:
            return False
        if token.base in NON_PERSON_HEADS or token.base in INSTITUTION_WORDS:
            return True
    return False


def _thing_context(tokens: Sequence[_Token], start: int, end: int) -> bool:
    """Signs, around one mention, that the phrase names a thing, not a human."""
    before = tokens[start - 1] if start > 0 else None
    if before is not None and not before.capitalised and before.lower in THING_PREPOSITIONS:
        return True
    if before is not None and before.lower in ("of", "for") and not before.capitalised and start > 1:
        owner = tokens[start - 2]
        if owner.capitalised and owner.base not in TITLES and owner.lower not in ROLE_NOUNS:
            return True  # "the Office of Disaster Preparedness"
        if not owner.capitalised and owner.lower in ROLE_NOUNS:
            return True  # "a spokesman for Fairweather Quinn": the employer
    if before is not None and before.lower == "as" and not _followed_by_person_cue(tokens, end):
        return True  # "a late run as Miss Cordelia Vane": a part played, or a capacity
    if before is not None and before.base in HONORIFICS and start > 1 and tokens[start - 2].lower == "as":
        return not _followed_by_person_cue(tokens, end)
    if end < len(tokens) and tokens[end].text in ("&", "+"):
        return True  # "Marcus Redfern & Co"
    for token in tokens[max(0, start - _FICTION_WINDOW) : start]:
        if token.lower in FICTION_CUES:
            return True  # "who plays the patriarch, Frank Harcourt"
    # "Archer Whitcombe chief executive Priya Raman": an owner of a role before another name.
    j = end
    if j < len(tokens) and tokens[j - 1].possessive:
        return False
    while (
        j < len(tokens)
        and not tokens[j].capitalised
        and tokens[j].kind == _WORD
        and _lowercase_role_word(tokens[j].lower)
    ):
        j += 1
    if j > end and j < len(tokens) and tokens[j].capitalised and tokens[j].name_class == _NAME:
        return True
    # "Archer Whitcombe shares fell": things owned by a company.
    return end < len(tokens) and tokens[end].lower in COMPANY_NOUNS


def _named_as_a_thing(reading: _Reading, words: tuple[str, ...]) -> bool:
    """Does the story also use these words as the start of an institution's name ("X Industries")?"""
    length = len(words)
    for p, i in reading.positions().get(words[0], ()):
        tokens = reading.story[p]
        if i + length >= len(tokens) or tuple(token.base for token in tokens[i : i + length]) != words:
            continue
        if tokens[i + length - 1].possessive:
            continue
        following = tokens[i + length]
        if following.base in NON_PERSON_HEADS or following.base in INSTITUTION_WORDS or following.text == "&":
            return True
        if i > 0 and tokens[i - 1].lower == "the" and not tokens[i - 1].capitalised:
            return True
    return False


# --- People ----------------------------------------------------------------------------------


def surname(name: str) -> str:
    """The family name news copy uses alone on later mentions."""
    parts = name.split()
    while len(parts) > 1 and parts[-1].rstrip(",") in _NAME_SUFFIXES:
        parts.pop()
    if not parts:
        return ""
    parts[-1] = parts[-1].rstrip(",")
    start = len(parts) - 1
    while start > 1 and (parts[start - 1].lower() in _PARTICLES or parts[start - 1] in _GAELIC_PARTICLES):
        start -= 1  # "von der Leyen"; the first word stays a given name ("Al Gore")
    return " ".join(parts[start:]).strip()


def given_name(name: str) -> str:
    words = name.split()
    return words[0] if len(words) > 1 else ""


_FULL, _ALIAS = "full", "alias"


@dataclass(frozen=True, slots=True)
class _Entry:
    words: tuple[str, ...]
    person: int
    kind: str


@dataclass
class _Found:
    """A person this story mentions, while the story is being read."""

    name: str
    keys: frozenset[str]  # what a single-word mention may call them
    first_pos: tuple[int, int]
    full_pos: tuple[int, int] | None  # first mention by full name
    role: str = ""
    known: KnownPerson | None = None
    forms: set[str] = field(default_factory=set)

    def mention(self, pos: tuple[int, int], role: str, full: bool, form: str = "") -> None:
        self.first_pos = min(self.first_pos, pos)
        if full and (self.full_pos is None or pos < self.full_pos):
            self.full_pos = pos
        if role and not self.role:
            self.role = role
        if form:
            self.forms.add(form)


@dataclass
class _Candidate:
    """A new full name and every mention of it, before the story has been weighed."""

    words: tuple[str, ...]
    mentions: list[tuple[tuple[int, int], _RunName]] = field(default_factory=list)
    evidence: bool = False


@dataclass
class _Reading:
    """The state of one call to PeopleIndex.find."""

    story: list[list[_Token]]
    found: dict[tuple, _Found] = field(default_factory=dict)
    person_tokens: set[tuple[int, int]] = field(default_factory=set)
    name_tokens: set[tuple[int, int]] = field(default_factory=set)  # any full name's, person or not
    _positions: dict[str, list[tuple[int, int]]] | None = None

    def positions(self) -> dict[str, list[tuple[int, int]]]:
        """Where each word that can be part of a name occurs in the story, built on first use.

        Only those: it is asked where names' words recur, and whether a word can be in a name follows
        from the word itself (its kind and spelling), so the other words' places are never asked for."""
        if self._positions is None:
            self._positions = {}
            for p, tokens in enumerate(self.story):
                for i, token in enumerate(tokens):
                    if token.name_class is not None:
                        self._positions.setdefault(token.base, []).append((p, i))
        return self._positions


class PeopleIndex:
    """People editors curated, indexed by the first word of each name and alias so a story costs one lookup per word.

    `rejected` holds names editors marked as not a person: never found again.
    """

    def __init__(self, known: Iterable[KnownPerson] = (), rejected: Iterable[str] = ()):
        self._people: list[KnownPerson] = []
        # Multi-word names and aliases: first word -> whole phrase -> entries; and the phrase lengths
        # to try for that first word, longest first. One dict lookup per length, whatever the index size.
        self._phrases: dict[str, dict[tuple[str, ...], list[_Entry]]] = {}
        self._phrase_lengths: dict[str, list[int]] = {}
        self._singles: dict[str, list[_Entry]] = {}  # one-word names and aliases an editor entered
        self._by_first_and_surname: dict[tuple[str, str], int] = {}  # "Vladimir Vladimirovich Putin"
        self.rejected = frozenset(_fold(name) for name in rejected)
        self._last_reading: tuple[tuple[str, ...], _Reading] | None = None
        for person in known:
            self.add(person)

    def add(self, person: KnownPerson) -> None:
        self._last_reading = None
        index = len(self._people)
        self._people.append(person)
        full = _name_words(person.name)
        if not full:
            return
        self._register(full, index, _FULL)
        if len(full) > 1:
            self._by_first_and_surname.setdefault((full[0], surname(" ".join(full))), index)
        for alias in person.aliases:
            alias_words = _name_words(alias)
            if alias_words:
                self._register(alias_words, index, _ALIAS)

    def _register(self, words: tuple[str, ...], index: int, kind: str) -> None:
        entry = _Entry(words, index, kind)
        if len(words) > 1:
            self._phrases.setdefault(words[0], {}).setdefault(words, []).append(entry)
            lengths = self._phrase_lengths.setdefault(words[0], [])
            if len(words) not in lengths:
                lengths.append(len(words))
                lengths.sort(reverse=True)
        else:
            self._singles.setdefault(words[0], []).append(entry)

    def find(self, paragraphs: Sequence[str]) -> list[PersonMention]:
        reading = self._read(paragraphs)
        people = sorted(reading.found.values(), key=lambda found: found.first_pos)
        return [
            PersonMention(
                name=found.name,
                role=found.role,
                known_key=found.known.key if found.known else None,
                forms=tuple(sorted(found.forms)),
            )
            for found in people
            if _fold(found.name) not in self.rejected or found.known is not None
        ]

    def _read(self, paragraphs: Sequence[str]) -> _Reading:
        # The importer asks for a story's people and then its tags: read it once for both.
        key = tuple(paragraphs)
        if self._last_reading is not None and self._last_reading[0] == key:
            return self._last_reading[1]
        reading = self._read_afresh(paragraphs)
        self._last_reading = (key, reading)
        return reading

    def _read_afresh(self, paragraphs: Sequence[str]) -> _Reading:
        reading = _Reading(_tokenize_story(paragraphs))
        consumed = [self._match_known_names(reading, p) for p in range(len(reading.story))]
        singles: list[tuple[tuple[int, int], _RunName]] = []
        candidates: dict[tuple[str, ...], _Candidate] = {}
        for p, tokens in enumerate(reading.story):
            classes = [token.name_class for token in tokens]
            for start, end in _runs(tokens, classes, consumed[p]):
                run_name = _read_run(tokens, classes, start, end)
                if run_name is None:
                    continue
                if run_name.initials == 1 and run_name.core == 2 and len(run_name.words[0].rstrip(".")) == 1:
                    singles.append(((p, run_name.start), run_name))  # "B O'Driscoll" after Brendan O'Driscoll
                elif _is_full_name(run_name) and run_name.text not in self._singles:
                    reading.name_tokens.update((p, k) for k in range(run_name.start, run_name.end))
                    candidates.setdefault(run_name.words, _Candidate(run_name.words)).mentions.append(
                        ((p, run_name.start), run_name)
                    )
                else:
                    singles.append(((p, run_name.start), run_name))
        self._weigh(reading, candidates, singles)
        for pos, run_name in singles:
            self._resolve_single(reading, pos, run_name)
        return reading

    def _match_known_names(self, reading: _Reading, p: int) -> set[int]:
        """Multi-word curated names and aliases, matched word by word; returns the token indexes used."""
        tokens = reading.story[p]
        consumed: set[int] = set()
        i = 0
        while i < len(tokens):
            # Most words open no curated name: one lookup, no call.
            entry = self._known_phrase_at(reading, tokens, i) if tokens[i].base in self._phrases else None
            if entry is None:
                i += 1
                continue
            end = i + len(entry.words)
            role = _role_before(tokens, i) or _appositive_role(tokens, i)
            form = " ".join(token.base for token in tokens[i:end])
            self._note_known(reading, entry.person, (p, i), role, full=entry.kind == _FULL, form=form)
            reading.person_tokens.update((p, k) for k in range(i, end))
            consumed.update(range(i, end))
            i = end
        return consumed

    def _known_phrase_at(self, reading: _Reading, tokens: Sequence[_Token], i: int) -> _Entry | None:
        phrases = self._phrases.get(tokens[i].base)
        if not phrases:
            return None
        for length in self._phrase_lengths[tokens[i].base]:
            end = i + length
            if end > len(tokens) or any(token.possessive for token in tokens[i : end - 1]):
                continue
            entries = phrases.get(tuple(token.base for token in tokens[i:end]))
            if entries and _stands_alone(tokens, i, end):
                # Two known people may share a name: keep the one this story already mentions, else the first.
                seen = [entry for entry in entries if ("known", entry.person) in reading.found]
                return (seen or entries)[0]
        return None

    def _weigh(
        self,
        reading: _Reading,
        candidates: dict[tuple[str, ...], _Candidate],
        singles: list[tuple[tuple[int, int], _RunName]],
    ) -> None:
        """Keep the new full names the story treats as people; drop the ones it treats as things."""
        later = _later_mention_evidence(reading.story, singles)
        initials_forms = {" ".join(run.words[1:]): run for _, run in singles if run.initials}
        longer = _longer_names(candidates)
        for words, candidate in sorted(candidates.items(), key=lambda item: -len(item[0])):
            if words in longer:
                continue
            known = self._by_first_and_surname.get((words[0], surname(" ".join(words))))
            if known is not None:  # a curated person, with a middle name this time
                for pos, run_name in candidate.mentions:
                    self._note_known(reading, known, pos, run_name.role, full=True, form=run_name.text)
                    reading.person_tokens.update((pos[0], k) for k in range(run_name.start, run_name.end))
                continue
            if _fold(" ".join(words)) in self.rejected:
                continue
            if any(word in NON_PERSON_HEADS for word in words) or _named_as_a_thing(reading, words):
                continue
            plain_mentions, spoken = 0, False
            for (p, _), run_name in candidate.mentions:
                tokens = reading.story[p]
                if _thing_context(tokens, run_name.start, run_name.end):
                    if not _honorific_before(tokens, run_name.start):
                        continue
                plain_mentions += 1
                sign = _attributed(tokens, run_name.start, run_name.end)
                if (
                    _human_role(run_name.role)
                    or _honorific_before(tokens, run_name.start)
                    or sign == _STRONG
                    or run_name.initials >= 2
                ):
                    candidate.evidence = True
                elif sign == _WEAK:
                    # Speech alone needs a given name or a "he"/"she" to tell a speaker from a firm.
                    spoken = (
                        spoken or words[0] in GIVEN_NAMES or _personal_pronoun_follows(reading.story, p, run_name.end)
                    )
            family, given = surname(" ".join(words)), words[0]
            later_sign = later.get(family) or later.get(given)
            if later_sign == _WEAK:
                later_sign = given in GIVEN_NAMES
            if plain_mentions and (
                spoken or later_sign or (family in initials_forms and given[:1] == initials_forms[family].words[0][:1])
            ):
                candidate.evidence = True
            if candidate.evidence and plain_mentions:
                _note_new(reading, candidate)
        for words, longer_words in longer.items():
            found = reading.found.get(("new", longer_words))
            if found is not None:  # "Albuquerque Neto said", after "Rodrigo Albuquerque Neto"
                for pos, run_name in candidates[words].mentions:
                    found.mention(pos, run_name.role, full=False, form=run_name.text)
                    reading.person_tokens.update((pos[0], k) for k in range(run_name.start, run_name.end))

    def _resolve_single(self, reading: _Reading, pos: tuple[int, int], run_name: _RunName) -> None:
        """A surname, first name or initials alone: someone named in full in this story, or a curated alias."""
        key = run_name.text
        words = run_name.words
        if run_name.initials and len(words) > 1:
            key = " ".join(words[1:])
        named = [
            found for found in reading.found.values() if found.full_pos is not None and _refers_to(found, key, words)
        ]
        if named:
            before = [found for found in named if found.full_pos < pos]
            chosen = max(before, key=lambda found: found.full_pos) if before else min(named, key=lambda f: f.full_pos)
            form = _mention_form(reading.story[pos[0]], run_name)
            chosen.mention(pos, run_name.role, full=False, form=form)
        else:
            entries = self._singles.get(key, ())
            if entries:
                seen = [entry for entry in entries if ("known", entry.person) in reading.found]
                chosen_entry = (seen or entries)[0]
                form = _mention_form(reading.story[pos[0]], run_name)
                self._note_known(
                    reading, chosen_entry.person, pos, run_name.role, full=chosen_entry.kind == _FULL, form=form
                )
            elif not self._new_single_person(reading, pos, run_name):
                return
        p = pos[0]
        reading.person_tokens.update((p, k) for k in range(run_name.start, run_name.end))

    def _new_single_person(self, reading: _Reading, pos: tuple[int, int], run_name: _RunName) -> bool:
        """Someone named by one word only: a mononym ("striker Tiaguinho") or a relative ("her son, Kevin")."""
        if run_name.core != 1 or run_name.initials or len(run_name.words) != 1 or run_name.text in self.rejected:
            return False
        name = run_name.text
        if name in _NON_PERSON_WORDS or name in NON_PERSON_HEADS or _fold(name) in self.rejected:
            return False
        tokens = reading.story[pos[0]]
        kin = _kinship_before(tokens, run_name.start, run_name.end)
        role = kin or _mononym_role(tokens, run_name.start, run_name.end)
        if not role:
            apposition = _role_after(tokens, run_name.end)
            head = apposition.split()[-1].lower() if apposition else ""
            if (
                head in ROLE_NOUNS
                and head not in KINSHIP_NOUNS
                and not _thing_context(tokens, run_name.start, run_name.end)
            ):
                role = apposition  # "Kestrel, the Welsh singer whose ..."
        if not role:
            return False
        identity = ("new", (name,))
        found = reading.found.get(identity)
        if found is None:
            found = _Found(name=name, keys=frozenset({name}), first_pos=pos, full_pos=pos)
            reading.found[identity] = found
        found.mention(pos, role, full=True, form=name)
        return True

    def _note_known(
        self, reading: _Reading, index: int, pos: tuple[int, int], role: str, full: bool, form: str = ""
    ) -> None:
        person = self._people[index]
        found = reading.found.get(("known", index))
        if found is None:
            keys = {surname(person.name), given_name(person.name), *person.aliases} - {""}
            if len(_name_words(person.name)) == 1:
                keys.add(person.name)
            found = _Found(name=person.name, keys=frozenset(keys), first_pos=pos, full_pos=None, known=person)
            reading.found[("known", index)] = found
        found.mention(pos, role, full, form=form)


def _note_new(reading: _Reading, candidate: _Candidate) -> None:
    mentions = sorted(candidate.mentions, key=lambda mention: mention[0])
    first_pos, first = mentions[0]
    name = first.text
    keys = frozenset({surname(name), given_name(name)} - {""})
    found = _Found(name=name, keys=keys, first_pos=first_pos, full_pos=None)
    for pos, run_name in mentions:
        found.mention(pos, run_name.role, full=True, form=run_name.text)
        p = pos[0]
        reading.person_tokens.update((p, k) for k in range(run_name.start, run_name.end))
    reading.found[("new", candidate.words)] = found


def _longer_names(candidates: dict[tuple[str, ...], _Candidate]) -> dict[tuple[str, ...], tuple[str, ...]]:
    """Candidates that are the start or the end of a longer one in the same story: its later mentions."""
    longer: dict[tuple[str, ...], tuple[str, ...]] = {}
    for words in candidates:
        for other in candidates:
            if len(other) > len(words) and (other[-len(words) :] == words or other[: len(words)] == words):
                if words not in longer or len(other) > len(longer[words]):
                    longer[words] = other
    return longer


def _refers_to(found: _Found, key: str, words: tuple[str, ...]) -> bool:
    if key not in found.keys:
        return False
    if len(words) > 1:  # "B O'Driscoll" is Brendan, not Bernard's brother Mark
        return found.name[:1] == words[0][:1]
    return True


def _mention_form(tokens: Sequence[_Token], run_name: _RunName) -> str:
    if _honorific_before(tokens, run_name.start) and tokens[run_name.start - 1].base in HONORIFICS:
        return f"{tokens[run_name.start - 1].base} {run_name.text}"
    return run_name.text


def _later_mention_evidence(
    story: Sequence[Sequence[_Token]], singles: list[tuple[tuple[int, int], _RunName]]
) -> dict[str, str]:
    """Surnames the story also uses as a person's: "Mr Raman", "Raman said", "Zielinski, who"."""
    evidence: dict[str, str] = {}
    for (p, _), run_name in singles:
        tokens = story[p]
        if run_name.initials:
            continue
        if _honorific_before(tokens, run_name.start) or _human_role(run_name.role):
            evidence[run_name.text] = _STRONG
        elif sign := _attributed(tokens, run_name.start, run_name.end):
            if evidence.get(run_name.text) != _STRONG:
                evidence[run_name.text] = sign
    return evidence


def _kinship_before(tokens: Sequence[_Token], start: int, end: int) -> str:
    """ "her mother, Rosa, who taught her" / "Voronin's sister, Katya, travelled" -> "mother".

    Only when the story goes on to say something of them: a first name alone in a list ("his
    mother, Elena, and his fiancee, ...") is too little to make a person's public page from.
    """
    if end + 1 >= len(tokens):
        return ""
    after, then = tokens[end], tokens[end + 1]
    if after.lower not in PERSON_CUES and not (
        after.text == ","
        and then.kind == _WORD
        and not then.capitalised
        and then.lower not in ("and", "or", "but", "nor")
    ):
        return ""
    if start < 3 or tokens[start - 1].text != ",":
        return ""
    noun = tokens[start - 2]
    if noun.lower not in KINSHIP_NOUNS:
        return ""
    owner = tokens[start - 3]
    if owner.lower not in POSSESSIVE_DETERMINERS and not owner.possessive:
        return ""
    return noun.lower


def _mononym_role(tokens: Sequence[_Token], start: int, end: int) -> str:
    """A one-word name with a person's role right before it ("Brazilian striker Tiaguinho")."""
    if start == 0 or tokens[start - 1].capitalised or tokens[start - 1].lower not in ROLE_NOUNS:
        return ""
    if tokens[start - 1].lower in KINSHIP_NOUNS:
        return ""
    if end < len(tokens) and tokens[end].capitalised:
        return ""
    return _role_before(tokens, start)


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()


def _name_words(name: str) -> tuple[str, ...]:
    return tuple(token.base for token in _tokenize(name))


def _stands_alone(tokens: Sequence[_Token], start: int, end: int) -> bool:
    """A known name inside a longer name ("Mary Ann Smith" for "Ann Smith") is not a mention."""
    if start > 0 and tokens[start - 1].name_class in (_NAME, _INITIAL) and not tokens[start - 1].possessive:
        return False
    if end < len(tokens) and not tokens[end - 1].possessive:
        return tokens[end].name_class not in (_NAME, _INITIAL, _SUFFIX)
    return True


# --- Tags ------------------------------------------------------------------------------------


def suggest_tags(paragraphs: Sequence[str], limit: int = 6, people: PeopleIndex | None = None) -> list[str]:
    """Places, organisations and topics the text names, most mentioned first, then by first mention.

    `people` is the index the story's people were found with, if any: its reading is reused.
    """
    reading = (people or PeopleIndex())._read(paragraphs)
    counts: dict[str, int] = {}
    first_seen: dict[str, tuple[int, int]] = {}
    # Built once: a union per token made long stories quadratic (a 2 MB file took hours).
    name_tokens = reading.person_tokens | reading.name_tokens
    for p, tokens in enumerate(reading.story):
        i = 0
        while i < len(tokens):
            if not tokens[i].may_open_tag:
                i += 1
                continue
            tag, length = _tag_at(tokens, i, p, name_tokens)
            if tag:
                counts[tag] = counts.get(tag, 0) + 1
                first_seen.setdefault(tag, (p, i))
            i += length
    # What the story is mainly about: named in the lede or more than once, not every passing mention.
    main = [tag for tag in counts if counts[tag] > 1 or first_seen[tag][0] == 0]
    ranked = sorted(main, key=lambda tag: (-counts[tag], first_seen[tag]))
    return ranked[: max(limit, 0)]


def _phrase_lengths() -> dict[str, tuple[int, ...]]:
    lengths: dict[str, set[int]] = {}
    for phrase in [*TAG_NAMES, *_NON_PERSON_PHRASES, *TOPIC_PHRASES]:
        words = phrase.split()
        lengths.setdefault(words[0], set()).add(len(words))
    return {word: tuple(sorted(found, reverse=True)) for word, found in lengths.items()}


# First word of a tag phrase -> the phrase lengths to try there, longest first.
_TAG_PHRASE_LENGTHS = _phrase_lengths()


def _tag_at(tokens: Sequence[_Token], i: int, p: int, person_tokens: set[tuple[int, int]]) -> tuple[str | None, int]:
    """The tag named by the longest phrase starting at token i, and how many tokens it covers."""
    token = tokens[i]
    if token.kind in (_PUNCT, _NUM) or (p, i) in person_tokens:
        return None, 1  # "Jordan Bardella" names a person, not a country
    # Phrases of several words first, longest first; most words start none, so they go straight to the word.
    for length in token.tag_lengths:
        window = tokens[i : i + length]
        if len(window) < length or _breaks_phrase(window, i, p, person_tokens):
            continue
        phrase = " ".join(word.base for word in window)
        if phrase in TAG_NAMES:
            if _inside_a_name(tokens, i, i + length):
                return None, length  # "Swiss Re", "Zurich Premiership", "Mr Houston"
            return TAG_NAMES[phrase], length
        if phrase in _NON_PERSON_PHRASES:
            return None, length  # "New York Times" is not "New York"
        lowered = phrase.lower()
        if lowered in TOPIC_PHRASES:
            return TOPIC_PHRASES[lowered], length
    if token.base in TAG_NAMES:
        if _inside_a_name(tokens, i, i + 1):
            return None, 1
        return TAG_NAMES[token.base], 1
    if token.lower in TOPIC_WORDS:
        return TOPIC_WORDS[token.lower], 1
    if token.lower in TOPIC_PHRASES:
        return TOPIC_PHRASES[token.lower], 1
    return None, 1


def _inside_a_name(tokens: Sequence[_Token], start: int, end: int) -> bool:
    """A place or organisation word that is only part of another name: a firm, an event, a person."""
    if start > 0 and tokens[start - 1].base in HONORIFICS:
        return True
    if end < len(tokens) and not tokens[end - 1].possessive:
        following = tokens[end]
        if following.kind == _WORD and following.capitalised and not following.initial:
            return following.base not in TAG_NAMES and _capitalised_word_class(following) in (_NAME, _OTHER)
    return False


def _breaks_phrase(window: Sequence[_Token], i: int, p: int, person_tokens: set[tuple[int, int]]) -> bool:
    if len(window) == 1:
        return False
    return (
        any(token.kind == _PUNCT or token.possessive for token in window[:-1])
        or window[-1].kind == _PUNCT
        or any((p, k) in person_tokens for k in range(i, i + len(window)))
    )
