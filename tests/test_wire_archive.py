"""Real-shaped wire archives through the import command: section folders, layouts, copies, refusals.

The archive comes from tests/wire_corpus.py, which says what each story must import as.
"""

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from articles import formats
from articles.importer import MAX_FILE_BYTES, Importer, find_sources
from articles.models import Article, Person
from tests.wire_corpus import generate

pytestmark = pytest.mark.django_db

ARCHIVE = generate(240)
# A run: its transaction and loading who is known; a refused file: its savepoint (3) and digest lookup.
QUERIES_PER_RUN = 4
QUERIES_PER_BAD_FILE = 4


def run(*args, **options):
    out = io.StringIO()
    call_command("import_articles", *[str(arg) for arg in args], stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def run_allowing_refusals(*args, **options):
    """What --continue-on-error printed, and the refusals it ended with."""
    out = io.StringIO()
    try:
        call_command("import_articles", *[str(arg) for arg in args], continue_on_error=True, stdout=out, **options)
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), ""


@pytest.fixture
def archive(tmp_path):
    return ARCHIVE.write(tmp_path / "archive")


# --- parsing: paragraph-exact on every generated story ------------------------------------------


@pytest.mark.parametrize("story", ARCHIVE.stories, ids=[story.path for story in ARCHIVE.stories])
def test_generated_story_parses_as_written(story):
    [parsed] = formats.parse(story.data, story.path)

    assert list(parsed.paragraphs) == story.paragraphs
    assert parsed.dateline == story.dateline
    assert parsed.source_agency == story.agency
    assert [ref.headline for ref in parsed.related_headlines] == story.related
    if story.headline:
        assert (parsed.headline, parsed.headline_derived) == (story.headline, False)
    else:
        assert parsed.headline_derived
        assert 0 < len(parsed.headline) <= 90
        # From the lede after the dateline, never with it; a closing quote may lose the comma before it.
        assert story.paragraphs[0].startswith(parsed.headline.rstrip("\"'”’"))
        assert parsed.headline.split()[-1].casefold() not in {"the", "a", "an", "of", "in", "on", "to", "for", "and"}
    assert parsed.summary != parsed.paragraphs[0]


def test_the_corpus_mixes_every_layout_and_shape():
    layouts = {story.layout for story in ARCHIVE.stories}
    texts = [story.data.decode() for story in ARCHIVE.stories]
    assert layouts == {1, 2, 3, 4}
    assert len({story.path.split("/")[-1] for story in ARCHIVE.stories}) < len(ARCHIVE.stories)
    assert {story.dateline for story in ARCHIVE.stories} >= {"LONDON (Reuters)", "PORT ALDER", "WASHINGTON, March 26"}
    assert any(story.headline.endswith("?") for story in ARCHIVE.stories)
    assert any(story.headline.endswith("…") for story in ARCHIVE.stories)
    assert any(story.headline.startswith("'") for story in ARCHIVE.stories)
    assert any(not story.paragraphs[-1].endswith((".", '"')) for story in ARCHIVE.stories)
    assert any("\n   " in text for text in texts)  # indentation-marked hard-wrapped copy
    assert any("Zaki\nYamani" in text or "Ahmed\nZaki" in text for text in texts)  # a name broken at a line end


# --- importing the archive ------------------------------------------------------------------------


def test_archive_imports_whole_in_one_run_paragraph_exact(archive):
    output, refusal = run_allowing_refusals(archive)

    stories = {article.source_key: article for article in Article.objects.all()}
    assert len(stories) == len(ARCHIVE.stories)
    for story in ARCHIVE.stories:
        article = stories[f"file:{story.path}"]
        assert article.paragraphs == story.paragraphs, story.path
        assert article.dateline == story.dateline
        assert [related.headline for related in article.related_headlines.all()] == story.related
        if story.headline:
            assert article.headline == story.headline
            assert article.status == Article.Status.PUBLISHED
        else:
            assert len(article.headline) <= 90
            assert article.status == Article.Status.IN_REVIEW  # a machine-made headline waits for an editor
    derived = sum(not story.headline for story in ARCHIVE.stories)
    assert f"{derived} held for review" in output
    # The refused files are named with the line and byte of the stray byte.
    for path in ARCHIVE.refused:
        assert f"{archive / path}:3: not valid UTF-8: byte 0xE9 at byte offset" in refusal
    assert len(ARCHIVE.refused) == int(refusal.split(" file(s) refused")[0].rsplit("\n", 1)[-1])


