import re
from datetime import timedelta

import feedparser
import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Correction
from tests.factories import admin_article_data, make_article, make_correction, make_staff
from tests.test_metadata import json_ld_items

pytestmark = pytest.mark.django_db


def desk_user(username="desk", *codenames):
    """Staff who may publish stories, holding only the given other story and correction permissions."""
    user = User.objects.create_user(username, f"{username}@example.com", "pw", is_staff=True)
    codenames = ("publish_article", *codenames)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="articles", codename__in=codenames))
    return user


def story_form(article, *corrections, initial=0):
    """The change form of a published story as the admin posts it, with the given correction rows."""
    data = {
        **admin_article_data(article),
        "corrections-TOTAL_FORMS": str(len(corrections)),
        "corrections-INITIAL_FORMS": str(initial),
    }
    for index, row in enumerate(corrections):
        data.update({f"corrections-{index}-{name}": value for name, value in row.items()})
        data[f"corrections-{index}-article"] = str(article.pk)
    return data


def not_edited_since_publication(article):
    """Pretend the story was entered and last saved when it went out, so only corrections make it 'updated'."""
    Article.objects.filter(pk=article.pk).update(created_at=article.published_at, updated_at=article.published_at)


def page_of(client, article):
    return client.get(article.get_absolute_url()).content.decode()


def test_editor_appends_a_correction_in_the_admin_and_readers_see_it(client):
    article = make_article("Harbour fees rise", body="Fees rise by 40%.")
    desk = desk_user("desk", "change_article", "view_article", "add_correction", "view_correction")
    client.force_login(desk)
    form = story_form(article, {"kind": "correction", "text": "Fees rise by 14%, not 40%."})

    response = client.post(reverse("admin:articles_article_change", args=[article.pk]), form)

    assert response.status_code == 302
    correction = Correction.objects.get(article=article)
    assert correction.kind == Correction.Kind.CORRECTION and correction.created_by == desk
    client.logout()
    page = page_of(client, article)
    assert "Corrections and updates" in page and "Fees rise by 14%, not 40%." in page
    assert f'<time datetime="{correction.created_at.isoformat(timespec="seconds")}"' in page


def test_correcting_a_story_marks_it_updated_at_the_time_of_the_note(client):
    article = make_article("Bridge reopens")
    not_edited_since_publication(article)
    assert "Updated" not in page_of(client, article)

    correction = make_correction(article, created_at=article.published_at + timedelta(hours=2))
    article.refresh_from_db()

    assert article.modified_at == correction.created_at
    page = page_of(client, article)
    assert f'Updated <time datetime="{correction.created_at.isoformat(timespec="seconds")}">' in page


def test_an_untouched_story_was_last_modified_when_it_was_published():
    article = make_article()
    not_edited_since_publication(article)
    article.refresh_from_db()
    assert not article.was_updated and article.modified_at == article.published_at


def test_a_later_edit_still_wins_over_an_older_note():
    article = make_article()
    not_edited_since_publication(article)
    edited = article.published_at + timedelta(hours=3)
    Article.objects.filter(pk=article.pk).update(updated_at=edited)

    make_correction(article, created_at=article.published_at + timedelta(hours=1))

    article.refresh_from_db()
    assert article.modified_at == edited


MINUTE = timedelta(minutes=1)


@pytest.mark.parametrize(
    "published, updated, notes",
    [
        (0, 0, []),  # untouched since it went out
        (0, 0.5, []),  # saved within the slack of putting it out
        (0, 180, [60]),  # edited after an older note
        (0, 0, [120, 300]),  # notes only
        (-2880, 0.2, []),  # entered back-dated (an import), not edited since
        (-2880, 120, [30]),  # entered back-dated, edited later
        (None, 120, []),  # never went out, edited
        (None, 0.5, []),  # never went out, saved once
    ],
)
def test_the_story_page_dates_a_story_by_the_same_rule_as_every_listing(
    published, updated, notes, django_assert_num_queries
):
    """The page works its last change out from the notes it loads; lists ask the database: same answers."""
    entered = timezone.now() - timedelta(days=10)
    article = make_article(status=Article.Status.DRAFT)
    Article.objects.filter(pk=article.pk).update(
        created_at=entered,
        published_at=None if published is None else entered + published * MINUTE,
        updated_at=entered + updated * MINUTE,
    )
    for minutes in notes:
        make_correction(article, created_at=entered + minutes * MINUTE)

    listed = Article.objects.with_last_change().get(pk=article.pk)
    page = Article.objects.for_page().get(pk=article.pk)
    with django_assert_num_queries(0):
        assert page.modified_at == listed.modified_at


