import json
import random
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles import formats
from articles.formats import FormatError, HeadlineRef, PersonRef

FIXTURES = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures" / "wire"
SAMPLE_PATH = FIXTURES / "000_92f1b64a3400c9d2.txt"
SAMPLE = SAMPLE_PATH.read_bytes()
SAMPLE_LINES = SAMPLE.decode("utf-8").splitlines()
SAMPLE_PARAGRAPHS = tuple(SAMPLE_LINES[:8])
SAMPLE_HEADLINES = tuple(SAMPLE_LINES[9:17])
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def isolated_media_and_cache():
    # Overrides the Django-backed autouse fixture in conftest.py: articles.formats is
    # pure, so these tests need neither settings nor a cache.
    yield


def parse_one(data, source="story.txt"):
    if isinstance(data, str):
        data = data.encode("utf-8")
    [story] = formats.parse(data, source)
    return story


def raises_wire_error(data, source="story.txt"):
    if isinstance(data, str):
        data = data.encode("utf-8")
    with pytest.raises(FormatError) as caught:
        formats.parse(data, source)
    return caught.value


def sample_text():
    return SAMPLE.decode("utf-8")


# --- the sample story --------------------------------------------------------


def test_sample_fixture_has_the_documented_shape():
    assert len(SAMPLE_LINES) == 17
    assert SAMPLE_LINES[8] == ""


def test_sample_parses_into_its_paragraphs_and_related_headlines():
    story = parse_one(SAMPLE, SAMPLE_PATH.name)

    assert story.source == SAMPLE_PATH.name
    assert story.paragraphs == SAMPLE_PARAGRAPHS
    assert story.body == "\n\n".join(SAMPLE_PARAGRAPHS)
    assert tuple(ref.headline for ref in story.related_headlines) == SAMPLE_HEADLINES
    assert story.related_headlines[0] == HeadlineRef("Reopening of Gaza's Rafah crossing expected Monday")
    assert story.summary == ""  # never a copy of the lede
    assert story.warnings == ()
    assert (story.slug, story.tags, story.people, story.status, story.published_at) == ("", (), (), None, None)


def test_sample_headline_is_derived_from_the_lede():
    story = parse_one(SAMPLE)

    assert story.headline_derived is True
    assert story.headline == "Kremlin leader Vladimir Putin on Wednesday met Russian nationals freed from captivity"
    assert SAMPLE_PARAGRAPHS[0].startswith(story.headline)
    assert len(story.headline) <= 90


def test_sample_quotes_are_kept_untouched():
    story = parse_one(SAMPLE)

    assert story.paragraphs[1].startswith('"The fact that you are now free')
    assert "Hamas' October" in story.paragraphs[0]


# --- encodings and layout ------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(b"\xef\xbb\xbf" + SAMPLE, id="bom"),
        pytest.param(SAMPLE.replace(b"\n", b"\r\n"), id="crlf"),
        pytest.param(SAMPLE.replace(b"\n", b"\r"), id="cr"),
        pytest.param(SAMPLE.replace(b"\n", b"  \t\n"), id="trailing-spaces"),
        pytest.param(SAMPLE.replace(b"\n\n", b"\n\n\n\n"), id="several-blank-lines"),
        pytest.param(b"\n\n" + SAMPLE + b"\n\n\n", id="blank-lines-around"),
    ],
)
def test_layout_variants_parse_like_the_sample(variant):
    story = parse_one(variant)

    assert story.paragraphs == SAMPLE_PARAGRAPHS
    assert tuple(ref.headline for ref in story.related_headlines) == SAMPLE_HEADLINES
    assert story.warnings == ()


def test_windows_1252_is_read_with_a_warning():
    data = "Caf\u00e9 owners \u201cwelcome\u201d the \u20ac5 levy.\nSecond paragraph.\n".encode("cp1252")

    story = parse_one(data, "legacy.txt")

    assert story.paragraphs == ("Caf\u00e9 owners \u201cwelcome\u201d the \u20ac5 levy.", "Second paragraph.")
    assert len(story.warnings) == 1
    assert "legacy.txt:1" in story.warnings[0]
    assert "Windows-1252" in story.warnings[0]