def test_files_that_are_not_stories_are_skipped_and_listed(archive):
    output, _ = run_allowing_refusals(archive, verbosity=2)

    for path in ARCHIVE.not_stories:
        assert f"skipped: {archive / path} (" in output
    assert not Article.objects.filter(headline__icontains="archive holds").exists()
    assert f"{len(ARCHIVE.not_stories)} skipped as not stories" in output


def test_byte_identical_files_are_imported_once_and_reported(archive):
    output, _ = run_allowing_refusals(archive)

    for copy, original in ARCHIVE.duplicates.items():
        assert f"duplicate: {archive / copy} is byte-identical to {archive / original}, imported once" in output
        assert not Article.objects.filter(source_key=f"file:{copy}").exists()
    assert f"{len(ARCHIVE.duplicates)} duplicate files" in output


def counts(report):
    return report.created, report.updated, report.unchanged


def test_reimport_twice_in_reversed_order_and_from_a_copy_changes_nothing(archive, tmp_path):
    first = Importer(continue_on_error=True).run(find_sources([str(archive)]))
    assert first.created == len(ARCHIVE.stories)
    stored = {article.pk: (article.updated_at, article.body) for article in Article.objects.all()}

    again = Importer(continue_on_error=True).run(find_sources([str(archive)]))
    reversed_order = Importer(continue_on_error=True).run(list(find_sources([str(archive)]))[::-1])
    copy = shutil.copytree(archive, tmp_path / "mounted-elsewhere")
    from_copy = Importer(continue_on_error=True).run(find_sources([str(copy)]))

    for report in (again, reversed_order, from_copy):
        assert counts(report) == (0, 0, len(ARCHIVE.stories))
    assert {article.pk: (article.updated_at, article.body) for article in Article.objects.all()} == stored


def test_an_edited_file_in_the_tree_updates_only_its_own_story(archive):
    run_allowing_refusals(archive)
    story = ARCHIVE.stories[1]
    path = archive / story.path
    path.write_bytes(path.read_bytes().replace(b"early trading", b"late trading").replace(b"said", b"says", 1))

    report = Importer(continue_on_error=True).run(find_sources([str(archive)]))

    assert counts(report) == (0, 1, len(ARCHIVE.stories) - 1)


# --- the failures under "Why", one by one --------------------------------------------------------


def write(folder, name, text):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_section_folders_with_the_same_file_names_are_different_stories(tmp_path):
    write(tmp_path, "business/001.txt", "Oil prices rose on Monday.\nTraders were surprised.\n")
    write(tmp_path, "sport/001.txt", "United won the derby 2-1.\nThe crowd sang.\n")

    output = run(tmp_path)

    assert "2 created" in output
    assert {article.source_key for article in Article.objects.all()} == {"file:business/001.txt", "file:sport/001.txt"}
    assert "0 created, 0 updated, 2 unchanged" in run(tmp_path)


def test_a_folder_imported_per_run_never_overwrites_another_folders_story(tmp_path):
    write(tmp_path, "business/001.txt", "Oil prices rose on Monday.\nTraders were surprised.\n")
    write(tmp_path, "sport/001.txt", "United won the derby 2-1.\nThe crowd sang.\n")
    run(tmp_path / "business")

    with pytest.raises(CommandError) as refused:
        run(tmp_path / "sport")

    assert "sport/001.txt: its source key 'file:001.txt' belongs to a different story, imported from" in str(
        refused.value
    )
    assert Article.objects.get().paragraphs == ["Oil prices rose on Monday.", "Traders were surprised."]


