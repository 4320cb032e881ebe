"""Agency files through import_articles: the shared samples, versions, cancellation, hostile XML."""

import io
import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from taggit.models import Tag

from articles.models import AgencyItem, Article, Person, Revision, SubjectCode
from tests.factories import image_file
from tests.test_formats import BILLION_LAUGHS, EXPECTED, NINJS_1, SAMPLE_NAMES, SAMPLES, XXE_FILE

pytestmark = pytest.mark.django_db


def run(*args, **options):
    out = io.StringIO()
    call_command("import_articles", *[str(arg) for arg in args], stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def refused(*args, **options):
    with pytest.raises(CommandError) as caught:
        run(*args, **options)
    return str(caught.value)


def snapshot():
    """Everything an import writes, to prove a re-import or a refused file writes nothing."""
    return {
        "articles": list(Article.objects.order_by("pk").values()),
        "people": list(Person.objects.order_by("pk").values("name", "role", "aliases")),
        "tags": sorted(Tag.objects.values_list("name", flat=True)),
        "items": list(AgencyItem.objects.order_by("pk").values()),
        "codes": sorted(SubjectCode.objects.values_list("code", "tag__name")),
        "revisions": Revision.objects.count(),
    }


def write(folder, name, content):
    path = Path(folder) / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


# --- the shared samples ---------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_shared_sample_imports_to_the_story_its_readme_describes(name, client):
    expected = EXPECTED[name]
    run(SAMPLES / name)
    article = Article.objects.get()
    assert article.headline == expected["headline"]
    assert article.summary == expected["summary"]
    assert article.byline == expected["byline"]
    assert article.dateline == expected["dateline"]
    assert article.source == expected["source"]
    assert article.published_at == datetime.fromisoformat(expected["published_at"])
    assert article.status == Article.Status.PUBLISHED and article.is_published
    assert sorted(article.tags.names()) == sorted(expected["tags"])
    people = {person.name: person.role for person in article.people.all()}
    assert people == {person["name"]: person["role"] for person in expected["people"]}
    # Organisations and places are recorded with the item, never as people.
    assert not Person.objects.filter(name__in=[o["name"] for o in expected["organisations"]]).exists()
    item = article.agency_item
    assert (item.guid, item.version, item.pub_status) == (expected["guid"], expected["version"], "usable")
    assert item.version_created == datetime.fromisoformat(expected["updated_at"])
    assert [(o["name"], o["role"] or None) for o in item.organisations] == [
        (o["name"], o["role"]) for o in expected["organisations"]
    ]
    assert [place["name"] for place in item.places] == expected["places"]
    # Each subject keeps its code beside its tag.
    assert SubjectCode.objects.filter(tag__name__in=expected["tags"]).count() == len(expected["tags"])
    # Every paragraph, subhead and quote reaches the stored body, in order (subheads and quotes as such, so
    # they are in the body's text, not among its plain paragraphs).
    text = article.body_text
    subheads = [block.inner_html for block in article.body_blocks if block.tag in ("h2", "h3")]
    for subhead in expected["subheads"]:
        assert any(heading.startswith(subhead) for heading in subheads), (subhead, subheads)
    for start in expected["paragraph_starts"] + expected["subheads"] + expected["blockquotes"]:
        assert start in text
    starts = [text.index(start) for start in expected["paragraph_starts"]]
    assert starts == sorted(starts)
    page = client.get(article.get_absolute_url())
    assert expected["headline"].encode() in page.content.replace(b"&#x27;", b"'").replace(b"&rsquo;", "’".encode())


def test_every_sample_together_then_again_changes_nothing(tmp_path):
    for name in SAMPLE_NAMES:
        shutil.copy(SAMPLES / name, tmp_path / name)
    output = run(tmp_path)
    assert "4 created" in output
    before = snapshot()
    again = run(tmp_path)
    assert "0 created, 0 updated, 4 unchanged" in again
    assert snapshot() == before


# --- versions ------------------------------------------------------------------------------------


def ninjs_version(version, **changes):
    return {**NINJS_1, "associations": {}, "version": str(version), **changes}


def test_later_version_updates_the_same_story_and_older_is_ignored(tmp_path):
    write(tmp_path, "fair.json", ninjs_version(2))
    run(tmp_path / "fair.json")
    article = Article.objects.get()
    assert article.headline == "Harbour fair draws record crowd"

    write(tmp_path, "fair-v3.json", ninjs_version(3, headline="Harbour fair breaks attendance record"))
    output = run(tmp_path / "fair-v3.json", verbosity=2)
    assert "updated" in output
    article.refresh_from_db()
    assert article.headline == "Harbour fair breaks attendance record"
    assert Article.objects.count() == 1 and article.agency_item.version == 3

    before = snapshot()
    write(tmp_path, "fair-old.json", ninjs_version(1, headline="Harbour fair opens"))
    output = run(tmp_path / "fair-old.json")
    assert "version 1 is older than version 3 already imported: ignored" in output
    assert snapshot() == before


def test_versions_in_one_folder_apply_in_version_order_whatever_their_names(tmp_path):
    write(tmp_path, "a.json", ninjs_version(5, headline="Fifth and final"))
    write(tmp_path, "b.json", ninjs_version(4, headline="Fourth"))
    run(tmp_path)
    assert Article.objects.get().headline == "Fifth and final"


def test_same_version_later_version_created_wins(tmp_path):
    write(tmp_path, "a.json", ninjs_version(2, versioncreated="2024-08-03T13:00:00Z", headline="Later copy"))
    run(tmp_path / "a.json")
    write(tmp_path, "b.json", ninjs_version(2, versioncreated="2024-08-03T12:00:00Z", headline="Earlier copy"))
    assert "ignored" in run(tmp_path / "b.json")
    assert Article.objects.get().headline == "Later copy"


# --- status: canceled and withheld ------------------------------------------------------------------


def test_canceled_version_takes_the_story_down_with_a_revision_and_keeps_its_text(tmp_path, client):
    run(SAMPLES / "newsml-sample.xml")
    article = Article.objects.get()
    url = article.get_absolute_url()
    assert client.get(url).status_code == 200
    body = article.body

    canceled = (SAMPLES / "newsml-sample.xml").read_text(encoding="utf-8")
    canceled = canceled.replace('version="1"', 'version="2"', 1).replace("stat:usable", "stat:canceled")
    canceled = canceled.replace(
        "<pubStatus", "<edNote>Legal: the pupil's family asked us to withdraw it</edNote><pubStatus"
    )
    # A cancellation usually carries no text: it must not blank the stored story.
    start, end = canceled.index("<contentSet>"), canceled.index("</contentSet>") + len("</contentSet>")
    write(tmp_path, "cancel.xml", canceled[:start] + canceled[end:])
    output = run(tmp_path / "cancel.xml")
    assert "canceled by the provider (Legal: the pupil's family asked us to withdraw it)" in output

    article.refresh_from_db()
    assert article.status == Article.Status.UNPUBLISHED and not article.is_published
    assert article.body == body and article.headline.startswith("Teenage composer")
    assert client.get(url).status_code == 404
    revision = article.revisions.order_by("-number").first()
    assert revision.message == (
        "Taken down: Lantern Press Service canceled the item (version 2): "
        "Legal: the pupil's family asked us to withdraw it"
    )
    assert article.agency_item.pub_status == "canceled" and article.agency_item.version == 2

    # The cancellation again, or the old version delivered late, changes nothing.
    before = snapshot()
    run(tmp_path / "cancel.xml")
    run(SAMPLES / "newsml-sample.xml")
    assert snapshot() == before


def test_canceled_item_for_an_unknown_story_creates_nothing_and_blocks_its_older_versions(tmp_path):
    write(tmp_path, "kill.json", {"uri": NINJS_1["uri"], "version": "3", "pubstatus": "canceled"})
    assert "nothing to take down" in run(tmp_path / "kill.json")
    assert not Article.objects.exists()
    write(tmp_path, "fair.json", ninjs_version(2))
    assert "older than version 3" in run(tmp_path / "fair.json")
    assert not Article.objects.exists()


def test_withheld_keeps_the_story_unpublished_until_a_usable_version(tmp_path):
    write(tmp_path, "v1.json", ninjs_version(1, pubstatus="withheld"))
    run(tmp_path / "v1.json")
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    write(tmp_path, "v2.json", ninjs_version(2))
    run(tmp_path / "v2.json")
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    write(tmp_path, "v3.json", ninjs_version(3, pubstatus="withheld"))
    run(tmp_path / "v3.json")
    article.refresh_from_db()
    assert article.status == Article.Status.UNPUBLISHED


def test_an_editors_take_down_survives_a_later_usable_version(tmp_path):
    write(tmp_path, "v1.json", ninjs_version(1))
    run(tmp_path / "v1.json")
    Article.objects.all().unpublish()
    write(tmp_path, "v2.json", ninjs_version(2, headline="Corrected headline"))
    run(tmp_path / "v2.json")
    article = Article.objects.get()
    assert article.headline == "Corrected headline" and article.status == Article.Status.UNPUBLISHED


# --- tags, people and pictures ------------------------------------------------------------------------


def test_subject_codes_find_a_renamed_tag(tmp_path):
    run(SAMPLES / "ninjs1-sample.json")
    Tag.objects.filter(name="weather").update(name="Weather and climate", slug="weather-and-climate")
    write(tmp_path, "v2.json", {**json.loads((SAMPLES / "ninjs1-sample.json").read_text()), "version": "2"})
    run(tmp_path / "v2.json")
    assert sorted(Article.objects.get().tags.names()) == ["Weather and climate", "lifestyle and leisure"]
    assert not Tag.objects.filter(name="weather").exists()


def test_named_people_are_not_guessed_from_the_text(tmp_path):
    run(SAMPLES / "nitf-sample.xml")
    assert set(Person.objects.values_list("name", flat=True)) == {"Desmond Achebe-Rowntree", "Philippa Crane-Osei"}


def test_picture_beside_the_item_becomes_the_lead_image(tmp_path):
    g2 = (
        (SAMPLES / "newsml-sample.xml")
        .read_text(encoding="utf-8")
        .replace(
            "<pubStatus",
            '<link rel="irel:seeAlso" contenttype="image/png" href="composer.png">'
            "<title>Ada at the estuary</title></link><pubStatus",
        )
    )
    write(tmp_path, "story.xml", g2)
    (tmp_path / "composer.png").write_bytes(image_file("composer.png", image_format="PNG").read())
    run(tmp_path / "story.xml")
    article = Article.objects.get()
    assert article.lead_library_picture and article.lead_library_picture.caption == "Ada at the estuary"


def test_picture_not_beside_the_item_is_reported_not_fatal(tmp_path):
    g2 = (
        (SAMPLES / "newsml-sample.xml")
        .read_text(encoding="utf-8")
        .replace("<pubStatus", '<link contenttype="image/jpeg" href="missing.jpg"/><pubStatus')
    )
    write(tmp_path, "story.xml", g2)
    assert "picture missing.jpg is not beside the file: not imported" in run(tmp_path / "story.xml")
    assert not Article.objects.get().lead_library_picture


# --- hostile and malformed files -------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content"), [("xxe.xml", XXE_FILE), ("bomb.nitf", BILLION_LAUGHS)])
def test_hostile_xml_is_refused_with_nothing_written(tmp_path, name, content):
    run(SAMPLES / "ninjs2-sample.json")
    before = snapshot()
    write(tmp_path, name, content)
    message = refused(tmp_path / name)
    assert f"{tmp_path / name}:" in message and "refused: its DOCTYPE declares entities" in message
    assert "Nothing was imported" in message
    assert snapshot() == before


def test_hostile_file_among_good_ones_is_listed_and_the_rest_imported(tmp_path):
    shutil.copy(SAMPLES / "nitf-sample.xml", tmp_path / "a-good.xml")
    write(tmp_path, "b-xxe.xml", XXE_FILE)
    message = refused(tmp_path, continue_on_error=True)
    assert "1 file(s) refused" in message and "b-xxe.xml:2: refused" in message
    assert Article.objects.count() == 1


def test_malformed_agency_files_give_located_errors(tmp_path):
    write(tmp_path, "broken.xml", '<?xml version="1.0"?>\n<nitf>\n<head>\n</nitf>\n')
    assert "broken.xml:4: malformed XML" in refused(tmp_path / "broken.xml")
    write(tmp_path, "broken.json", '{"uri": "x",\n "headline": }')
    assert "broken.json:2: invalid JSON" in refused(tmp_path / "broken.json")
    assert not Article.objects.exists()


def test_dry_run_writes_no_item(tmp_path):
    run(SAMPLES / "nitf-sample.xml", dry_run=True)
    assert not AgencyItem.objects.exists() and not Article.objects.exists()