def test_title_line_becomes_the_headline():
    story = parse_one("Putin meets Russians freed from Gaza\n\n" + sample_text())

    assert story.headline == "Putin meets Russians freed from Gaza"
    assert story.headline_derived is False
    assert story.paragraphs == SAMPLE_PARAGRAPHS
    assert len(story.related_headlines) == 8


def test_story_without_headline_block_keeps_every_paragraph():
    text = "\n".join(SAMPLE_PARAGRAPHS)

    story = parse_one(text)

    assert story.paragraphs == SAMPLE_PARAGRAPHS
    assert story.related_headlines == ()


def test_paragraphs_separated_by_blank_lines():
    story = parse_one("First paragraph here.\n\n\n   Second one, indented.   \n\nThird one.\n")

    assert story.paragraphs == ("First paragraph here.", "Second one, indented.", "Third one.")


def test_final_sentence_paragraph_stays_body():
    story = parse_one("The lede says what happened.\n\nThe talks will resume on Monday.")

    assert story.paragraphs == ("The lede says what happened.", "The talks will resume on Monday.")
    assert story.related_headlines == ()


@pytest.mark.parametrize(
    ("final_block", "is_headlines"),
    [
        ("Markets rally after rate cut\nOil slips as supply grows", True),
        # One line is a paragraph, with or without its full stop: only a list is headlines.
        ("Markets rally after rate cut", False),
        ("Halo 2 is out on 9 November in the US", False),
        ("Talks resume on Monday, officials said.", False),
        ("Is this the end of the euro?", False),
        ('Putin says "thank you" to Hamas', False),
        ("Is this the end of the euro?\n'Debate needed' on donations cap\nMarkets rally…", True),
        ("Markets rally after rate cut\nofficials expect more cuts next year", False),
        ("Markets rally after rate cut\nOfficials expect more cuts next year.", False),
        ("(Reporting by Guy Faulconbridge; editing by Andrew Osborn)", False),
        ("Ends", False),
        ("A " + "very " * 30 + "long line without a full stop", False),
    ],
)
def test_final_block_is_told_apart_by_shape(final_block, is_headlines):
    story = parse_one("The lede says what happened.\n\n" + final_block + "\n")

    if is_headlines:
        assert story.paragraphs == ("The lede says what happened.",)
        assert tuple(ref.headline for ref in story.related_headlines) == tuple(final_block.split("\n"))
    else:
        assert story.paragraphs == ("The lede says what happened.", *final_block.split("\n"))
        assert story.related_headlines == ()


def test_many_short_final_paragraphs_stay_body():
    # Each a block of its own: a run of them is not a headlines block, however short.
    text = "The lede says what happened.\n\n" + "\n\n".join(f"Result number {n} came in late" for n in range(64))

    story = parse_one(text)

    assert len(story.paragraphs) == 65
    assert story.related_headlines == ()


def test_single_short_block_is_body_not_headline():
    story = parse_one("Markets rally after rate cut\n")

    assert story.paragraphs == ("Markets rally after rate cut",)
    assert story.headline == "Markets rally after rate cut"
    assert story.headline_derived is True


# --- front matter ----------------------------------------------------------------


def test_plain_front_matter_values_are_read_literally():
    text = (
        "---\n"
        "headline: Putin: Russia did everything possible\n"
        "slug: putin-freed-hostages\n"
        "summary: Putin meets freed hostages #2 in the Kremlin\n"
        "byline: Guy Faulconbridge\n"
        "dateline: MOSCOW\n"
        "source: Reuters\n"
        "published_at: 2025-03-05T21:30:00Z\n"
        "status: published\n"
        "tags: Russia, Israel, Gaza, russia\n"
        "people: Vladimir Putin, Alexander Trufanov\n"
        "image: images/putin.jpg\n"
        "---\n" + sample_text()
    )

    story = parse_one(text)

    assert story.headline == "Putin: Russia did everything possible"
    assert story.headline_derived is False
    assert story.slug == "putin-freed-hostages"
    assert story.summary == "Putin meets freed hostages #2 in the Kremlin"
    assert (story.byline, story.dateline, story.source_agency) == ("Guy Faulconbridge", "MOSCOW", "Reuters")
    assert story.published_at == datetime(2025, 3, 5, 21, 30, tzinfo=UTC)
    assert story.status == "published"
    assert story.tags == ("Russia", "Israel", "Gaza")
    assert story.people == (PersonRef("Vladimir Putin"), PersonRef("Alexander Trufanov"))
    assert story.image == "images/putin.jpg"
    assert story.paragraphs == SAMPLE_PARAGRAPHS
    assert len(story.related_headlines) == 8


