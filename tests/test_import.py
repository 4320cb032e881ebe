import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from taggit.models import Tag

from articles import body, images
from articles.models import Article, FrontPageSlot, Person, RelatedHeadline, Revision, Section, TaggedArticle
from pictures.models import Picture
from tests.factories import image_file, make_article, make_person


def _shared_wire_folder():
    # ../shared/fixtures/wire next to the checkout, wherever the checkout sits.
    for folder in Path(__file__).resolve().parents:
        candidate = folder / "shared" / "fixtures" / "wire"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("shared/fixtures/wire not found above the project")


WIRE = _shared_wire_folder()
SAMPLE = WIRE / "000_92f1b64a3400c9d2.txt"
SAMPLE_LINES = SAMPLE.read_text(encoding="utf-8").splitlines()
SAMPLE_PARAGRAPHS = SAMPLE_LINES[:8]
SAMPLE_HEADLINES = SAMPLE_LINES[9:17]
DEMO = django_settings.BASE_DIR / "demo" / "stories.json"
SAMPLE_TAGS = {"Russia", "Gaza", "Hamas", "Israel"}

pytestmark = pytest.mark.django_db


def run(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_articles", *[str(arg) for arg in args], stdout=out, stderr=err, **options)
    return out.getvalue()


def refused(*args, **options):
    with pytest.raises(CommandError) as caught:
        run(*args, **options)
    return str(caught.value)


def row_counts():
    return {
        "articles": Article.objects.count(),
        "people": Person.objects.count(),
        "related headlines": RelatedHeadline.objects.count(),
        "tags": Tag.objects.count(),
        "taggings": TaggedArticle.objects.count(),
        "mentions": Article.people.through.objects.count(),
        "pictures": Picture.objects.count(),
    }


def stored_files():
    media = Path(django_settings.MEDIA_ROOT)
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []


def write(folder, name, content):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def wire_story(lede, *more, headlines=(), front=None):
    text = "\n".join((lede, *more))
    if headlines:
        text += "\n\n" + "\n".join(headlines)
    if front:
        text = "---\n" + "\n".join(f"{key}: {value}" for key, value in front.items()) + "\n---\n" + text
    return text + "\n"


def png_bytes(color=(200, 30, 30)):
    return image_file("x.png", size=(40, 30), color=color, image_format="PNG").read()


# --- the sample ------------------------------------------------------------------------


def test_sample_imports_its_paragraphs_headlines_people_and_tags():
    output = run(SAMPLE)

    article = Article.objects.get()
    assert article.paragraphs == SAMPLE_PARAGRAPHS
    assert article.body == body.from_paragraphs(SAMPLE_PARAGRAPHS)
    assert article.body_text == "\n\n".join(SAMPLE_PARAGRAPHS)
    assert article.summary == ""  # never the lede again
    assert article.headline == "Kremlin leader Vladimir Putin on Wednesday met Russian nationals freed from captivity"
    assert [related.headline for related in article.related_headlines.all()] == SAMPLE_HEADLINES
    assert [related.position for related in article.related_headlines.all()] == list(range(1, 9))
    # A machine-made headline waits for an editor.
    assert article.status == Article.Status.IN_REVIEW and not article.is_published
    assert article.source_key == "file:000_92f1b64a3400c9d2.txt"

    people = {person.name: person for person in article.people.all()}
    assert {"Vladimir Putin", "Alexander Trufanov", "Sapir Cohen"} <= set(people)
    assert people["Vladimir Putin"].role == "Kremlin leader"
    assert people["Alexander Trufanov"].role == "former hostage"
    assert set(people) == {"Vladimir Putin", "Alexander Trufanov", "Sapir Cohen"}
    assert people["Sapir Cohen"].role == "fiancee"
    # Found by the import, for editors to review; no alias is derived from the surname.
    assert all(person.found_automatically and person.alias_list == [] for person in people.values())
    assert "Putin" in people["Vladimir Putin"].found_as
    not_people = {"Kremlin", "Moscow", "Russia", "Gaza", "Hamas", "Israel", "Palestinians", "Elena", "Middle East"}
    assert not not_people & set(people)
    assert Person.objects.count() == len(people)

    assert SAMPLE_TAGS <= set(article.tags.names())
    assert "headline derived from the lede" in output
    assert "tags suggested:" in output and "Russia" in output
    assert "1 created, 0 updated, 0 unchanged; 3 new people, 1 held for review" in output


def test_reimporting_the_sample_changes_nothing():
    run(SAMPLE)
    before = row_counts()
    first = Article.objects.get()

    output = run(SAMPLE)

    assert "0 created, 0 updated, 1 unchanged" in output
    assert row_counts() == before
    assert Article.objects.get().updated_at == first.updated_at


def test_the_same_file_imported_from_another_folder_updates_the_same_story(tmp_path):
    run(SAMPLE)
    copy = write(tmp_path / "elsewhere", SAMPLE.name, SAMPLE.read_bytes())

    assert "0 created, 0 updated, 1 unchanged" in run(copy)
    assert Article.objects.count() == 1


def test_an_edited_file_updates_its_story_without_duplicating_anything(tmp_path):
    path = write(tmp_path, SAMPLE.name, SAMPLE.read_bytes())
    run(path)
    before = row_counts()
    story = Article.objects.get()
    write(tmp_path, SAMPLE.name, SAMPLE.read_text(encoding="utf-8").replace("nearly 500 days", "almost 500 days"))

    output = run(path, verbosity=2)

    assert "0 created, 1 updated, 0 unchanged" in output
    assert "updated kremlin-leader" in output and "(summary, body)" not in output and "(body)" in output
    assert row_counts() == before
    story.refresh_from_db()
    assert "almost 500 days" in story.body
    assert story.updated_at > story.created_at


def test_reimport_keeps_what_an_editor_made_of_a_derived_headline_and_suggested_tags():
    run(SAMPLE)
    article = Article.objects.get()
    article.headline = "Putin thanks Hamas for freeing Russian hostages"
    article.save()
    article.tags.set(["Russia", "Hostages"])

    assert "0 created, 0 updated, 1 unchanged" in run(SAMPLE)

    article.refresh_from_db()
    assert article.headline == "Putin thanks Hamas for freeing Russian hostages"
    assert sorted(article.tags.names()) == ["Hostages", "Russia"]


def test_given_tags_and_people_replace_the_stored_ones_on_reimport(tmp_path):
    story = {"slug": "harbour", "body": "The harbour reopened.", "tags": ["Harbour"], "people": ["Ruth Penhallow"]}
    path = write(tmp_path, "a.json", json.dumps(story))
    run(path)

    story.update(tags=["Harbour", "Weather"], people=["Gareth Ellery"])
    write(tmp_path, "a.json", json.dumps(story))
    output = run(path, verbosity=2)

    assert "updated harbour (tags, people)" in output
    article = Article.objects.get()
    assert sorted(article.tags.names()) == ["Harbour", "Weather"]
    assert [person.name for person in article.people.all()] == ["Gareth Ellery"]
    assert Person.objects.count() == 2


def test_tags_already_known_are_reused_whatever_their_case():
    make_article("Older story", tags=["russia", "GAZA"])

    run(SAMPLE)

    assert {"russia", "GAZA"} <= set(Article.objects.get(source_key__startswith="file:").tags.names())
    assert Tag.objects.filter(name__iexact="russia").count() == 1
    assert Tag.objects.filter(name__iexact="gaza").count() == 1


def test_imported_stories_are_found_by_their_tags_and_people(client, tmp_path):
    story = {
        "headline": "Harbour reopens",
        "slug": "harbour",
        "body": "The harbour reopened.",
        "tags": ["Zeppelins"],
        "people": ["Ada Quist"],
    }
    path = write(tmp_path, "a.json", json.dumps(story))
    run(path)

    def found(query):
        response = client.get(reverse("articles:search"), {"q": query})
        return [result.article.slug for result in response.context["results"] or []]

    assert found("zeppelins") == found("quist") == ["harbour"]
    story.update(tags=["Airships"])
    write(tmp_path, "a.json", json.dumps(story))
    run(path)
    assert found("airships") == ["harbour"] and found("zeppelins") == []


def test_people_already_known_are_linked_not_duplicated():
    putin = make_person("Vladimir Putin", role="President of Russia", aliases="Putin")

    run(SAMPLE)

    article = Article.objects.get()
    assert putin in article.people.all()
    assert Person.objects.filter(name="Vladimir Putin").count() == 1
    putin.refresh_from_db()
    assert putin.role == "President of Russia"


# --- related headlines ---------------------------------------------------------------


def test_waiting_headlines_link_to_their_story_when_it_arrives_later(tmp_path):
    first = write(
        tmp_path,
        "a.txt",
        wire_story("The port reopened on Monday.", headlines=["Rafah crossing reopens", "Winter storm toll rises"]),
    )
    run(first)
    waiting = RelatedHeadline.objects.get(position=1)
    assert waiting.target is None

    later = write(
        tmp_path, "b.txt", wire_story("Trucks crossed at dawn.", front={"headline": "Rafah Crossing Reopens!"})
    )
    output = run(later, verbosity=2)

    waiting.refresh_from_db()
    assert waiting.target == Article.objects.get(headline="Rafah Crossing Reopens!")
    assert "now linked from 1 waiting headline(s)" in output
    assert "0 created, 0 updated, 1 unchanged" in run(first)


def test_related_headlines_link_to_stories_already_there_ignoring_case_and_quotes(tmp_path):
    target = make_article("Gaza’s Rafah crossing to reopen Monday")
    path = write(
        tmp_path,
        "a.txt",
        wire_story("Aid lorries queued.", headlines=["GAZA'S RAFAH CROSSING TO REOPEN MONDAY", "Storm toll rises"]),
    )

    output = run(path, verbosity=2)

    assert RelatedHeadline.objects.get(position=1).target == target
    assert f"-> {target.slug}" in output


def test_an_edited_headline_is_matched_by_its_new_wording(tmp_path):
    story = make_article("Old wording")
    story.headline = "Rafah crossing reopens"
    story.save(update_fields=["headline"])
    path = write(
        tmp_path, "a.txt", wire_story("Aid lorries queued.", headlines=["Rafah Crossing Reopens", "Storm toll rises"])
    )

    run(path)

    assert RelatedHeadline.objects.get(position=1).target == story


def test_forward_references_within_one_run_are_linked(tmp_path):
    write(
        tmp_path,
        "1-first.txt",
        wire_story("Crews began work.", headlines=["Second story arrives later on", "Storm toll rises"]),
    )
    write(tmp_path, "2-second.txt", wire_story("More news.", front={"headline": "Second story arrives later on"}))

    run(tmp_path)

    second = Article.objects.get(headline="Second story arrives later on")
    assert RelatedHeadline.objects.get(position=1).target == second


# --- JSON fixtures and the demo ----------------------------------------------------------


def test_json_object_and_list_import_with_their_fields(tmp_path):
    one = {
        "headline": "Harbour reopens",
        "slug": "harbour-reopens",
        "body": "The harbour reopened.\n\nBoats sailed out.",
        "byline": "Staff",
        "dateline": "PORT ALDER",
        "source": "Courier",
        "published_at": "2026-01-02T03:04:05Z",
        "status": "published",
        "tags": ["Harbour"],
        "people": [{"name": "Ruth Penhallow", "role": "Harbour master", "aliases": ["Penhallow"]}],
        "related_headlines": [{"headline": "Council to vote", "slug": "council-to-vote"}],
    }
    many = [
        {"headline": "Council to vote", "slug": "council-to-vote", "body": "Councillors vote tonight."},
        {"headline": "Rain due", "body": "Rain is due on Friday.", "status": "draft", "tags": ["Weather"]},
    ]
    write(tmp_path, "a-one.json", json.dumps(one))
    write(tmp_path, "b-many.json", json.dumps(many))

    output = run(tmp_path)

    assert "3 created" in output
    harbour = Article.objects.get(slug="harbour-reopens")
    assert harbour.paragraphs == ["The harbour reopened.", "Boats sailed out."]
    assert (harbour.byline, harbour.dateline, harbour.source) == ("Staff", "PORT ALDER", "Courier")
    assert harbour.published_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert list(harbour.tags.names()) == ["Harbour"]
    assert [(p.name, p.role, p.alias_list) for p in harbour.people.all()] == [
        ("Ruth Penhallow", "Harbour master", ["Penhallow"])
    ]
    assert harbour.related_headlines.get().target == Article.objects.get(slug="council-to-vote")
    rain = Article.objects.get(headline="Rain due")
    assert rain.status == Article.Status.DRAFT and rain.published_at is None
    assert rain.source_key == "file:b-many.json#1"
    assert "0 created, 0 updated, 3 unchanged" in run(tmp_path)


def test_demo_stories_import_with_images_links_and_schedule_then_reimport_unchanged():
    output = run(DEMO, verbosity=2)

    assert "20 created" in output
    assert Article.objects.count() == 20
    stories = json.loads(DEMO.read_text(encoding="utf-8"))
    with_images = Article.objects.exclude(lead_library_picture=None).select_related("lead_library_picture")
    assert with_images.count() == sum(1 for story in stories if story.get("image")) == 12
    assert all(article.lead_library_picture.width and article.lead_library_picture.height for article in with_images)
    assert Picture.objects.count() == 12
    assert len(stored_files()) == 12
    draft = Article.objects.get(slug="budget-2027-what-it-means-for-you")
    assert draft.status == Article.Status.DRAFT and not draft.is_published
    scheduled = Article.objects.get(slug="athletic-stadium-expansion-council-vote")
    assert scheduled.status == Article.Status.PUBLISHED
    assert scheduled.published_at == datetime(2036, 12, 1, 8, tzinfo=UTC)
    # The first story points forward to stories later in the file.
    storm = Article.objects.get(slug="storm-surge-floods-port-alder-waterfront")
    assert [related.target.slug if related.target else related.url for related in storm.related_headlines.all()][
        :3
    ] == [
        "council-approves-emergency-flood-repairs",
        "seawall-built-for-a-sea-that-no-longer-exists",
        "https://www.example.org/guides/coastal-flooding-home",
    ]
    slug_links = sum(1 for story in stories for ref in story["related_headlines"] if ref.get("slug"))
    assert RelatedHeadline.objects.filter(target__isnull=False).count() >= slug_links
    assert Person.objects.filter(name="Ruth Penhallow").count() == 1

    before, files = row_counts(), stored_files()
    assert "0 created, 0 updated, 20 unchanged" in run(DEMO)
    assert row_counts() == before and stored_files() == files


def test_load_demo_uses_the_import_command(settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())

    assert Article.objects.count() == 20
    # The desk around the stories: sections, linked bylines, notes and the editors' lead, made once.
    storm = Article.objects.get(slug="storm-surge-floods-port-alder-waterfront")
    assert [section.name for section in storm.section.trail] == ["News", "Port Alder"]
    assert [person.name for person in storm.authors.all()] == ["Nadia Ferreira"]
    seawall = Article.objects.get(slug="seawall-built-for-a-sea-that-no-longer-exists")
    assert [byline.person.name for byline in seawall.bylines.all()] == ["Kit Lomax", "Nadia Ferreira"]
    agency = Article.objects.get(slug="towns-around-the-bay-prepare-for-high-tide")
    assert agency.byline == "Atlantic Press Agency" and not agency.bylines.exists()
    assert storm.corrections.count() == 2
    assert FrontPageSlot.objects.get(position=1).article.slug == "council-plan-600-homes-old-rail-yard"


# --- images ---------------------------------------------------------------------------------


def test_a_changed_image_is_stored_again_and_an_unchanged_one_is_not(tmp_path):
    write(tmp_path, "pics/photo.png", png_bytes())
    story = write(tmp_path, "story.txt", wire_story("The harbour reopened.", front={"image": "pics/photo.png"}))
    run(story)
    picture = Article.objects.get().lead_library_picture
    assert (picture.width, picture.height) == (40, 30)

    assert "1 unchanged" in run(story)
    assert len(stored_files()) == 1 and Picture.objects.count() == 1

    write(tmp_path, "pics/photo.png", png_bytes(color=(0, 0, 255)))
    assert "(lead_image)" in run(story, verbosity=2)
    assert len(stored_files()) == 2
    assert Article.objects.get().lead_library_picture != picture


def test_renditions_are_built_once_the_import_commits(tmp_path, django_capture_on_commit_callbacks):
    write(tmp_path, "pics/photo.png", png_bytes())
    story = write(tmp_path, "story.txt", wire_story("The harbour reopened.", front={"image": "pics/photo.png"}))

    with django_capture_on_commit_callbacks(execute=True):
        run(story, "--dry-run")
    assert stored_files() == []

    with django_capture_on_commit_callbacks(execute=True):
        run(story)
    picture = Article.objects.get().lead_library_picture
    assert picture.is_ready and picture.renditions["sizes"]["free"] == [40]
    assert any("renditions" in str(path) for path in stored_files())


def test_image_alt_text_caption_and_credit_come_with_the_picture(tmp_path):
    write(tmp_path, "pics/photo.png", png_bytes())
    story = {
        "headline": "Harbour reopens",
        "body": "The harbour reopened.",
        "image": {"path": "pics/photo.png", "alt": "Boats at dawn", "caption": "The quay", "credit": "Staff photo"},
    }
    run(write(tmp_path, "story.json", json.dumps(story)))

    article = Article.objects.get()
    assert (article.lead_picture.alt, article.lead_caption, article.lead_credit) == (
        "Boats at dawn",
        "The quay",
        "Staff photo",
    )
    # Described in the library, where editors find it and other stories can choose it.
    assert Picture.objects.search("quay").get() == article.lead_library_picture


def test_an_imported_picture_goes_into_the_library_once_however_often_it_comes(tmp_path):
    write(tmp_path, "pics/photo.png", png_bytes())
    write(tmp_path, "a.txt", wire_story("The harbour reopened.", front={"image": "pics/photo.png"}))
    write(tmp_path, "b.txt", wire_story("The ferry sailed again.", front={"image": "pics/photo.png"}))
    assert "2 created" in run(tmp_path)

    picture = Picture.objects.get()
    assert [story.lead_library_picture for story in Article.objects.all()] == [picture, picture]
    assert set(picture.stories_using()) == set(Article.objects.all())

    before, files = row_counts(), stored_files()
    assert "0 created, 0 updated, 2 unchanged" in run(tmp_path)
    assert row_counts() == before and stored_files() == files

    # The same bytes under another name, for a new story: the same library picture.
    write(tmp_path, "copy/same.png", png_bytes())
    write(tmp_path, "c.txt", wire_story("The quay was busy.", front={"image": "copy/same.png"}))
    assert "1 created, 0 updated, 2 unchanged" in run(tmp_path)
    assert Picture.objects.get() == Article.objects.get(source_key__contains="c.txt").lead_library_picture


def test_a_lead_uploaded_before_the_library_is_recognised_by_a_reimport(tmp_path):
    """Leads moved into the library by migration have no digest of the file they came from: a re-import
    compares the stored file with what cleaning the imported one makes, and reports nothing changed."""
    write(tmp_path, "pics/photo.png", png_bytes())
    story = write(tmp_path, "story.txt", wire_story("The harbour reopened.", front={"image": "pics/photo.png"}))
    run(story)
    picture = Picture.objects.get()
    # As the migration left it: the file the old upload path stored, and no digest.
    cleaned = images.prepare_picture(ContentFile(png_bytes()), "photo.png")
    name = picture.file.storage.save("articles/2026/11/photo.png", cleaned)
    Picture.objects.filter(pk=picture.pk).update(file=name, digest="")
    Article.objects.update(import_digest="")  # the file is read again, not skipped unread

    assert "0 created, 0 updated, 1 unchanged" in run(story)
    assert Picture.objects.get().digest == hashlib.sha256(png_bytes()).hexdigest()


# --- overrides, dry run, stdin, folders, verbosity ------------------------------------------------


def test_status_and_publication_time_can_be_set_for_the_whole_run(tmp_path):
    story = write(tmp_path, "a.txt", wire_story("The harbour reopened."))

    run(story, "--status=draft", "--published-at=2027-03-01T09:00")

    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    assert article.published_at == datetime(2027, 3, 1, 9, tzinfo=UTC)
    assert "'next tuesday' is not an ISO 8601 date and time" in refused(story, "--published-at=next tuesday")
    assert "invalid choice: 'live'" in refused(story, "--status=live")


def test_a_story_without_status_keeps_its_publication_time_on_reimport(tmp_path):
    story = write(tmp_path, "a.txt", wire_story("The harbour reopened.", front={"headline": "Harbour reopens"}))
    run(story)
    published_at = Article.objects.get().published_at

    assert "1 unchanged" in run(story)
    assert Article.objects.get().published_at == published_at <= timezone.now()


def test_dry_run_reports_and_writes_nothing(tmp_path):
    write(tmp_path, "photo.png", png_bytes())
    write(tmp_path, "b.txt", wire_story("The harbour reopened.", front={"image": "photo.png"}))

    output = run(SAMPLE, tmp_path, dry_run=True, verbosity=2)

    assert "Dry run, nothing written" in output
    assert "2 would be created" in output
    assert "Vladimir Putin, Kremlin leader (new)" in output
    assert all(count == 0 for count in row_counts().values())
    assert stored_files() == []


def test_standard_input_is_read_for_a_dash():
    data = SAMPLE.read_bytes()

    run("-", stdin=io.BytesIO(data))
    assert "0 created, 0 updated, 1 unchanged" in run("-", stdin=io.BytesIO(data))

    assert Article.objects.get().paragraphs == SAMPLE_PARAGRAPHS


def test_folders_are_walked_recursively_in_sorted_order_skipping_images_and_hidden_files(tmp_path):
    write(tmp_path, "b.txt", wire_story("Story B happened."))
    write(tmp_path, "a/z.txt", wire_story("Story AZ happened."))
    write(tmp_path, "a/b/c.txt", wire_story("Story ABC happened."))
    write(tmp_path, "a/b/photo.jpg", b"\xff\xd8 not a story")
    write(tmp_path, ".hidden.txt", b"\x00")

    output = run(tmp_path, verbosity=2)

    order = [line.rsplit(" from ", 1)[1] for line in output.splitlines() if line.startswith("created ")]
    assert order == [str(tmp_path / "a/b/c.txt"), str(tmp_path / "a/z.txt"), str(tmp_path / "b.txt")]
    assert "3 files: 3 created" in output


def test_verbose_output_lists_each_storys_people_tags_and_headline_links():
    make_article("Reopening of Gaza's Rafah crossing expected Monday", slug="rafah-monday")

    output = run(SAMPLE, verbosity=2)

    assert "created kremlin-leader-vladimir-putin" in output
    assert "(derived from the lede: check it in the admin)" in output
    assert "Vladimir Putin, Kremlin leader (new)" in output
    assert "Alexander Trufanov, former hostage (new)" in output
    assert "(suggested)" in output and "Gaza" in output
    assert "related 1: Reopening of Gaza's Rafah crossing expected Monday -> rafah-monday" in output
    assert "related 2: Winter storm death toll in United States reaches 90 (no story yet)" in output


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_progress_bar_shows_on_a_terminal_unless_quiet(tmp_path, capsys):
    for number in range(3):
        write(tmp_path, f"{number}.txt", wire_story(f"Story number {number} happened."))

    call_command("import_articles", str(tmp_path), stdout=Terminal())
    assert "3/3" in capsys.readouterr().err

    call_command("import_articles", str(tmp_path), stdout=Terminal(), verbosity=0)
    call_command("import_articles", str(tmp_path), stdout=io.StringIO())
    assert "3/3" not in capsys.readouterr().err


def test_quiet_runs_print_nothing():
    assert run(SAMPLE, verbosity=0) == ""


def test_windows_1252_text_is_read_with_a_warning(tmp_path):
    path = write(tmp_path, "old.txt", "The café reopened “today”.\n".encode("cp1252"))

    output = run(path)

    assert "not UTF-8, read as Windows-1252 (a legacy file)" in output
    assert Article.objects.get().body_text == "The café reopened “today”."


# --- refusals: nothing written, the file named ----------------------------------------------------


BAD_INPUTS = {
    "empty": ("empty.txt", b"", "empty.txt:1: file is empty"),
    "blank": ("blank.txt", b"  \n\n ", "blank.txt:1: file is empty"),
    "control characters": ("control.txt", b"Line one\nLine \x07two", "control.txt:2: control character"),
    "undecodable": ("undecodable.txt", b"Caf\xc3 \x81\x8d", "undecodable.txt:1: neither UTF-8 nor Windows-1252"),
    "no body": ("nobody.txt", b"---\nheadline: Alone\n---\n", "nobody.txt: body: story has no body"),
    "unclosed front matter": ("open.txt", b"---\nheadline: Open\nBody.\n", "open.txt:1: front matter"),
    "bad front matter": ("fm.txt", b"---\nheadline [unclosed\n---\nBody text.\n", "fm.txt:2: is not a 'key: value'"),
    "unknown field": ("extra.txt", b"---\nweather: rain\n---\nBody text.\n", "extra.txt:2: weather: unknown field"),
    "malformed JSON": ("bad.json", b'{"headline": "x",', "bad.json:1: invalid JSON"),
    "unknown JSON field": ("field.json", b'{"body": "x", "colour": 1}', "field.json: colour: unknown field"),
    "too long": ("long.txt", f"---\nheadline: {'x' * 301}\n---\nBody.\n".encode(), "long.txt:2: headline: is 301"),
    "invalid date": ("date.txt", b"---\npublished_at: 31/02/2026\n---\nBody.\n", "date.txt:2: published_at:"),
    "invalid status": ("status.json", b'{"body": "x", "status": "live"}', "status.json: status:"),
    "missing image": ("pic.txt", b"---\nimage: nowhere.jpg\n---\nBody.\n", "pic.txt: image: cannot read"),
    "not an image": ("fake.txt", b"---\nimage: fake.txt\n---\nBody.\n", "fake.txt: image:"),
    "absolute image path": ("abs.txt", b"---\nimage: /etc/hostname\n---\nBody.\n", "abs.txt: image: must be"),
}


@pytest.mark.parametrize("name, content, message", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_refused_naming_the_file_and_nothing_is_written(tmp_path, name, content, message):
    run(SAMPLE)  # something to leave alone
    before, files = row_counts(), stored_files()
    write(tmp_path, "0-good.txt", wire_story("A good story comes first.", front={"image": "pic.png"}))
    write(tmp_path, "pic.png", png_bytes())
    write(tmp_path, name, content)

    error = refused(tmp_path)

    assert message in error
    assert str(tmp_path / name) in error
    assert "Nothing was imported." in error
    assert row_counts() == before
    assert stored_files() == files


def test_a_missing_file_is_refused_and_nothing_is_written(tmp_path):
    error = refused(SAMPLE, tmp_path / "nowhere.txt")

    assert f"{tmp_path / 'nowhere.txt'}: no such file" in error
    assert all(count == 0 for count in row_counts().values())


def test_a_slug_used_by_another_story_is_refused(tmp_path):
    make_article("Written in the admin", slug="harbour-reopens")
    path = write(tmp_path, "a.json", json.dumps({"slug": "harbour-reopens", "body": "The harbour reopened."}))
    before = row_counts()

    error = refused(path)

    assert f"{path}: slug: 'harbour-reopens' is already used by a story made here" in error
    assert row_counts() == before


def test_two_files_with_the_same_slug_in_one_run_are_refused(tmp_path):
    write(tmp_path, "a.json", json.dumps({"slug": "same", "body": "First version."}))
    write(tmp_path, "b.json", json.dumps({"slug": "same", "body": "Second version."}))

    error = refused(tmp_path)

    assert f"{tmp_path / 'b.json'}: slug: is the same story as {tmp_path / 'a.json'}" in error
    assert row_counts()["articles"] == 0


def test_continue_on_error_imports_the_good_files_and_lists_the_bad(tmp_path):
    write(
        tmp_path,
        "1-good.txt",
        wire_story("A good story about the harbour.", headlines=["Later story here", "Storm toll rises"]),
    )
    write(tmp_path, "2-empty.txt", b"")
    write(tmp_path, "3-bad.json", b"[")
    write(tmp_path, "4-good.txt", wire_story("Another good story.", front={"headline": "Later story here"}))

    error = refused(tmp_path, continue_on_error=True)

    assert "2 file(s) refused, the rest imported" in error
    assert f"{tmp_path / '2-empty.txt'}:1: file is empty" in error
    assert f"{tmp_path / '3-bad.json'}:1: invalid JSON" in error
    assert Article.objects.count() == 2
    assert RelatedHeadline.objects.get(position=1).target == Article.objects.get(headline="Later story here")


def test_continue_on_error_forgets_people_made_by_a_refused_file(tmp_path):
    # The bad file names a new person, then fails on its image: the next file must not link the lost row.
    write(tmp_path, "1-bad.txt", wire_story("Mayor Anna Kowalczyk spoke.", front={"image": "nowhere.png"}))
    write(tmp_path, "2-good.txt", wire_story("Mayor Anna Kowalczyk spoke again on Friday."))

    error = refused(tmp_path, continue_on_error=True)

    assert "1-bad.txt: image: cannot read" in error
    article = Article.objects.get()
    assert [person.name for person in article.people.all()] == ["Anna Kowalczyk"]


def test_continue_on_error_forgets_a_section_opened_by_a_refused_file(tmp_path):
    # The bad file opens a new section, then fails on its image: the next file must open it again, not point at
    # the rolled-back row (which only the commit, deferring foreign keys, would have found).
    write(tmp_path, "1-bad.txt", wire_story("Gales closed the pier.", front={"section": "Weather", "image": "x.png"}))
    write(tmp_path, "2-good.txt", wire_story("Gales closed the pier again.", front={"section": "Weather"}))

    refused(tmp_path, continue_on_error=True)

    article = Article.objects.select_related("section").get()
    assert article.section.name == "Weather" and Section.objects.filter(pk=article.section_id).exists()


# --- revisions ----------------------------------------------------------------------------------------


def test_imports_record_revisions_that_can_be_compared_and_restored(tmp_path):
    story = write(tmp_path, "a.txt", wire_story("The harbour reopened on Monday."))
    run(story)
    article = Article.objects.get()
    assert [revision.message for revision in article.revisions.all()] == ["Imported from " + str(story)]

    run(story)  # unchanged: nothing new to record
    assert article.revisions.count() == 1

    write(tmp_path, "a.txt", wire_story("The harbour reopened on Tuesday."))
    run(story)
    newest = article.revisions.first()
    assert article.revisions.count() == 2 and "body" in newest.changed_fields


def test_a_story_stored_without_revisions_keeps_its_old_text_when_an_import_edits_it(tmp_path):
    story = write(tmp_path, "a.txt", wire_story("The harbour reopened on Monday."))
    run(story)
    # As a story stored before revisions existed: no history, text changed behind the import's back.
    Revision.objects.all().delete()
    Article.objects.update(body="Text an editor wrote by hand.")

    write(tmp_path, "a.txt", wire_story("The harbour reopened on Tuesday."))
    run(story)

    revisions = Article.objects.get().revisions.all()
    assert [revision.snapshot["body"] for revision in revisions] == [
        "<p>The harbour reopened on Tuesday.</p>",
        "<p>Text an editor wrote by hand.</p>",
    ]


# --- cost ------------------------------------------------------------------------------------------


# Here each story names one new person: its slug is looked up and its row written. The stories' own rows
# (with their tags, people links and headlines) and their first revisions are written together, in a fixed
# number of queries per batch, and what they look up is looked up for the whole batch of files.
QUERIES_PER_STORY = 3
# What a run reads once (people, rejected names, headlines waiting for their story, tags), and once per
# batch of files read ahead: which of them were imported before with the same bytes, and which keys are taken;
# and once per batch of new stories, their search keywords refreshed after all their links (three statements).
QUERIES_PER_RUN = 15


def test_queries_grow_linearly_with_new_files_and_not_at_all_with_unchanged_ones(
    tmp_path, django_assert_max_num_queries
):
    for number in range(20):
        write(
            tmp_path,
            f"{number:03}.txt",
            wire_story(
                f"Councillor Maria Number{number} said on Tuesday the harbour in Port Alder would reopen.",
                f"Number{number} added that crews had worked through the night.",
                headlines=[f"Harbour story {number - 1} here", "Winter storm death toll reaches 90"],
            ),
        )

    with django_assert_max_num_queries(20 * QUERIES_PER_STORY + QUERIES_PER_RUN):
        run(tmp_path)
    assert Revision.objects.filter(message__startswith="Imported from").count() == 20
    # Unchanged files are not parsed again, nor looked up one by one.
    with django_assert_max_num_queries(QUERIES_PER_RUN):
        assert "20 unchanged" in run(tmp_path)


# --- property-based: anything in, a clean result or a clean refusal out ---------------------------------

MUTATION_ALPHABET = st.sampled_from(list("\n\r\t -—:.,\"“”'’{}[]#\x00\x07\ufeffé€") + ["---\n", "\n\n"])


@st.composite
def mutated_sample(draw):
    data = bytearray(SAMPLE.read_bytes())
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "byte"]))
        if action == "insert":
            data[position:position] = draw(MUTATION_ALPHABET).encode("utf-8")
        elif action == "delete":
            del data[position : position + draw(st.integers(1, 40))]
        else:
            data[position:position] = bytes([draw(st.integers(0, 255))])
    return bytes(data)


