"""In headless Chromium: a reporter writes and submits, an editor schedules, readers see it at its time,
and a correction the editor appends shows on the story."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article
from tests.factories import make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# `chromium` and `new_tab` (tabs in separate browser contexts): from tests/conftest.py.


def signed_in(new_tab, user):
    page = new_tab()
    page.goto(reverse("admin:login"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Log out").or_(page.get_by_role("button", name="Log out"))).to_be_visible()
    return page


def test_reporter_submits_editor_schedules_and_the_story_goes_live_at_its_time(new_tab, monkeypatch):
    reporter = signed_in(new_tab, make_staff("rita", "reporter"))
    reporter.goto(reverse("admin:articles_article_add"))
    publishing = reporter.get_by_role("group", name="Publishing").first
    expect(publishing.get_by_role("button")).to_have_text(["Save draft", "Submit for review"])
    reporter.get_by_role("textbox", name="Headline:").fill("Seawall opens at dawn")
    reporter.get_by_role("textbox", name="Body:").fill("The new seawall opens to walkers at dawn.")
    publishing.get_by_role("button", name="Submit for review").click()
    expect(reporter.locator(".messagelist")).to_contain_text("was saved: in review")

    editor = signed_in(new_tab, make_staff("edna", "editor"))
    editor.goto(reverse("admin:articles_article_changelist") + "?state=in_review")
    editor.get_by_role("link", name="Seawall opens at dawn").click()
    goes_live = timezone.localtime(timezone.now() + timedelta(hours=1)).replace(second=0, microsecond=0)
    editor.locator("#id_published_at_0").fill(goes_live.strftime("%Y-%m-%d"))
    editor.locator("#id_published_at_1").fill(goes_live.strftime("%H:%M:%S"))
    schedule = editor.locator("button[data-action=schedule]").last
    expect(schedule).to_have_text(f"Schedule for {goes_live:%Y-%m-%d %H:%M:%S}")  # the button says when
    schedule.click()
    expect(editor.locator(".messagelist")).to_contain_text("is scheduled: it goes live by itself")
    editor.goto(reverse("admin:articles_article_changelist") + "?state=scheduled")
    expect(editor.locator("#result_list")).to_contain_text("Scheduled for")
    expect(editor.get_by_role("link", name="Seawall opens at dawn")).to_be_visible()

    reader = new_tab()
    reader.goto(reverse("articles:front_page"))
    expect(reader.get_by_role("link", name="Seawall opens at dawn")).to_have_count(0)

    later = goes_live + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)  # the live server runs in this process

    reader.reload()
    reader.get_by_role("link", name="Seawall opens at dawn").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Seawall opens at dawn")
    story = Article.objects.get(headline="Seawall opens at dawn")
    assert story.created_by.username == "rita" and [r.user.username for r in story.revisions.all()] == [
        "edna",
        "rita",
    ]

    editor.goto(reverse("admin:articles_article_change", args=[story.pk]))
    editor.get_by_text("Add another correction or update").click()
    editor.locator("#id_corrections-0-kind").select_option("correction")
    editor.locator("#id_corrections-0-text").fill("An earlier version gave the wrong opening hour.")
    editor.get_by_role("button", name="Save", exact=True).last.click()
    expect(editor.locator(".messagelist")).to_contain_text("was changed successfully")

    reader.reload()
    corrections = reader.get_by_role("region", name="Corrections and updates")
    expect(corrections).to_contain_text("An earlier version gave the wrong opening hour.")
    reader.goto(reverse("articles:corrections"))
    expect(reader.get_by_role("main")).to_contain_text("An earlier version gave the wrong opening hour.")