def test_a_note_moves_the_story_date_in_feeds_and_sitemaps(client):
    article = make_article()
    not_edited_since_publication(article)
    note = make_correction(article, created_at=article.published_at + timedelta(days=1))

    entry = feedparser.parse(client.get(reverse("articles:latest_atom_feed")).content).entries[0]
    sitemap = client.get(reverse("articles:sitemap_section", kwargs={"section": "articles"})).content.decode()

    assert entry.updated_parsed[:6] == note.created_at.utctimetuple()[:6]
    assert f"<lastmod>{note.created_at.date().isoformat()}</lastmod>" in sitemap


def test_fixing_an_old_note_does_not_move_the_story_date():
    article = make_article()
    not_edited_since_publication(article)
    note = make_correction(article, created_at=article.published_at + timedelta(hours=1))
    Article.objects.filter(pk=article.pk).update(updated_at=article.published_at + timedelta(hours=5))

    note.text = "Fixed a typo."
    note.save()

    article.refresh_from_db()
    assert article.updated_at == article.published_at + timedelta(hours=5)


def test_notes_show_oldest_first_with_kind_and_escaped_text(client):
    article = make_article()
    published = article.published_at
    make_correction(article, "Second note", kind=Correction.Kind.UPDATE, created_at=published + timedelta(hours=3))
    make_correction(article, "First <b>note</b>", created_at=published + timedelta(hours=1))

    page = page_of(client, article)
    notes = page.split('id="corrections-heading"')[1]

    assert notes.index("First &lt;b&gt;note&lt;/b&gt;") < notes.index("Second note")
    assert "<strong>Update</strong>" in page and "<strong>Correction</strong>" in page
    assert "<b>note</b>" not in page


def test_a_fixed_typo_keeps_the_time_readers_saw(client):
    article = make_article()
    note = make_correction(article, "The mayor is Ada Lindqvst.", created_at=article.published_at + timedelta(hours=1))
    client.force_login(desk_user("desk", "change_article", "view_article", "change_correction", "view_correction"))
    form = story_form(
        article, {"id": str(note.pk), "kind": "correction", "text": "The mayor is Ada Lindqvist."}, initial=1
    )

    response = client.post(reverse("admin:articles_article_change", args=[article.pk]), form)

    assert response.status_code == 302, response.context["errors"]
    fixed = Correction.objects.get(pk=note.pk)
    assert fixed.text == "The mayor is Ada Lindqvist." and fixed.created_at == note.created_at


def test_only_users_allowed_to_add_corrections_can_append_them(client):
    article = make_article()
    client.force_login(desk_user("reporter", "change_article", "view_article", "view_correction"))
    form = story_form(article, {"kind": "correction", "text": "Sneaky note."})

    client.post(reverse("admin:articles_article_change", args=[article.pk]), form)

    assert not Correction.objects.exists()
    client.force_login(User.objects.create_superuser("chief", "chief@example.com", "pw"))
    article.refresh_from_db()  # the first save moved the story's version on
    form = story_form(article, {"kind": "correction", "text": "Sneaky note."})
    client.post(reverse("admin:articles_article_change", args=[article.pk]), form)
    assert Correction.objects.get().text == "Sneaky note."


def test_drafts_have_no_corrections_inline(client):
    draft = make_article(status=Article.Status.DRAFT)
    published = make_article()
    client.force_login(User.objects.create_superuser("chief", "chief@example.com", "pw"))

    assert (
        "corrections-TOTAL_FORMS"
        not in client.get(reverse("admin:articles_article_change", args=[draft.pk])).content.decode()
    )
    assert (
        "corrections-TOTAL_FORMS"
        in client.get(reverse("admin:articles_article_change", args=[published.pk])).content.decode()
    )


@pytest.fixture
def notes_on_every_kind_of_story():
    now = timezone.now()
    live = make_article("Live story", published_at=now - timedelta(days=1))
    return {
        "older": make_correction(live, "Older note", created_at=now - timedelta(hours=5)),
        "newer": make_correction(live, "Newer note", kind=Correction.Kind.UPDATE, created_at=now - timedelta(hours=1)),
        "draft": make_correction(make_article(status=Article.Status.DRAFT), "Note on a draft"),
        "scheduled": make_correction(make_article(published_at=now + timedelta(days=1)), "Note on a scheduled story"),
        "taken down": make_correction(make_article(status=Article.Status.UNPUBLISHED), "Note on a removed story"),
    }