def test_front_matter_lists_and_details():
    text = (
        "---\n"
        "tags:\n"
        "- Russia\n"
        "  - Gaza\n"
        "people:\n"
        "- Vladimir Putin\n"
        "  role: President of Russia\n"
        "  aliases: Putin, Vladimir Vladimirovich\n"
        "- Sapir Cohen\n"
        "related_headlines:\n"
        "- Reopening of Gaza's Rafah crossing expected Monday\n"
        "  slug: rafah-crossing-reopening\n"
        "- Winter storm death toll reaches 90, officials say\n"
        "  url: https://example.com/storm\n"
        "published_at: 2025-03-05T23:30:00+02:00\n"
        "status: in_review\n"
        "image: pictures/harbour.jpg\n"
        "  alt: Boats at dawn: the harbour\n"
        "---\n"
        "The lede.\n"
    )

    story = parse_one(text)

    assert story.tags == ("Russia", "Gaza")
    assert story.people == (
        PersonRef("Vladimir Putin", "President of Russia", ("Putin", "Vladimir Vladimirovich")),
        PersonRef("Sapir Cohen"),
    )
    assert story.related_headlines == (
        HeadlineRef("Reopening of Gaza's Rafah crossing expected Monday", slug="rafah-crossing-reopening"),
        HeadlineRef("Winter storm death toll reaches 90, officials say", url="https://example.com/storm"),
    )
    assert story.published_at == datetime(2025, 3, 5, 21, 30, tzinfo=UTC)
    assert story.status == "in_review"
    assert (story.image, story.image_alt) == ("pictures/harbour.jpg", "Boats at dawn: the harbour")
    assert story.paragraphs == ("The lede.",)


@pytest.mark.parametrize(
    ("line", "field", "value"),
    [
        # Each of these switched the old parser to YAML, which refused it or emptied it.
        ("headline: 'Debate needed' on donations cap", "headline", "'Debate needed' on donations cap"),
        ('headline: "Stop," she said', "headline", '"Stop," she said'),
        ("headline: *Exclusive* talks resume", "headline", "*Exclusive* talks resume"),
        ("headline: #MeToo founder speaks", "headline", "#MeToo founder speaks"),
        ("headline: [Updated] Talks: day two", "headline", "[Updated] Talks: day two"),
        ("tags: #1, charts", "tags", ("#1", "charts")),
        ("byline: By Ann O'Neil | Staff", "byline", "By Ann O'Neil | Staff"),
        ("summary: yes", "summary", "yes"),
    ],
)
def test_front_matter_values_are_literal_text(line, field, value):
    story = parse_one(f"---\n{line}\n---\nThe lede.\n")

    assert getattr(story, field) == value


def test_front_matter_refuses_a_body_field_naming_the_line():
    error = raises_wire_error("---\nheadline: Short story\nbody: First.\n---\n")

    assert (error.line, error.field) == (3, "body")
    assert "text after the front matter" in str(error)


def test_front_matter_headline_turns_off_title_detection():
    story = parse_one("---\nheadline: Given headline\n---\nKicker line here\n\nThe lede.\n")

    assert story.headline == "Given headline"
    assert story.paragraphs == ("Kicker line here", "The lede.")


# --- JSON fixtures -----------------------------------------------------------------