def test_stories_keyed_by_file_name_before_keys_held_folders_are_found_again(tmp_path):
    text = "Oil prices rose on Monday.\nTraders were surprised.\n"
    write(tmp_path, "business/001.txt", text)
    run(tmp_path / "business")
    Article.objects.update(import_origin="", import_digest="")  # as the import before this change left them

    assert "0 created, 0 updated, 1 unchanged" in run(tmp_path)
    assert Article.objects.get().source_key == "file:business/001.txt"


def test_a_final_paragraph_without_a_full_stop_stays_in_the_body(tmp_path):
    path = write(tmp_path, "halo.txt", "Halo 2 sold 2.4 million copies.\n\nHalo 2 is out on 9 November in the US\n")

    run(path)

    assert Article.objects.get().paragraphs == [
        "Halo 2 sold 2.4 million copies.",
        "Halo 2 is out on 9 November in the US",
    ]


@pytest.mark.parametrize(
    "title", ["Is the euro finished?", "Oil prices rise again…", "'Debate needed' on donations cap", "Storm hits!"]
)
def test_a_first_line_is_a_headline_whatever_it_ends_or_starts_with(tmp_path, title):
    path = write(tmp_path, "a.txt", f"{title}\n\nThe lede says what happened.\n\nMore of it.\n")

    run(path)

    article = Article.objects.get()
    assert article.headline == title
    assert article.paragraphs == ["The lede says what happened.", "More of it."]
    assert article.status == Article.Status.PUBLISHED


def test_hard_wrapped_copy_is_reflowed_and_names_read_whole(tmp_path):
    text = (
        "   LONDON (Reuters) - Saudi Arabia's veteran oil minister Ahmed Zaki\n"
        "Yamani said on Monday that oil prices rose in early trading after\n"
        "the cartel agreed to cut output by two million barrels a day.\n"
        "   Traders said the cut was larger than expected, and prices rose in\n"
        "Asia too.\n"
    )
    path = write(tmp_path, "oil.txt", text)

    run(path)

    article = Article.objects.get()
    assert article.paragraphs == [
        "Saudi Arabia's veteran oil minister Ahmed Zaki Yamani said on Monday that oil prices rose in early trading "
        "after the cartel agreed to cut output by two million barrels a day.",
        "Traders said the cut was larger than expected, and prices rose in Asia too.",
    ]
    assert (
        article.headline == "Saudi Arabia's veteran oil minister Ahmed Zaki Yamani said on Monday that oil prices rose"
    )
    assert "Ahmed Zaki Yamani" in {person.name for person in article.people.all()}
    assert (article.dateline, article.source) == ("LONDON (Reuters)", "Reuters")


@pytest.mark.parametrize(
    ("lede", "dateline"),
    [
        ("WASHINGTON, March 26 - The Senate passed the budget bill late on Tuesday night.", "WASHINGTON, March 26"),
        ("LONDON (Reuters) - The Senate passed the budget bill late on Tuesday night.", "LONDON (Reuters)"),
        ("PORT ALDER — The Senate passed the budget bill late on Tuesday night.", "PORT ALDER"),
    ],
)
def test_a_dateline_leaves_the_lede_summary_and_headline(tmp_path, lede, dateline):
    path = write(tmp_path, "a.txt", f"{lede}\nSecond paragraph.\n")

    run(path)

    article = Article.objects.get()
    assert article.dateline == dateline
    assert article.paragraphs[0] == "The Senate passed the budget bill late on Tuesday night."
    assert article.headline == "The Senate passed the budget bill late on Tuesday night"
    assert dateline not in article.summary


def test_a_utf8_file_with_one_stray_byte_is_refused_not_turned_to_mojibake(tmp_path):
    path = write(tmp_path, "coffee.txt", "Coffee prices hit £5 in London\n\nCaf".encode() + b"\xe9 owners agree.\n")

    with pytest.raises(CommandError) as refused:
        run(path)

    assert f"{path}:3: not valid UTF-8: byte 0xE9 at byte offset 36" in str(refused.value)
    assert not Article.objects.exists()


def test_front_matter_values_starting_with_quotes_or_hashes_are_text(tmp_path):
    path = write(
        tmp_path, "a.txt", "---\nheadline: 'Debate needed' on donations cap\ntags: #1, charts\n---\nThe lede.\n"
    )

    run(path)

    article = Article.objects.get()
    assert article.headline == "'Debate needed' on donations cap"
    assert set(article.tags.names()) == {"#1", "charts"}


