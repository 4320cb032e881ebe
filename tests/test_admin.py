from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, RelatedHeadline
from tests.factories import image_file, make_article, make_person

pytestmark = pytest.mark.django_db

# The story change form with three each of tags, people, headlines and pins, and its save (measured on SQLite).
# Both still grow with the rows: each story picker loads its chosen story, and the save checks each row's links and
# looks each tag up by name; these pins catch any new cost on top.
CHANGE_FORM_QUERIES = 23
SAVE_QUERIES = 75


@pytest.fixture
def editor_client(client):
    client.force_login(User.objects.create_superuser("chief", "chief@example.com", "pw"))
    return client


def inline_management(prefix, total, initial):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def article_form(**overrides):
    data = {
        "headline": "Harbour bridge reopens after repairs",
        "slug": "harbour-bridge-reopens",
        "summary": "Traffic flows again.",
        "body": "The bridge reopened on Monday.\n\nRepairs took six weeks.",
        "byline": "Staff",
        "dateline": "PORT ALDER",
        "source": "Newsroom",
        "status": "published",
        "published_at_0": "2026-11-20",
        "published_at_1": "09:30:00",
        "lead_shape": "free",
        "lead_image_alt": "",
        "lead_image_caption": "",
        "lead_image_credit": "",
        "tags": "Harbour, Transport",
        **inline_management("related_headlines", 0, 0),
        **inline_management("corrections", 0, 0),
        **inline_management("pinned_stories", 0, 0),
        **inline_management("excluded_stories", 0, 0),
    }
    data.update(overrides)
    return data


def test_editor_adds_a_story_with_tags_people_and_headlines_that_readers_then_see(editor_client):
    reader = Client()
    mayor = make_person("Ada Lindqvist", slug="ada-lindqvist", role="Mayor")
    target = make_article("Bridge closed for repairs", slug="bridge-closed")
    data = article_form(
        people=[str(mayor.pk)],
        lead_image=image_file(),
        lead_image_alt="The bridge at dawn",
        **inline_management("related_headlines", 2, 0),
        **{
            "related_headlines-0-position": "1",
            "related_headlines-0-headline": "Bridge closed for repairs",
            "related_headlines-0-target": str(target.pk),
            "related_headlines-1-position": "2",
            "related_headlines-1-headline": "Ferry timetable changes",
            "related_headlines-1-url": "https://example.com/ferry",
        },
    )

    response = editor_client.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    article = Article.objects.get(slug="harbour-bridge-reopens")
    assert sorted(tag.name for tag in article.tags.all()) == ["Harbour", "Transport"]
    assert list(article.people.all()) == [mayor]
    assert [h.headline for h in article.related_headlines.all()] == [
        "Bridge closed for repairs",
        "Ferry timetable changes",
    ]
    assert article.lead_library_picture.width == 1200

    page = reader.get(article.get_absolute_url()).content.decode()
    assert "Harbour bridge reopens after repairs" in page and "Ada Lindqvist" in page
    assert 'href="https://example.com/ferry"' in page and "/tags/transport/" in page
    assert "Harbour bridge reopens after repairs" in reader.get(reverse("articles:front_page")).content.decode()


def test_draft_saved_in_admin_stays_off_the_site(editor_client):
    reader = Client()
    editor_client.post(reverse("admin:articles_article_add"), article_form(status="draft", slug="quiet-draft"))
    article = Article.objects.get(slug="quiet-draft")
    assert reader.get(article.get_absolute_url()).status_code == 404
    assert "Harbour bridge" not in reader.get(reverse("articles:front_page")).content.decode()


def test_a_story_saved_as_published_without_a_time_goes_out_now(editor_client):
    # It used to fail on the database constraint ("published_article_has_date"); see tests/test_publishing.py.
    response = editor_client.post(
        reverse("admin:articles_article_add"), article_form(published_at_0="", published_at_1="")
    )
    assert response.status_code == 302
    story = Article.objects.get()
    assert story.is_published and timezone.now() - story.published_at < timedelta(minutes=1)


