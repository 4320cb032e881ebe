"""Publishing as buttons: Save draft · Submit for review · Publish now · Schedule… · Unpublish, by role and state.
Publish now means now; nothing goes out back-dated to a time it merely carried; bulk actions confirm first."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import publishing
from articles.models import Article
from tests.factories import admin_article_data, make_article, make_staff

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
CHANGELIST = "admin:articles_article_changelist"


# The rules on their own


@pytest.mark.parametrize(
    ("action", "stored", "posted_time", "changed", "expected"),
    [
        (
            "publish",
            publishing.Stored("draft", NOW - timedelta(days=8)),
            NOW - timedelta(days=8),
            False,
            ("published", NOW),
        ),
        (
            "publish",
            publishing.Stored("draft", NOW + timedelta(days=1)),
            NOW + timedelta(days=1),
            False,
            ("published", NOW),
        ),
        (
            "publish",
            publishing.Stored("unpublished", NOW - timedelta(days=8), True),
            None,
            False,
            ("published", NOW - timedelta(days=8)),
        ),
        (
            "schedule",
            publishing.Stored("draft"),
            NOW + timedelta(hours=2),
            True,
            ("published", NOW + timedelta(hours=2)),
        ),
        (
            "unpublish",
            publishing.Stored("published", NOW - timedelta(hours=1), True),
            NOW - timedelta(hours=1),
            False,
            ("unpublished", NOW - timedelta(hours=1)),
        ),
        (
            "unpublish",
            publishing.Stored("published", NOW + timedelta(hours=1)),
            NOW + timedelta(hours=1),
            False,
            ("draft", NOW + timedelta(hours=1)),
        ),
        (None, publishing.Stored("draft", NOW - timedelta(days=8)), NOW - timedelta(days=8), False, ("published", NOW)),
        (None, publishing.Stored("draft"), NOW - timedelta(days=300), True, ("published", NOW - timedelta(days=300))),
        (None, publishing.Stored("draft"), None, False, ("published", NOW)),
        (None, publishing.Stored("draft"), NOW + timedelta(days=1), False, ("published", NOW + timedelta(days=1))),
    ],
)
def test_the_publishing_rules(action, stored, posted_time, changed, expected):
    status = "published" if action is None else stored.status
    assert publishing.apply(action, stored, status, posted_time, changed, may_publish=True, now=NOW) == expected


def test_scheduling_needs_a_future_time_and_reporters_cannot_publish():
    with pytest.raises(ValidationError, match="choose a time in the future"):
        publishing.apply("schedule", publishing.Stored(), "draft", NOW - timedelta(minutes=1), True, True, now=NOW)
    with pytest.raises(ValidationError, match="Only editors"):
        publishing.apply("publish", publishing.Stored(), "draft", None, False, may_publish=False, now=NOW)


def labels(stored, may_publish):
    return [button.label for button in publishing.buttons(stored, may_publish, now=NOW)]


def test_the_buttons_follow_the_role_and_the_state():
    assert labels(publishing.Stored("draft"), False) == ["Save draft", "Submit for review"]
    assert labels(publishing.Stored("draft"), True) == ["Save draft", "Submit for review", "Publish now", "Schedule…"]
    assert labels(publishing.Stored("published", NOW - timedelta(hours=1), True), True) == ["Unpublish"]
    scheduled = labels(publishing.Stored("published", NOW + timedelta(hours=1)), True)
    assert scheduled[:2] == ["Publish now", "Reschedule…"] and scheduled[2].startswith("Unschedule (was due")
    assert labels(publishing.Stored("unpublished", NOW - timedelta(days=1), True), True) == [
        "Publish again now",
        "Schedule…",
    ]


# Through the admin


@pytest.fixture
def editor():
    client = Client()
    client.force_login(make_staff("edna", "editor"))
    return client


def press(client, story, action, **changes):
    story.refresh_from_db()
    data = admin_article_data(story, _publishing=action, **changes)
    return client.post(reverse("admin:articles_article_change", args=[story.pk]), data)


def test_publish_now_on_a_draft_carrying_an_old_time_publishes_it_now(editor):
    story = make_article("Seawall opens", status=Article.Status.DRAFT, published_at=timezone.now() - timedelta(days=8))

    response = press(editor, story, "publish")

    assert response.status_code == 302 and response["Location"] == reverse(
        "admin:articles_article_change", args=[story.pk]
    )
    story.refresh_from_db()
    assert story.is_published and timezone.now() - story.published_at < timedelta(minutes=1)
    assert "is live, published" in editor.get(response["Location"]).content.decode()


def test_schedule_with_the_picker_and_the_story_waits_for_its_time(editor):
    story = make_article("Budget day", status=Article.Status.IN_REVIEW)
    later = timezone.localtime(timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)

    response = press(
        editor, story, "schedule", published_at_0=later.strftime("%Y-%m-%d"), published_at_1=later.strftime("%H:%M:%S")
    )

    assert response.status_code == 302
    story.refresh_from_db()
    assert story.is_scheduled and story.published_at == later
    assert "is scheduled: it goes live by itself" in editor.get(response["Location"]).content.decode()


def test_scheduling_in_the_past_is_refused_with_a_clear_message(editor):
    story = make_article("Budget day", status=Article.Status.DRAFT)

    response = press(editor, story, "schedule", published_at_0="2020-01-01", published_at_1="09:00:00")

    assert response.status_code == 200 and "To schedule, choose a time in the future" in response.content.decode()
    assert Article.objects.get(pk=story.pk).status == Article.Status.DRAFT


def test_published_with_no_time_gets_the_present_one_instead_of_a_database_error(editor):
    story = make_article("Ferry strike ends", status=Article.Status.DRAFT)

    response = press(editor, story, "", status="published", published_at_0="", published_at_1="")

    assert response.status_code == 302
    story.refresh_from_db()
    assert story.is_published and timezone.now() - story.published_at < timedelta(minutes=1)


def test_unpublish_takes_a_live_story_down_and_keeps_its_time(editor):
    story = make_article("Court ruling")
    went_out = story.published_at

    assert press(editor, story, "unpublish").status_code == 302
    story.refresh_from_db()
    assert story.status == Article.Status.UNPUBLISHED and story.published_at == went_out


def test_a_reporter_gets_draft_and_review_buttons_and_cannot_forge_a_publish(editor):
    reporter = make_staff("rita", "reporter")
    client = Client()
    client.force_login(reporter)
    story = make_article("Rita's story", status=Article.Status.DRAFT, created_by=reporter)
    page = client.get(reverse("admin:articles_article_change", args=[story.pk])).content.decode()
    assert ">Save draft</button>" in page and ">Submit for review</button>" in page and "Publish now" not in page

    refused = press(client, story, "publish")
    assert refused.status_code == 200 and "Only editors publish" in refused.content.decode()
    assert press(client, story, "in_review").status_code == 302
    assert Article.objects.get(pk=story.pk).status == Article.Status.IN_REVIEW


def test_the_buttons_are_above_and_below_the_form(editor):
    story = make_article("Seawall opens", status=Article.Status.DRAFT)
    page = editor.get(reverse("admin:articles_article_change", args=[story.pk])).content.decode()
    assert page.count('class="submit-row publishing-row"') == 2 and page.count(">Publish now</button>") == 2
    assert page.index('name="_save"') < page.index('value="publish"')  # Enter in a field saves, never publishes


def test_bulk_publish_lists_the_stories_first_and_never_back_dates_a_draft(editor):
    old_draft = make_article("Old draft", status=Article.Status.DRAFT, published_at=timezone.now() - timedelta(days=8))
    future = make_article("Future draft", status=Article.Status.DRAFT, published_at=timezone.now() + timedelta(days=1))
    selection = {"action": "publish", "_selected_action": [old_draft.pk, future.pk]}

    confirmation = editor.post(reverse(CHANGELIST), selection)

    page = confirmation.content.decode()
    assert "Old draft</a>: goes live now" in page and "Future draft</a>: scheduled: goes live at" in page
    assert "Yes, publish 2 stories" in page
    assert Article.objects.filter(status=Article.Status.PUBLISHED).count() == 0  # nothing yet

    done = editor.post(reverse(CHANGELIST), {**selection, "confirm": "publish"}, follow=True)
    assert "Published 2 stories; 1 of them is scheduled" in done.content.decode()
    old_draft.refresh_from_db()
    future.refresh_from_db()
    assert old_draft.is_published and timezone.now() - old_draft.published_at < timedelta(minutes=1)
    assert future.is_scheduled


def test_bulk_unpublish_and_delete_confirm_with_the_list_of_stories(editor):
    stories = [make_article("Tram line opens"), make_article("Bridge reopens")]
    selection = {"_selected_action": [story.pk for story in stories]}

    unpublish = editor.post(reverse(CHANGELIST), {**selection, "action": "unpublish"}).content.decode()
    assert "Tram line opens</a>: taken down" in unpublish and "Bridge reopens</a>: taken down" in unpublish
    assert Article.objects.published().count() == 2
    delete = editor.post(reverse(CHANGELIST), {**selection, "action": "delete_selected"}).content.decode()
    assert (
        "Are you sure you want to delete the selected" in delete
        and "Tram line opens" in delete
        and "Bridge reopens" in delete
    )
    assert Article.objects.count() == 2
