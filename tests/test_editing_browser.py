"""In headless Chromium, two editors in two browser contexts on one story: their saves merge, a change both made
waits for a choice, and a photo chosen before a form error is still there after it."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from articles.models import Article
from tests.factories import make_article, make_staff
from tests.test_workflow_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def story():
    story = make_article(
        "Harbour bridge reopens",
        slug="harbour-bridge-reopens",
        summary="The bridge is open again.",
        dateline="PORT ALDER",
        published_at=timezone.now().replace(microsecond=0) - timedelta(hours=2),
    )
    story.record_revision(None, "Imported")
    return story


def open_story(new_tab, username, story):
    page = signed_in(new_tab, make_staff(username, "editor"))
    page.goto(reverse("admin:articles_article_change", args=[story.pk]))
    return page


def save(page):
    page.locator("input[name=_continue]").last.click()


def test_two_editors_changing_different_fields_both_keep_their_changes(new_tab, story):
    alice, bob = open_story(new_tab, "alice", story), open_story(new_tab, "bob", story)

    alice.get_by_role("textbox", name="Summary:").fill("Open again, six weeks early.")
    save(alice)
    expect(alice.locator(".messagelist")).to_contain_text("was changed successfully")
    bob.get_by_role("textbox", name="Dateline:").fill("KESTREL BAY")
    save(bob)

    expect(bob.locator(".messagelist")).to_contain_text(
        "their changes to summary were kept; your changes to dateline were saved"
    )
    expect(bob.get_by_role("textbox", name="Summary:")).to_have_value("Open again, six weeks early.")
    stored = Article.objects.get(pk=story.pk)
    assert (stored.summary, stored.dateline) == ("Open again, six weeks early.", "KESTREL BAY")


def test_both_changing_the_headline_shows_the_chooser_and_the_chosen_headline_wins(new_tab, story):
    alice, bob = open_story(new_tab, "alice", story), open_story(new_tab, "bob", story)

    alice.get_by_role("textbox", name="Headline:").fill("Harbour bridge reopens early")
    save(alice)
    expect(alice.locator(".messagelist")).to_contain_text("was changed successfully")
    bob.get_by_role("textbox", name="Headline:").fill("Bridge back in service")
    bob.get_by_role("textbox", name="Byline:").fill("Bob Berg")
    save(bob)

    chooser = bob.get_by_role("region", name="Edit conflict: choose what to keep")
    expect(chooser).to_contain_text("Harbour bridge reopens early")
    expect(chooser).to_contain_text("Bridge back in service")
    expect(chooser).to_contain_text("Harbour bridge reopens")  # the original
    assert Article.objects.get(pk=story.pk).byline == ""  # nothing of Bob's saved yet
    save(bob)  # without a choice the browser refuses to send the form
    expect(chooser).to_be_visible()

    chooser.get_by_label("Keep yours").check()
    save(bob)

    expect(bob.locator(".messagelist")).to_contain_text("was changed successfully")
    stored = Article.objects.get(pk=story.pk)
    assert (stored.headline, stored.byline) == ("Bridge back in service", "Bob Berg")


def test_a_photo_chosen_before_a_form_error_is_saved_after_the_fix(new_tab, tmp_path):
    page = signed_in(new_tab, make_staff("alice", "editor"))
    page.goto(reverse("admin:articles_article_add"))
    photo = tmp_path / "bridge.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (30, 90, 160)).save(buffer, format="JPEG")
    photo.write_bytes(buffer.getvalue())

    page.get_by_role("textbox", name="Headline:").fill("Harbour bridge reopens")
    page.locator("#id_lead_image").set_input_files(str(photo))
    page.get_by_role("textbox", name="Alt text:").fill("The bridge at dawn")
    page.evaluate("document.querySelector('#id_body').removeAttribute('required')")  # let the server refuse
    save(page)

    kept = page.locator(".kept-upload")
    expect(kept).to_contain_text("Your photo bridge.jpg is kept")
    expect(kept.locator("img")).to_have_js_property("naturalWidth", 800)
    page.get_by_role("textbox", name="Body:").fill("The bridge reopened on Monday.")
    save(page)

    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    story = Article.objects.get()
    assert story.lead_image and (story.lead_image_width, story.lead_image_alt) == (800, "The bridge at dawn")