def test_json_object():
    data = {
        "headline": "Storm toll reaches 90",
        "body": "First paragraph.\n\nSecond paragraph.",
        "published_at": "2025-01-31T08:00:00",
        "status": "draft",
        "tags": ["Weather"],
        "people": [{"name": "Jane Doe", "role": "Forecaster"}],
        "related_headlines": ["Snow closes schools", {"headline": "Power cuts", "url": "http://example.com/p"}],
    }

    story = parse_one(json.dumps(data), "storm.json")

    assert story.source == "storm.json"
    assert story.headline == "Storm toll reaches 90"
    assert story.paragraphs == ("First paragraph.", "Second paragraph.")
    assert story.published_at == datetime(2025, 1, 31, 8, 0, tzinfo=UTC)
    assert story.status == "draft"
    assert story.people == (PersonRef("Jane Doe", "Forecaster"),)
    assert story.related_headlines == (
        HeadlineRef("Snow closes schools"),
        HeadlineRef("Power cuts", url="http://example.com/p"),
    )


def test_json_list_is_detected_by_content_and_indexed():
    data = [{"body": "One. Two."}, {"headline": "Second", "body": ["Para A", "Para B"], "status": "unpublished"}]

    stories = formats.parse(json.dumps(data).encode(), "<stdin>")

    assert [story.source for story in stories] == ["<stdin>#0", "<stdin>#1"]
    assert stories[0].headline == "One"
    assert stories[0].headline_derived is True
    assert stories[1].paragraphs == ("Para A", "Para B")
    assert stories[1].status == "unpublished"


def test_cp1252_warning_reaches_every_json_story():
    data = json.dumps([{"body": "Caf\u00e9 one."}, {"body": "Two."}], ensure_ascii=False).encode("cp1252")

    stories = formats.parse(data, "old.json")

    assert stories[0].paragraphs == ("Caf\u00e9 one.",)
    assert all(len(story.warnings) == 1 for story in stories)


# --- errors ------------------------------------------------------------------------