def _import_example(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    before, files = row_counts(), stored_files()
    try:
        run(path, verbosity=0)
    except CommandError as error:
        assert str(path) in str(error)
        assert row_counts() == before and stored_files() == files
    finally:
        path.unlink()


PROPERTY = hypothesis_settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@PROPERTY
@given(data=st.binary(max_size=400) | st.text(max_size=400).map(lambda text: text.encode("utf-8")))
def test_random_input_imports_or_is_refused_cleanly(tmp_path, data):
    _import_example(tmp_path, "random.txt", data)


@PROPERTY
@given(data=mutated_sample(), name=st.sampled_from(["mutated.txt", "mutated.json", "mutated"]))
def test_mutated_sample_imports_or_is_refused_cleanly(tmp_path, data, name):
    _import_example(tmp_path, name, data)


@PROPERTY
@given(
    story=st.fixed_dictionaries(
        {"body": st.text(min_size=1, max_size=80)},
        optional={
            "headline": st.text(max_size=40),
            "slug": st.from_regex(r"[a-z]{1,8}(-[a-z]{1,8})?", fullmatch=True),
            "tags": st.lists(st.text(max_size=12), max_size=3),
            "people": st.lists(st.text(max_size=20), max_size=2),
            "related_headlines": st.lists(st.text(max_size=30), max_size=3),
            "published_at": st.datetimes().map(lambda moment: moment.isoformat()),
            "status": st.sampled_from(["draft", "published", "in_review"]),
        },
    )
)
def test_random_json_fixtures_import_or_are_refused_cleanly(tmp_path, story):
    _import_example(tmp_path, "story.json", json.dumps(story).encode())


def test_published_at_in_the_future_schedules_the_story(tmp_path):
    later = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    path = write(tmp_path, "a.txt", wire_story("Embargoed story.", front={"published_at": later.isoformat()}))

    run(path)

    article = Article.objects.get()
    assert article.published_at == later and not article.is_published