def test_a_read_me_is_not_a_story_and_identical_files_are_one(tmp_path):
    write(tmp_path, "README.TXT", "Stories from the wire, one per file.\n")
    write(tmp_path, "a.txt", "The harbour reopened.\nBoats sailed.\n")
    write(tmp_path, "b.txt", "The harbour reopened.\nBoats sailed.\n")

    output = run(tmp_path)

    assert Article.objects.count() == 1
    assert f"skipped: {tmp_path / 'README.TXT'} (read-me, licence or notes file)" in output
    assert f"duplicate: {tmp_path / 'b.txt'} is byte-identical to {tmp_path / 'a.txt'}" in output


def test_a_derived_headline_is_short_the_summary_not_the_lede_and_the_story_held(tmp_path):
    lede = (
        "Kremlin leader Vladimir Putin on Wednesday met Russian nationals freed from captivity in the Gaza strip "
        "after Hamas' October 2023 attacks on Israel."
    )
    path = write(tmp_path, "a.txt", f"{lede}\nMoscow said its ties helped.\n")

    output = run(path)

    article = Article.objects.get()
    assert article.headline == "Kremlin leader Vladimir Putin on Wednesday met Russian nationals freed from captivity"
    assert article.summary == ""
    assert article.status == Article.Status.IN_REVIEW
    assert "1 held for review" in output
    run(path, "--status=published")
    assert Article.objects.get().status == Article.Status.PUBLISHED


def test_messages_of_a_refused_run_are_not_printed_as_saved(tmp_path):
    write(tmp_path, "1.txt", "A story with a derived headline.\nMore.\n")
    write(tmp_path, "2.txt", b"")
    out = io.StringIO()

    with pytest.raises(CommandError) as refused:
        call_command("import_articles", str(tmp_path), stdout=out, stderr=io.StringIO())

    assert "Nothing was imported." in str(refused.value)
    assert "headline derived" not in out.getvalue()


def test_a_bad_file_under_continue_on_error_costs_the_same_whatever_the_database_holds(
    tmp_path, django_assert_max_num_queries
):
    for number in range(10):
        write(tmp_path, f"{number:02}.txt", f"---\nstatus: live{number}\n---\nBody.\n")
    Person.objects.bulk_create(Person(name=f"Person Number{n}", slug=f"person-{n}") for n in range(300))

    # Loading who is known happens once per run, not once per refused file.
    with django_assert_max_num_queries(QUERIES_PER_RUN + 10 * QUERIES_PER_BAD_FILE):
        _, refusal = run_allowing_refusals(tmp_path)

    assert "10 file(s) refused" in refusal


def test_files_over_the_size_limit_are_refused_before_they_are_read(tmp_path, monkeypatch):
    path = write(tmp_path, "huge.txt", b"")
    with path.open("wb") as huge:
        huge.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing to read if the size is checked first
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read a file over the limit"))

    with pytest.raises(CommandError) as refused:
        run(path)

    assert f"{path}: is 2.0 MB, larger than the 2 MB limit" in str(refused.value)


def test_standard_input_over_the_size_limit_is_refused(tmp_path):
    with pytest.raises(CommandError) as refused:
        run("-", stdin=io.BytesIO(b"x" * (MAX_FILE_BYTES + 10)))

    assert "<stdin>: larger than the 2 MB limit" in str(refused.value)


def test_a_headline_naming_a_later_story_by_slug_links_when_its_file_is_imported_again(tmp_path):
    first = write(
        tmp_path,
        "a.json",
        '{"headline": "Harbour reopens", "body": "Boats sailed.", '
        '"related_headlines": [{"headline": "Vote tonight", "slug": "council-vote"}]}',
    )
    run(first)
    run(write(tmp_path, "b.json", '{"headline": "Council votes on fees", "slug": "council-vote", "body": "Aye."}'))

    run(first)

    harbour = Article.objects.get(headline="Harbour reopens")
    assert harbour.related_headlines.get().target == Article.objects.get(slug="council-vote")
