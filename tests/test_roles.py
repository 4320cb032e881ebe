import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from articles.models import Article
from articles.roles import ROLE_PERMISSIONS
from tests.factories import admin_article_data, make_article, make_staff

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:articles_article_changelist"


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reporter():
    return make_staff("rita", "reporter")


@pytest.fixture
def other_reporter():
    return make_staff("otto", "reporter")


@pytest.fixture
def editor():
    return make_staff("edna", "editor")


def new_story_data(**overrides):
    data = {
        "headline": "Ferry fares rise in spring",
        "slug": "ferry-fares-rise",
        "summary": "",
        "body": "Fares go up by ten percent.",
        "byline": "Rita",
        "dateline": "",
        "source": "",
        "status": "draft",
        "lead_shape": "free",
        "lead_image_alt": "",
        "lead_image_caption": "",
        "lead_image_credit": "",
        "tags": "Transport",
        "related_headlines-TOTAL_FORMS": "0",
        "related_headlines-INITIAL_FORMS": "0",
        "related_headlines-MIN_NUM_FORMS": "0",
        "related_headlines-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_the_migration_creates_both_role_groups_with_exactly_their_permissions():
    for role, wanted in ROLE_PERMISSIONS.items():
        granted = {
            (permission.content_type.app_label, permission.codename)
            for permission in Group.objects.get(name=role).permissions.select_related("content_type")
        }
        assert granted == set(wanted), role


# Reporter: allowed paths


def test_reporter_writes_a_draft_and_becomes_its_author(reporter):
    client = logged_in(reporter)
    response = client.post(reverse("admin:articles_article_add"), new_story_data())

    assert response.status_code == 302, response.content.decode()[:2000]
    story = Article.objects.get(slug="ferry-fares-rise")
    assert story.created_by == reporter and story.status == Article.Status.DRAFT
    assert story.revisions.get().user == reporter


def test_reporter_form_offers_only_draft_and_review_and_no_publication_time(reporter):
    page = logged_in(reporter).get(reverse("admin:articles_article_add")).content.decode()
    assert 'value="draft"' in page and 'value="in_review"' in page
    assert 'value="published"' not in page and 'value="unpublished"' not in page
    assert 'name="published_at_0"' not in page


def test_reporter_submits_own_draft_for_review_through_the_form_and_the_action(reporter):
    client = logged_in(reporter)
    by_form = make_article(status=Article.Status.DRAFT, created_by=reporter)
    by_action = make_article(status=Article.Status.DRAFT, created_by=reporter)

    response = client.post(
        reverse("admin:articles_article_change", args=[by_form.pk]), admin_article_data(by_form, status="in_review")
    )
    assert response.status_code == 302
    client.post(reverse(CHANGELIST), {"action": "submit_for_review", "_selected_action": [by_action.pk]})

    assert Article.objects.get(pk=by_form.pk).status == Article.Status.IN_REVIEW
    assert Article.objects.get(pk=by_action.pk).status == Article.Status.IN_REVIEW
    assert Article.objects.get(pk=by_action.pk).revisions.get().message == "Submitted for review"


def test_reporter_deletes_own_draft(reporter):
    draft = make_article(status=Article.Status.DRAFT, created_by=reporter)
    response = logged_in(reporter).post(reverse("admin:articles_article_delete", args=[draft.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Article.objects.filter(pk=draft.pk).exists()


def test_reporter_changelist_costs_a_fixed_number_of_queries(reporter, django_assert_max_num_queries):
    for number in range(40):
        make_article(tags=[f"tag-{number}", "common"], created_by=reporter if number % 2 else None)
    client = logged_in(reporter)
    with django_assert_max_num_queries(14):
        response = client.get(reverse(CHANGELIST))
    assert response.content.decode().count('class="action-select"') == 40


def test_reporter_sees_own_stories_and_live_ones_but_not_others_unpublished_work(reporter, other_reporter):
    make_article("Rita's draft", status=Article.Status.DRAFT, created_by=reporter)
    make_article("Otto's draft", status=Article.Status.DRAFT, created_by=other_reporter)
    make_article("Otto's live story", created_by=other_reporter)

    page = logged_in(reporter).get(reverse(CHANGELIST)).content.decode()

    assert "Rita&#x27;s draft" in page and "Otto&#x27;s live story" in page
    assert "Otto&#x27;s draft" not in page


# Reporter: refused paths


def test_forged_post_from_reporter_cannot_publish_a_new_story(reporter):
    data = new_story_data(status="published", published_at_0="2026-01-01", published_at_1="09:00:00")
    response = logged_in(reporter).post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Article.objects.exists()


def test_forged_post_from_reporter_cannot_publish_or_schedule_own_draft(reporter):
    draft = make_article(status=Article.Status.DRAFT, created_by=reporter)
    client = logged_in(reporter)
    url = reverse("admin:articles_article_change", args=[draft.pk])

    refused = client.post(url, admin_article_data(draft, status="published"))
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()

    # The publication time is read-only for reporters: a posted one is ignored.
    client.post(url, admin_article_data(draft, published_at_0="2030-01-01", published_at_1="09:00:00"))
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT and draft.published_at is None


def test_reporter_has_no_publish_unpublish_or_bulk_delete_actions_and_forged_ones_do_nothing(reporter):
    own = make_article(status=Article.Status.IN_REVIEW, created_by=reporter)
    live = make_article(created_by=reporter)
    client = logged_in(reporter)

    page = client.get(reverse(CHANGELIST)).content.decode()
    assert 'value="submit_for_review"' in page
    assert 'value="publish"' not in page and 'value="unpublish"' not in page and "delete_selected" not in page

    for action in ("publish", "unpublish", "delete_selected"):
        client.post(
            reverse(CHANGELIST),
            {"action": action, "_selected_action": [own.pk, live.pk], "post": "yes", "confirm": action},
        )
    own.refresh_from_db()
    live.refresh_from_db()
    assert own.status == Article.Status.IN_REVIEW and live.is_published


def test_reporter_cannot_change_or_delete_own_story_once_published(reporter):
    live = make_article(created_by=reporter, headline="Live story")
    client = logged_in(reporter)
    url = reverse("admin:articles_article_change", args=[live.pk])

    page = client.get(url).content.decode()
    assert "View article" in page and 'name="_save"' not in page
    assert client.post(url, admin_article_data(live, headline="Edited")).status_code == 403
    assert client.post(reverse("admin:articles_article_delete", args=[live.pk]), {"post": "yes"}).status_code == 403
    live.refresh_from_db()
    assert live.headline == "Live story"


def test_reporter_cannot_reach_or_change_another_reporters_stories(reporter, other_reporter):
    draft = make_article(status=Article.Status.DRAFT, created_by=other_reporter, headline="Otto's draft")
    live = make_article(created_by=other_reporter, headline="Otto's live story")
    client = logged_in(reporter)

    # Another reporter's draft does not exist for them: the admin sends them away.
    response = client.get(reverse("admin:articles_article_change", args=[draft.pk]))
    assert response.status_code == 302 and response.url == reverse("admin:index")
    assert client.post(reverse("admin:articles_article_change", args=[draft.pk]), admin_article_data(draft)).url == (
        reverse("admin:index")
    )
    # A live story may be read (to link it), not changed, deleted or given a history.
    url = reverse("admin:articles_article_change", args=[live.pk])
    assert client.post(url, admin_article_data(live, headline="Hijacked")).status_code == 403
    assert client.post(reverse("admin:articles_article_delete", args=[live.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:articles_article_revisions", args=[live.pk])).status_code == 403

    draft.refresh_from_db()
    live.refresh_from_db()
    assert draft.headline == "Otto's draft" and live.headline == "Otto's live story"


def test_reporter_reads_the_history_of_own_story_but_cannot_restore(reporter):
    draft = make_article(status=Article.Status.DRAFT, created_by=reporter)
    first = draft.record_revision(reporter, "first")
    draft.record_revision(reporter, "second")
    client = logged_in(reporter)

    history = client.get(reverse("admin:articles_article_revisions", args=[draft.pk])).content.decode()
    assert "first" in history and "Restore…" not in history
    restore = reverse("admin:articles_article_revision_restore", args=[draft.pk, first.number])
    assert client.post(restore).status_code == 403


def test_reporter_cannot_change_people_or_tags(reporter):
    client = logged_in(reporter)
    assert client.get(reverse("admin:articles_person_add")).status_code == 200
    assert client.post(reverse("admin:taggit_tag_add"), {"name": "X", "slug": "x"}).status_code == 403


# Editor


def test_editor_publishes_schedules_unpublishes_and_deletes(editor, reporter):
    in_review = make_article(status=Article.Status.IN_REVIEW, created_by=reporter)
    to_schedule = make_article(status=Article.Status.IN_REVIEW, created_by=reporter)
    client = logged_in(editor)

    client.post(reverse(CHANGELIST), {"action": "publish", "_selected_action": [in_review.pk], "confirm": "publish"})
    in_review.refresh_from_db()
    assert in_review.is_published

    response = client.post(
        reverse("admin:articles_article_change", args=[to_schedule.pk]),
        admin_article_data(to_schedule, status="published", published_at_0="2099-01-01", published_at_1="06:00:00"),
    )
    assert response.status_code == 302
    to_schedule.refresh_from_db()
    assert to_schedule.is_scheduled

    client.post(
        reverse(CHANGELIST), {"action": "unpublish", "_selected_action": [in_review.pk], "confirm": "unpublish"}
    )
    in_review.refresh_from_db()
    assert in_review.status == Article.Status.UNPUBLISHED

    client.post(reverse("admin:articles_article_delete", args=[in_review.pk]), {"post": "yes"})
    assert not Article.objects.filter(pk=in_review.pk).exists()


def test_editor_edits_anyones_published_story_and_its_people(editor, reporter):
    live = make_article(created_by=reporter)
    client = logged_in(editor)
    response = client.post(
        reverse("admin:articles_article_change", args=[live.pk]), admin_article_data(live, headline="Sharper")
    )
    assert response.status_code == 302
    assert Article.objects.get(pk=live.pk).headline == "Sharper"
    assert client.get(reverse("admin:articles_person_add")).status_code == 200


# Set-up command


def test_create_staff_user_puts_a_new_login_in_a_role_and_can_move_it(monkeypatch):
    monkeypatch.setenv("NEWSROOM_STAFF_PASSWORD", "harbour-lights-42")
    call_command("create_staff_user", "rosa", role="reporter", email="rosa@example.com", interactive=False)
    rosa = User.objects.get(username="rosa")
    assert rosa.is_staff and not rosa.is_superuser and rosa.check_password("harbour-lights-42")
    assert [group.name for group in rosa.groups.all()] == ["Reporter"]
    assert not rosa.has_perm("articles.publish_article")

    call_command("create_staff_user", "rosa", role="editor", interactive=False)
    rosa = User.objects.get(username="rosa")
    assert [group.name for group in rosa.groups.all()] == ["Editor"] and rosa.has_perm("articles.publish_article")


def test_create_staff_user_refuses_a_new_login_without_a_password_or_with_a_weak_one(monkeypatch):
    monkeypatch.delenv("NEWSROOM_STAFF_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="needs a password"):
        call_command("create_staff_user", "rosa", role="reporter", interactive=False)
    with pytest.raises(CommandError, match="too common"):
        call_command("create_staff_user", "rosa", role="reporter", password="password", interactive=False)
    assert not User.objects.filter(username="rosa").exists()


def test_create_staff_user_prompts_for_the_password_twice(monkeypatch):
    monkeypatch.delenv("NEWSROOM_STAFF_PASSWORD", raising=False)
    answers = iter(["harbour-lights-42", "harbour-lights-42"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    call_command("create_staff_user", "rosa", role="editor")
    assert User.objects.get(username="rosa").check_password("harbour-lights-42")
