"""In headless Chromium, two editors in two browser contexts on one story: their saves merge, a change both made
waits for a choice, and a photo chosen before a form error is still there after it."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from articles.models import Article, Correction, ExcludedStory, PinnedStory, RelatedHeadline
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
    picture = Article.objects.get().lead_library_picture  # into the library, described as the form said
    assert picture and (picture.width, picture.alt) == (800, "The bridge at dawn")


def test_each_editor_sees_who_else_has_the_story_open_until_they_leave(new_tab, story):
    alice = signed_in(new_tab, make_staff("alice", "editor", first_name="Alice", last_name="Lund"))
    alice.clock.install()  # her page's timers run when the test says, the server's clock stays real
    alice.goto(reverse("admin:articles_article_change", args=[story.pk]))
    notice = alice.get_by_role("status").filter(has_text="has this open")
    expect(notice).to_be_hidden()

    bob = open_story(new_tab, "bob", story)
    expect(bob.get_by_role("status").filter(has_text="has this open")).to_contain_text(
        "Alice Lund has had this open since " + timezone.localtime().strftime("%H:")
    )
    alice.clock.fast_forward("00:21")  # her next report, about 20 s on
    expect(notice).to_contain_text("bob has had this open since")

    bob.goto(reverse("admin:articles_article_changelist"))  # leaving says so at once
    alice.clock.fast_forward("00:21")
    expect(notice).to_be_hidden()


def test_leaving_a_form_with_unsaved_changes_asks_first(new_tab, story):
    page = open_story(new_tab, "alice", story)
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.get_by_role("link", name="Revisions").click()  # nothing changed: no question
    expect(page).to_have_url(reverse("admin:articles_article_revisions", args=[story.pk]))
    page.go_back()

    page.get_by_role("textbox", name="Summary:").fill("Open again, six weeks early.")
    page.get_by_role("link", name="Revisions").click()

    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    expect(page).to_have_url(reverse("admin:articles_article_change", args=[story.pk]))
    save(page)  # saving is no leaving
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert asked == ["beforeunload"]


# Anything wider than the window, or wider than its own box (cut off or scrolling inside it), says the form does
# not fit: the page itself may not scroll sideways, and neither may any part of the form.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  if (document.documentElement.scrollWidth > width) {
    found.push("page " + document.documentElement.scrollWidth);
  }
  for (const element of document.querySelectorAll("#content-main *, #content-main")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || getComputedStyle(element).visibility === "hidden") {
      continue;
    }
    // Text fields scroll their own text by design; any other box that scrolls or clips hides part of the form.
    // So does a chosen value shortened with an ellipsis (the story pickers).
    const field = ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName) ||
      getComputedStyle(element).textOverflow === "ellipsis";
    const clipped = !field && element.scrollWidth > element.clientWidth + 1 &&
      getComputedStyle(element).overflowX !== "visible";
    if (box.right > width + 1 || clipped) {
      found.push(element.tagName + "#" + element.id + "." + element.className + " right " + Math.round(box.right) +
        (clipped ? " scrolls " + element.scrollWidth + " in " + element.clientWidth : ""));
    }
  }
  return found.slice(0, 30);
}"""


@pytest.mark.parametrize("width", [1280, 768])
def test_the_story_form_fits_the_window_without_sideways_scrolling(new_tab, width):
    story = make_article(
        "Harbour bridge reopens after six weeks of repairs to its northern span",
        tags=["Harbour", "New York City", "Transport"],
        related_headlines=[
            make_article("Ferry timetable changes for the winter season"),
            "Winter storm death toll reaches 90 as the coast counts the cost",
        ],
    )
    RelatedHeadline.objects.create(
        article=story,
        position=3,
        headline="Agency report",
        url="https://example.org/a/very/long/address/of/an/agency/report/on/the/bridge/reopening/2026",
    )
    PinnedStory.objects.create(article=story, story=make_article("Old bridge closure"), position=1)
    ExcludedStory.objects.create(article=story, story=make_article("Bridge quiz of the week"))
    Correction.objects.create(article=story, text="An earlier version misspelt the name of the bridge.")
    page = open_story(new_tab, "alice", story)

    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_timeout(200)

    overflowing = page.evaluate(OVERFLOWING)
    assert overflowing == [], "\n".join(overflowing)
    title = page.get_by_role("heading", level=2).first.bounding_box()
    buttons = page.locator(".submit-row").first.bounding_box()
    assert buttons["y"] >= title["y"] + title["height"], (title, buttons)  # nothing laid over the title


def test_rows_are_ordered_with_up_and_down_buttons_and_numbered_by_themselves(new_tab):
    story = make_article("Harbour bridge reopens", related_headlines=["First", "Second", "Third"])
    page = open_story(new_tab, "alice", story)
    rows = page.locator("#related_headlines-group tr.form-row:not(.empty-form)")

    def values(selector):
        return rows.locator(selector).evaluate_all("fields => fields.map((field) => field.value)")

    rows.nth(2).get_by_role("button", name="Move up").click()
    assert values("input.row-position") == ["1", "2", "3"]
    assert values("td.field-headline input") == ["First", "Third", "Second"]
    page.locator("#related_headlines-group .add-row a").click()
    rows.nth(3).locator("td.field-headline input").fill("Fourth, added")
    rows.nth(3).get_by_role("button", name="Move up").click()
    assert values("input.row-position") == ["1", "2", "3", "4"]
    assert values("td.field-headline input") == ["First", "Third", "Fourth, added", "Second"]
    save(page)

    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert [(h.position, h.headline) for h in story.related_headlines.all()] == [
        (1, "First"),
        (2, "Third"),
        (3, "Fourth, added"),
        (4, "Second"),
    ]


def test_tags_are_suggested_as_typed_and_saved_without_quotes(new_tab, story):
    make_article("Ferry fares frozen", tags=["New York City", "Transport"])
    story.tags.add("Harbour")
    page = open_story(new_tab, "alice", story)
    box = page.get_by_role("combobox", name="Tags:")

    box.focus()
    box.press("End")
    box.press_sequentially(", new y")
    suggestion = page.get_by_role("option", name="New York City")
    expect(suggestion).to_be_visible()
    suggestion.click()
    expect(box).to_have_value("Harbour, New York City, ")
    save(page)

    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(box).to_have_value("Harbour, New York City")
    assert sorted(tag.name for tag in story.tags.all()) == ["Harbour", "New York City"]

    page.goto(reverse("admin:articles_article_changelist"))
    tag_filter = page.get_by_role("search", name="Stories with the tag").get_by_role("combobox")
    tag_filter.press_sequentially("transp")
    page.get_by_role("option", name="Transport").click()
    expect(page).to_have_url(reverse("admin:articles_article_changelist") + "?tag=Transport")
    expect(page.locator("#result_list")).to_contain_text("Ferry fares frozen")
    expect(page.locator("#result_list")).not_to_contain_text("Harbour bridge reopens")


def test_a_renamed_live_story_is_found_at_its_old_address(new_tab, story):
    old = story.get_absolute_url()
    page = open_story(new_tab, "alice", story)

    page.get_by_role("textbox", name="Slug:").fill("harbour-bridge-reopens-early")
    save(page)
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    reader = new_tab()
    assert reader.request.get(old, max_redirects=0).status == 301
    reader.goto(old)
    expect(reader).to_have_url(Article.objects.get(pk=story.pk).get_absolute_url())
    expect(reader.get_by_role("heading", level=1)).to_have_text("Harbour bridge reopens")