ERROR_CASES = [
    # (id, data, source, line, field, message fragment)
    ("empty", b"", "a.txt", 1, None, "empty"),
    ("whitespace-only", b" \n\t\r\n  \n", "a.txt", 1, None, "empty"),
    ("nul-byte", b"Lede.\nbin\x00ary\n", "a.txt", 2, None, "binary"),
    ("control-char", b"Lede.\n\nbell \x07 here\n", "a.txt", 3, None, "U+0007"),
    ("undecodable", b"Lede.\n\x81\x8d\xff\n", "a.txt", 2, None, "UTF-8"),
    ("front-matter-only", b"---\nheadline: Nothing here\n---\n\n", "a.txt", None, "body", "no body"),
    ("front-matter-unclosed", b"---\nheadline: X\nThe lede.\n", "a.txt", 1, None, "never closed"),
    ("front-matter-bad-line", b"---\nheadline: X\ntags [a, b\n---\nLede.\n", "a.txt", 3, None, "key: value"),
    ("front-matter-not-mapping", b"---\n- a\n- b\n---\nLede.\n", "a.txt", 2, None, "key: value"),
    ("front-matter-item-of-text", b"---\nheadline:\n- a\n---\nLede.\n", "a.txt", 3, "headline", "not a list"),
    ("front-matter-both-lists", b"---\ntags: a\n- b\n---\nLede.\n", "a.txt", 3, "tags", "not both"),
    ("front-matter-stray-detail", b"---\ntags: a\n  role: b\n---\nLede.\n", "a.txt", 3, "tags", "details"),
    (
        "front-matter-unknown-detail",
        b"---\npeople:\n- Ann Lee\n  colour: red\n---\nLede.\n",
        "a.txt",
        4,
        "people[0].colour",
        "unknown",
    ),
    ("front-matter-unknown", b"---\nheadline: X\nauthor: Me\n---\nLede.\n", "a.txt", 3, "author", "unknown"),
    ("front-matter-twice", b"---\ntags: a\ntags: b\n---\nLede.\n", "a.txt", 3, "tags", "twice"),
    ("body-in-front-matter", b"---\nbody: Given here.\n---\nAnd here.\n", "a.txt", 2, "body", "text after"),
    ("bad-date", b"---\npublished_at: yesterday\n---\nLede.\n", "a.txt", 2, "published_at", "ISO 8601"),
    ("bad-slug", b"---\nslug: Not A Slug\n---\nLede.\n", "a.txt", 2, "slug", "not a slug"),
    ("bad-status", b"---\nstatus: live\n---\nLede.\n", "a.txt", 2, "status", "not one of"),
    ("long-headline", b"---\nheadline: " + b"x" * 301 + b"\n---\nLede.\n", "a.txt", 2, "headline", "limit is 300"),
    ("long-tag", b"---\ntags: ok, " + b"t" * 101 + b"\n---\nLede.\n", "a.txt", 2, "tags[1]", "limit is 100"),
    (
        "bad-url",
        b"---\nrelated_headlines:\n- First one\n- Second one\n  url: ftp://x\n---\nLede.\n",
        "a.txt",
        5,
        "related_headlines[1].url",
        "http",
    ),
    (
        "stray-utf8-byte",
        b"Coffee prices hit \xc2\xa35 in London\nCaf\xc3\xa9 \xa3 owners.\n",
        "a.txt",
        2,
        None,
        "offset 38",
    ),
    ("stray-byte-after-bom", b"\xef\xbb\xbfCaf\xe9 owners.\n", "a.txt", 1, None, "byte 0xE9 at byte offset 6"),
    ("json-syntax", b'{\n  "headline": "x",\n}\n', "a.json", 3, None, "invalid JSON"),
    ("json-scalar", b"42", "a.json", None, None, "story object"),
    ("json-empty-list", b"[]", "a.json", None, None, "no stories"),
    (
        "json-unknown-field",
        b'[{"body": "A."}, {"body": "B.", "author": "Me"}]',
        "a.json",
        None,
        "stories[1].author",
        "unknown",
    ),
    ("json-not-object", b'[{"body": "A."}, "B."]', "a.json", None, "stories[1]", "object"),
    (
        "json-person-without-name",
        b'[{"body": "A."}, {"body": "B."}, {"body": "C.", "people": [{"role": "x"}]}]',
        "a.json",
        None,
        "stories[2].people[0].name",
        "required",
    ),
    ("json-tags-number", b'{"body": "A.", "tags": 5}', "a.json", None, "tags", "list"),
    ("json-tags-string", b'{"body": "A.", "tags": "a, b"}', "a.json", None, "tags", "list"),
    ("json-headline-type", b'{"body": "A.", "headline": ["x"]}', "a.json", None, "headline", "text"),
    ("json-no-body", b'{"headline": "Only a headline"}', "a.json", None, "body", "no body"),
    ("json-long-summary", b'{"body": "A.", "summary": "' + b"s" * 1001 + b'"}', "a.json", None, "summary", "1000"),
    ("json-nul-escape", b'{"body": "A.", "byline": "x\\u0000y"}', "a.json", None, "byline", "U+0000"),
    ("json-newline-in-headline", b'{"body": "A.", "headline": "x\\ny"}', "a.json", None, "headline", "line break"),
    ("json-duplicate-key", b'{"body": "A.", "body": "B."}', "a.json", None, "body", "twice"),
    (
        "json-url-and-slug",
        b'{"body": "A.", "related_headlines": [{"headline": "H", "url": "http://x", "slug": "h"}]}',
        "a.json",
        None,
        "related_headlines[0]",
        "not both",
    ),
    ("json-deep-nesting", b"[" * 100_000, "a.json", None, None, "invalid JSON"),
]


@pytest.mark.parametrize(
    ("data", "source", "line", "field", "fragment"),
    [pytest.param(*case[1:], id=case[0]) for case in ERROR_CASES],
)
def test_errors_name_file_line_and_field(data, source, line, field, fragment):
    error = raises_wire_error(data, source)

    assert isinstance(error, ValueError)
    assert (error.source, error.line, error.field) == (source, line, field)
    message = str(error)
    assert message.startswith(source if line is None else f"{source}:{line}:")
    if field:
        assert f" {field}: " in message
    assert fragment.lower() in message.lower()


# --- headline helpers -----------------------------------------------------------------