def test_corrections_page_lists_notes_on_published_stories_newest_first(client, notes_on_every_kind_of_story):
    newer = notes_on_every_kind_of_story["newer"]

    page = client.get(reverse("articles:corrections")).content.decode()

    assert page.index("Newer note") < page.index("Older note")
    assert f'<a href="{newer.article.get_absolute_url()}#correction-{newer.pk}">Live story</a>' in page
    assert f'<time datetime="{newer.created_at.isoformat(timespec="seconds")}"' in page
    assert "<strong>Update</strong>" in page
    for hidden in ["Note on a draft", "Note on a scheduled story", "Note on a removed story"]:
        assert hidden not in page


def test_corrections_page_is_paginated(client, settings):
    settings.ARTICLES_PER_PAGE = 2
    article = make_article()
    for hour in range(3):
        make_correction(article, f"Note {hour}", created_at=timezone.now() - timedelta(hours=hour))

    second = client.get(reverse("articles:corrections"), {"page": 2}).content.decode()

    assert "Note 2" in second and "Note 0" not in second
    assert client.get(reverse("articles:corrections"), {"page": 3}).status_code == 404


@pytest.mark.parametrize("url_name", ["articles:corrections_feed", "articles:corrections_atom_feed"])
def test_corrections_feeds_are_valid_and_newest_first(client, notes_on_every_kind_of_story, url_name):
    newer = notes_on_every_kind_of_story["newer"]

    feed = feedparser.parse(client.get(reverse(url_name)).content)

    assert feed.bozo == 0, feed.get("bozo_exception")
    assert [entry.summary for entry in feed.entries] == ["Newer note", "Older note"]
    assert feed.entries[0].title == "Update: Live story"
    assert feed.entries[0].link == f"http://testserver{newer.get_absolute_url()}"
    assert feed.feed.title.startswith("Corrections and updates")
    assert any(link.href == f"http://testserver{reverse(url_name)}" for link in feed.feed.links if link.rel == "self")


def test_feed_escapes_note_text(client):
    make_correction(make_article(), "Costs <rose> & fell")
    body = client.get(reverse("articles:corrections_feed")).content.decode()
    assert "Costs &amp;lt;rose&amp;gt; &amp;amp; fell" in body


def test_correction_comment_for_json_ld():
    article = make_article()
    note = make_correction(article, "The vote was 5-4.", kind=Correction.Kind.CLARIFICATION)
    assert note.as_correction_comment() == {
        "@type": "CorrectionComment",
        "text": "Clarification: The vote was 5-4.",
        "datePublished": note.created_at.isoformat(),
    }


@pytest.mark.parametrize("count", [1, 30])
def test_corrections_cost_no_extra_queries_per_note(client, django_assert_max_num_queries, count):
    article = make_article(tags=["Harbour"])
    make_article(tags=["Harbour"])
    for number in range(count):
        make_correction(article, f"Note number {number}", created_at=timezone.now() - timedelta(minutes=number))

    client.get(reverse("articles:front_page"))  # the header's sections are cached from here on
    with django_assert_max_num_queries(8):
        page = page_of(client, article)
    with django_assert_max_num_queries(3):
        listing = client.get(reverse("articles:corrections")).content.decode()
    with django_assert_max_num_queries(2):
        client.get(reverse("articles:corrections_feed"))

    assert f"Note number {count - 1}" in page and "Note number 0" in listing
    assert len(re.findall(r'id="correction-\d+"', page)) == count


def test_corrections_appear_in_the_story_json_ld_with_a_later_date_modified(client):
    story = make_article()
    Article.objects.filter(pk=story.pk).update(created_at=story.published_at, updated_at=story.published_at)
    correction = make_correction(
        story, "An earlier version misstated the cost of the seawall.", kind=Correction.Kind.CORRECTION
    )

    page = client.get(story.get_absolute_url()).content.decode()

    article_data = next(item for item in json_ld_items(page) if item["@type"] == "NewsArticle")
    assert article_data["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": "Correction: An earlier version misstated the cost of the seawall.",
            "datePublished": correction.created_at.isoformat(),
        }
    ]
    assert article_data["dateModified"] >= correction.created_at.isoformat(timespec="seconds")


def test_the_editor_role_appends_corrections(client):
    article = make_article()
    client.force_login(make_staff("edna", "editor"))

    client.post(
        reverse("admin:articles_article_change", args=[article.pk]),
        story_form(article, {"kind": "update", "text": "Police have since named the driver."}),
    )

    assert Correction.objects.get().text == "Police have since named the driver."