def test_editor_reorders_and_removes_headlines_in_one_save(editor_client):
    article = make_article(related_headlines=["First", "Second", "Third"])
    first, second, third = article.related_headlines.all()
    data = article_form(
        headline=article.headline,
        slug=article.slug,
        opened_version=str(article.version),
        **inline_management("related_headlines", 3, 3),
        **{
            "related_headlines-0-id": str(first.pk),
            "related_headlines-0-article": str(article.pk),
            "related_headlines-0-position": "2",
            "related_headlines-0-headline": "First",
            "related_headlines-1-id": str(second.pk),
            "related_headlines-1-article": str(article.pk),
            "related_headlines-1-position": "1",
            "related_headlines-1-headline": "Second",
            "related_headlines-2-id": str(third.pk),
            "related_headlines-2-article": str(article.pk),
            "related_headlines-2-position": "3",
            "related_headlines-2-headline": "Third",
            "related_headlines-2-DELETE": "on",
        },
    )

    response = editor_client.post(reverse("admin:articles_article_change", args=[article.pk]), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert [(h.position, h.headline) for h in article.related_headlines.all()] == [(1, "Second"), (2, "First")]


def test_duplicate_headline_positions_are_refused_with_a_message(editor_client):
    data = article_form(
        **inline_management("related_headlines", 2, 0),
        **{
            "related_headlines-0-position": "1",
            "related_headlines-0-headline": "One",
            "related_headlines-1-position": "1",
            "related_headlines-1-headline": "Two",
        },
    )
    response = editor_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 200
    assert "Please correct the duplicate data for position." in response.content.decode()
    assert not RelatedHeadline.objects.exists()


def test_rows_added_without_a_position_go_after_the_others(editor_client):
    pinned = make_article("Old bridge closure")
    data = article_form(
        **inline_management("related_headlines", 3, 0),
        **inline_management("pinned_stories", 1, 0),
        **{
            "related_headlines-0-position": "",
            "related_headlines-0-headline": "Typed first, no number",
            "related_headlines-1-position": "2",
            "related_headlines-1-headline": "Numbered two",
            "related_headlines-2-position": "",
            "related_headlines-2-headline": "",  # the blank row a click on "Add another" leaves
            "pinned_stories-0-story": str(pinned.pk),
        },
    )

    response = editor_client.post(reverse("admin:articles_article_add"), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    article = Article.objects.get(slug="harbour-bridge-reopens")
    assert [(h.position, h.headline) for h in article.related_headlines.all()] == [
        (2, "Numbered two"),
        (3, "Typed first, no number"),
    ]
    assert [(pin.position, pin.story_id) for pin in article.pinned_stories.all()] == [(1, pinned.pk)]


def test_the_change_form_and_its_save_cost_a_fixed_number_of_queries(editor_client, django_assert_max_num_queries):
    from tests.factories import admin_article_data

    people = [make_person() for _ in range(3)]
    story = make_article(
        tags=["Harbour", "Transport", "Budget"], people=people, related_headlines=["One", "Two", "Three"]
    )
    for other in [make_article() for _ in range(3)]:
        story.pinned_stories.create(story=other, position=other.pk)
    story.record_revision(None, "Imported")
    change = reverse("admin:articles_article_change", args=[story.pk])

    with django_assert_max_num_queries(CHANGE_FORM_QUERIES):
        assert editor_client.get(change).status_code == 200
    with django_assert_max_num_queries(SAVE_QUERIES):
        response = editor_client.post(change, admin_article_data(story, summary="Traffic flows again."))
    assert response.status_code == 302


def test_publish_and_unpublish_actions(editor_client):
    draft = make_article(status=Article.Status.DRAFT)
    changelist = reverse("admin:articles_article_changelist")

    editor_client.post(changelist, {"action": "publish", "_selected_action": [draft.pk], "confirm": "publish"})
    draft.refresh_from_db()
    assert draft.is_published

    editor_client.post(changelist, {"action": "unpublish", "_selected_action": [draft.pk], "confirm": "unpublish"})
    draft.refresh_from_db()
    assert draft.status == Article.Status.UNPUBLISHED


def test_changelist_filters_by_tag_and_searches_bodies(editor_client):
    make_article("About the harbour", tags=["Harbour"], body="Dredging starts soon.")
    make_article("About the budget", tags=["Budget"], body="Council votes.")
    changelist = reverse("admin:articles_article_changelist")

    by_tag = editor_client.get(changelist, {"tag": "harbour"})
    assert "About the harbour" in by_tag.content.decode() and "About the budget" not in by_tag.content.decode()

    found = editor_client.get(changelist, {"q": "Dredging"}).content.decode()
    assert "About the harbour" in found and "About the budget" not in found


def test_people_autocomplete_finds_by_alias(editor_client):
    make_person("Vladimir Putin", aliases="Putin\nV. Putin")
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "article", "field_name": "people", "term": "V. Put"},
    )
    assert [result["text"] for result in response.json()["results"]] == ["Vladimir Putin"]


@pytest.mark.parametrize(
    "url_name", ["admin:articles_article_changelist", "admin:articles_person_changelist", "admin:taggit_tag_changelist"]
)
def test_changelists_cost_a_fixed_number_of_queries(editor_client, django_assert_max_num_queries, url_name):
    people = [make_person() for _ in range(5)]
    for n in range(40):
        make_article(tags=[f"tag-{n}", "common"], people=people, lead_image=image_file() if n < 2 else "")

    with django_assert_max_num_queries(14):
        response = editor_client.get(reverse(url_name))
    assert response.status_code == 200


def test_person_changelist_counts_stories(editor_client):
    mayor = make_person("Ada Lindqvist")
    make_article(people=[mayor])
    make_article(people=[mayor], status=Article.Status.DRAFT)
    page = editor_client.get(reverse("admin:articles_person_changelist")).content.decode()
    assert '<td class="field-article_count">2</td>' in page