def test_headline_key_ignores_case_punctuation_and_quotes():
    assert formats.headline_key("Gaza's Rafah crossing") == formats.headline_key("GAZA\u2019S RAFAH CROSSING!")
    assert formats.headline_key('  "U.S."  shutdown\tlooms ') == "us shutdown looms"
    assert formats.headline_key("Israel-Hamas talks") == formats.headline_key("Israel \u2013 Hamas talks")
    assert formats.headline_key("Caf\u00e9") == formats.headline_key("Cafe\u0301")
    assert formats.headline_key("Rafah opens") != formats.headline_key("Rafah closes")


@pytest.mark.parametrize(
    ("lede", "headline"),
    [
        ("The U.S. Senate passed the bill. It now goes to the House.", "The U.S. Senate passed the bill"),
        ("Mr. Smith and Dr. Jones met on Monday. Talks went well.", "Mr. Smith and Dr. Jones met on Monday"),
        ("John F. Kennedy Airport closed on Friday. Flights resumed.", "John F. Kennedy Airport closed on Friday"),
        ('"We are ready." she said on Monday. Nobody else spoke.', '"We are ready." she said on Monday'),
        ('He said, "We will stay." The crowd cheered.', 'He said, "We will stay"'),
        ("Prices rose by 2.5 percent in March! Analysts were surprised.", "Prices rose by 2.5 percent in March"),
        ("Is the euro finished? Economists disagree.", "Is the euro finished?"),
        ("No full stop at all", "No full stop at all"),
    ],
)
def test_derive_headline_takes_the_first_sentence(lede, headline):
    assert formats.derive_headline(lede) == headline


def test_derive_headline_cuts_long_sentences_at_a_word_boundary():
    lede = SAMPLE_PARAGRAPHS[0]

    headline = formats.derive_headline(lede)

    assert len(headline) <= 110
    assert lede.startswith(headline)
    assert lede[len(headline)] == " "
    assert not headline.endswith((".", ",", "…", " after"))


@FAST
@given(st.lists(st.from_regex(r"[A-Za-z]{1,15}", fullmatch=True), min_size=1, max_size=60), st.integers(20, 140))
def test_derive_headline_never_splits_a_word(words, limit):
    lede = " ".join(words)

    headline = formats.derive_headline(lede, limit)

    assert 0 < len(headline) <= max(limit, len(words[0]))
    assert lede.startswith(headline)
    assert len(headline) == len(lede) or lede[len(headline)] == " "


# --- property-based: only FormatError escapes, and parsed bodies are faithful -------------


def normalised_lines(text):
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return [line.strip() for line in text.split("\n") if line.strip()]


def check_story(story):
    assert story.paragraphs
    for paragraph in story.paragraphs:
        assert isinstance(paragraph, str)
        assert paragraph
        assert paragraph == paragraph.strip()
    assert story.body == "\n\n".join(story.paragraphs)
    assert story.headline
    assert len(story.headline) <= (90 if story.headline_derived else 300)
    assert len(story.summary) <= 1000
    assert story.published_at is None or story.published_at.utcoffset().total_seconds() == 0


def check_faithful_to_text(story, text):
    # Paragraphs are consecutive runs of the input's own lines, one line each or joined (hard-wrapped
    # copy): nothing invented, lost from the middle, reordered or rewritten. A dateline leaves the lede.
    lines = normalised_lines(text)

    def consumes(position, paragraph, first):
        for end in range(position + 1, len(lines) + 1):
            joined = " ".join(lines[position:end])
            if joined == paragraph or (
                first and story.dateline and joined.startswith(story.dateline) and joined.endswith(" " + paragraph)
            ):
                return end
            if len(joined) > len(paragraph) + len(story.dateline) + 8:
                return None
        return None

    for start in range(len(lines)):
        position = start
        for number, paragraph in enumerate(story.paragraphs):
            position = consumes(position, paragraph, number == 0)
            if position is None:
                break
        else:
            return
    raise AssertionError(f"paragraphs are not runs of the input's lines: {story.paragraphs!r}")


def parse_or_refuse(data, source):
    try:
        return formats.parse(data, source)
    except FormatError as error:
        assert error.source == source
        return []


@FAST
@given(st.binary(max_size=400))
def test_random_bytes_only_raise_wire_error(data):
    for story in parse_or_refuse(data, "random.bin"):
        check_story(story)


@FAST
@given(st.text(max_size=300))
def test_random_text_only_raises_wire_error(text):
    for story in parse_or_refuse(text.encode("utf-8"), "random.txt"):
        check_story(story)
        if not text.lstrip("\ufeff").startswith("---"):
            check_faithful_to_text(story, text)


@FAST
@given(
    st.lists(
        st.one_of(
            st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
            st.sampled_from(["", " ", "---", "\r", "\t", "Mr.", "U.S.", '"', "\u201c", ".", "headline: X"]),
        ),
        max_size=12,
    )
)
def test_random_lines_only_raise_wire_error(lines):
    text = "\n".join(lines)
    for story in parse_or_refuse(text.encode("utf-8"), "lines.txt"):
        check_story(story)
        if not text.startswith("---"):
            check_faithful_to_text(story, text)


INSERTS = [b"\n", b"\n\n", b" ", b".", b'"', b"---\n", "\u201c".encode(), b"\t"]
MUTATIONS = ["delete", "insert", "replace", "duplicate_line", "drop_line", "blank_line", "crlf", "cr", "byte"]


def mutate(data, operations, rng):
    for operation in operations:
        position = rng.randrange(len(data) + 1)
        lines = data.split(b"\n")
        line = rng.randrange(len(lines))
        if operation == "delete":
            data = data[:position] + data[position + rng.randint(1, 20) :]
        elif operation == "insert":
            data = data[:position] + rng.choice(INSERTS) + data[position:]
        elif operation == "replace":
            data = data[:position] + bytes([rng.randrange(32, 127)]) + data[position + 1 :]
        elif operation == "duplicate_line":
            data = b"\n".join(lines[: line + 1] + lines[line:])
        elif operation == "drop_line":
            data = b"\n".join(lines[:line] + lines[line + 1 :])
        elif operation == "blank_line":
            data = b"\n".join([*lines[:line], b"", *lines[line:]])
        elif operation == "crlf":
            data = data.replace(b"\n", b"\r\n")
        elif operation == "cr":
            data = data.replace(b"\n", b"\r")
        else:
            data = data[:position] + bytes([rng.randrange(256)]) + data[position:]
    return data


@FAST
@given(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_mutated_sample_only_raises_wire_error(operations, rng):
    data = mutate(SAMPLE, operations, rng)

    for story in parse_or_refuse(data, "mutated.txt"):
        check_story(story)
        text = data.decode("utf-8", errors="replace") if story.warnings == () else data.decode("cp1252")
        if not text.startswith("---"):
            check_faithful_to_text(story, text)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=30)
    | st.sampled_from(["2025-01-01T00:00:00Z", "draft", "https://example.com/x", "a-slug"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
STORY_FIELDS = st.sampled_from([*sorted(formats.FIELDS), "name", "role", "url", "headline", "body", "extra"])


@FAST
@given(
    st.one_of(
        JSON_VALUES,
        st.dictionaries(STORY_FIELDS, JSON_VALUES, max_size=6),
        st.lists(st.dictionaries(STORY_FIELDS, JSON_VALUES, max_size=6), max_size=3),
    )
)
def test_random_json_only_raises_wire_error(value):
    for story in parse_or_refuse(json.dumps(value).encode("utf-8"), "random.json"):
        check_story(story)


FRONT_MATTER_VALUES = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\n\r"), max_size=30),
    st.sampled_from(["[a, b]", "a, b, c", "{name: X}", "[{name: X, role: Y}]", "|", "'quoted'", "2025-01-01", "~"]),
)


@FAST
@given(st.lists(st.tuples(STORY_FIELDS, FRONT_MATTER_VALUES), max_size=6), st.booleans())
def test_random_front_matter_only_raises_wire_error(pairs, with_body):
    header = "".join(f"{key}: {value}\n" for key, value in pairs)
    text = "---\n" + header + "---\n" + (sample_text() if with_body else "")

    for story in parse_or_refuse(text.encode("utf-8"), "front.txt"):
        check_story(story)


WORDS = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), max_size=40)
# Aliases are one comma-separated detail line in front matter, so an alias holds no comma there.
ALIASES = st.lists(WORDS.map(lambda text: text.replace(",", "")), max_size=3)
PEOPLE = st.one_of(
    WORDS,
    st.fixed_dictionaries({"name": WORDS}, optional={"role": WORDS, "aliases": ALIASES}),
)
RELATED = st.one_of(
    WORDS,
    st.fixed_dictionaries(
        {"headline": WORDS},
        optional={"url": st.sampled_from(["https://example.com/a", "ftp://x"]), "slug": st.sampled_from(["a-b", "A"])},
    ),
)
# Sentences of letters and digits: one paragraph per line reads the same whatever the layout rules.
PARAGRAPHS = st.lists(st.from_regex(r"[A-Za-z0-9À-ÿ][A-Za-z0-9À-ÿ ]{0,60}\.", fullmatch=True), min_size=1, max_size=4)
WELL_TYPED_STORIES = st.fixed_dictionaries(
    {"body": PARAGRAPHS},
    optional={
        "headline": WORDS,
        "summary": WORDS,
        "byline": WORDS,
        "slug": st.sampled_from(["wire-story", "2025-budget", "Bad Slug", ""]),
        "published_at": st.sampled_from(["2025-01-31T08:00:00Z", "2025-01-31T10:00:00+02:00", "2025-01-31", "soon"]),
        "status": st.sampled_from([*formats.STATUSES, "Published", "live"]),
        "tags": st.lists(WORDS, max_size=4),
        "people": st.lists(PEOPLE, max_size=3),
        "related_headlines": st.lists(RELATED, max_size=3),
        "image": WORDS,
    },
)
ITEM_MAIN_FIELD = {"people": "name", "related_headlines": "headline"}


def as_front_matter(fields):
    """The plain-text file that says what these JSON fields say: front matter, then the body."""
    lines = ["---"]
    for key, value in fields.items():
        if key == "body":
            continue
        if not isinstance(value, list):
            lines.append(f"{key}: {value}")
            continue
        lines.append(f"{key}:")
        for item in value:
            if not isinstance(item, dict):
                lines.append(f"- {item}")
                continue
            main = ITEM_MAIN_FIELD[key]
            lines.append(f"- {item[main]}")
            for detail, text in item.items():
                if detail != main:
                    lines.append(f"  {detail}: {', '.join(text) if isinstance(text, list) else text}")
    return "\n".join([*lines, "---", *fields["body"], ""])


@FAST
@given(WELL_TYPED_STORIES)
def test_json_and_front_matter_agree(fields):
    # The same story given as JSON or as front matter and text parses the same way, or is
    # refused both ways.
    as_json = parse_or_refuse(json.dumps([fields]).encode("utf-8"), "same.json")
    as_text = parse_or_refuse(as_front_matter(fields).encode("utf-8"), "same.txt")

    assert bool(as_json) == bool(as_text)
    if as_json:
        check_story(as_json[0])
        assert replace(as_json[0], source="same.txt") == as_text[0]


def test_mutation_helper_is_deterministic():
    first = mutate(SAMPLE, MUTATIONS, random.Random(7))
    assert first == mutate(SAMPLE, MUTATIONS, random.Random(7))


def test_image_may_carry_alt_text_caption_and_credit():
    story = parse_one(
        json.dumps(
            {
                "body": "The harbour reopened.",
                "image": {"path": "pics/harbour.jpg", "alt": "Boats at dawn", "caption": "Reopened", "credit": "Staff"},
            }
        ).encode(),
        "story.json",
    )
    assert (story.image, story.image_alt, story.image_caption, story.image_credit) == (
        "pics/harbour.jpg",
        "Boats at dawn",
        "Reopened",
        "Staff",
    )


@pytest.mark.parametrize(
    ("image", "field"),
    [
        ({"alt": "No path"}, "image.path"),
        ({"path": "a.jpg", "colour": "red"}, "image.colour"),
        ({"path": "a.jpg", "alt": "x" * 301}, "image.alt"),
        (42, "image"),
    ],
)
def test_bad_image_objects_name_the_field(image, field):
    error = raises_wire_error(json.dumps({"body": "Text.", "image": image}).encode(), "story.json")
    assert error.field == field
