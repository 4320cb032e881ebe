"""What a reporter can reach in the admin: every URL and every action, walked with a forged POST where
the screen offers nothing. Nothing of a story they may not read (another reporter's draft, an embargoed
scheduled story) shows, and nothing site-wide (tags) changes."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, RelatedHeadline, TagRedirect
from tests.factories import admin_article_data, make_article, make_staff
from tests.test_roles import logged_in, new_story_data

pytestmark = pytest.mark.django_db

SECRET_DRAFT = "Minister to resign over harbour deal"
EMBARGOED = "Quarterly figures show record losses"
SECRET_TAG = "Resignation watch"


@pytest.fixture
def newsroom_with_secrets():
    reporter = make_staff("rita", "reporter")
    other = make_staff("otto", "reporter")
    draft = make_article(SECRET_DRAFT, status=Article.Status.DRAFT, created_by=other, tags=[SECRET_TAG])
    embargoed = make_article(
        EMBARGOED, status=Article.Status.PUBLISHED, published_at=timezone.now() + timedelta(days=2), created_by=other
    )
    live = make_article("Ferry returns to the estuary", tags=["Transport", "Harbour"])
    own = make_article("Council meets on Tuesday", status=Article.Status.DRAFT, created_by=reporter, tags=["Council"])
    return {"reporter": reporter, "draft": draft, "embargoed": embargoed, "live": live, "own": own}


def assert_no_secret(response):
    content = response.content.decode(errors="replace")
    for secret in (SECRET_DRAFT, EMBARGOED, SECRET_TAG):
        assert secret not in content, (response.request["PATH_INFO"], secret)


def admin_urls(objects):
    """Every admin URL pattern, with object ids of hidden stories and tags filled in."""
    ids = {
        "articles_article": objects["draft"].pk,
        "taggit_tag": Tag.objects.get(name=SECRET_TAG).pk,
    }
    urls = []

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                name = pattern.name or ""
                model_key = next((key for key in ids if name.startswith(key)), None)
                object_id = ids.get(model_key, 1)
                route = route.replace("<path:object_id>", str(object_id)).replace("<int:number>", "1")
                route = route.replace("<str:app_label>", "articles").replace("<id>", "1")
                if "<" in route or "(?P" in route or "^" in route:
                    continue
                urls.append("/admin/" + route)

    walk(admin.site.get_urls(), "")
    return sorted(set(urls))


def test_a_reporter_walking_every_admin_url_sees_nothing_hidden(newsroom_with_secrets):
    reporter = logged_in(newsroom_with_secrets["reporter"])
    urls = admin_urls(newsroom_with_secrets)
    assert len(urls) > 20
    for url in urls:
        if url == reverse("admin:logout"):
            continue  # POST only, and it would end the walk
        response = reporter.get(url, follow=True)
        assert response.status_code in (200, 403, 404), url
        assert_no_secret(response)
    # The searches and filters too.
    for query in ("?q=Minister", "?q=Quarterly"):
        assert_no_secret(reporter.get(reverse("admin:articles_article_changelist") + query))
    # Filtering by the hidden tag's name finds nothing; the page only echoes what was typed (the box, the search).
    filtered = reporter.get(reverse("admin:articles_article_changelist"), {"tag": SECRET_TAG}).content.decode()
    assert SECRET_DRAFT not in filtered and EMBARGOED not in filtered
    assert filtered.count(SECRET_TAG) == filtered.count(f'value="{SECRET_TAG}"') >= 1
    for typed in ("Resign", "watch", "r"):
        assert_no_secret(reporter.get(reverse("admin:articles_article_tag_suggestions"), {"q": typed}))
    assert_no_secret(reporter.get(reverse("admin:taggit_tag_changelist") + "?q=Resignation"))


def test_a_reporters_tag_suggestions_name_only_tags_on_stories_they_can_see(newsroom_with_secrets):
    reporter = logged_in(newsroom_with_secrets["reporter"])
    suggestions = reverse("admin:articles_article_tag_suggestions")
    assert reporter.get(suggestions, {"q": "o"}).json() == {"tags": ["Council", "Harbour", "Transport"]}
    assert reporter.get(suggestions, {"q": "Resign"}).json() == {"tags": []}
    page = reporter.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "Council" in page and SECRET_TAG not in page


def test_autocomplete_offers_a_reporter_only_stories_they_may_read(newsroom_with_secrets):
    reporter = logged_in(newsroom_with_secrets["reporter"])
    for term in ("Minister", "Quarterly", "Ferry"):
        response = reporter.get(
            reverse("admin:autocomplete"),
            {"term": term, "app_label": "articles", "model_name": "relatedheadline", "field_name": "target"},
        )
        assert response.status_code == 200
        assert_no_secret(response)
    ferry = reporter.get(
        reverse("admin:autocomplete"),
        {"term": "Ferry", "app_label": "articles", "model_name": "relatedheadline", "field_name": "target"},
    )
    assert "Ferry returns" in ferry.content.decode()


@pytest.mark.parametrize("hidden", ["draft", "embargoed"])
def test_a_reporter_cannot_read_a_hidden_headline_through_a_related_headline_target(newsroom_with_secrets, hidden):
    objects = newsroom_with_secrets
    reporter = logged_in(objects["reporter"])
    own = objects["own"]
    data = admin_article_data(
        own,
        **{
            "related_headlines-TOTAL_FORMS": "1",
            "related_headlines-0-position": "1",
            "related_headlines-0-headline": "Read this",
            "related_headlines-0-target": str(objects[hidden].pk),
            "related_headlines-0-url": "",
        },
    )
    response = reporter.post(reverse("admin:articles_article_change", args=[own.pk]), data)
    assert response.status_code == 200  # the form again, with the error
    assert "Select a valid choice" in response.content.decode()
    assert_no_secret(response)
    assert not RelatedHeadline.objects.filter(article=own).exists()
    assert_no_secret(reporter.get(reverse("admin:articles_article_change", args=[own.pk])))


def test_a_reporter_may_still_link_a_live_story(newsroom_with_secrets):
    objects = newsroom_with_secrets
    reporter = logged_in(objects["reporter"])
    own, live = objects["own"], objects["live"]
    data = admin_article_data(
        own,
        **{
            "related_headlines-TOTAL_FORMS": "1",
            "related_headlines-0-position": "1",
            "related_headlines-0-headline": live.headline,
            "related_headlines-0-target": str(live.pk),
            "related_headlines-0-url": "",
        },
    )
    response = reporter.post(reverse("admin:articles_article_change", args=[own.pk]), data)
    assert response.status_code == 302
    assert RelatedHeadline.objects.get(article=own).target == live


def test_every_tag_action_and_view_that_changes_tags_is_refused_to_a_reporter(newsroom_with_secrets):
    reporter = logged_in(newsroom_with_secrets["reporter"])
    transport, harbour = Tag.objects.get(name="Transport"), Tag.objects.get(name="Harbour")
    changelist = reverse("admin:taggit_tag_changelist")
    for action in ("merge_selected", "delete_selected"):
        reporter.post(
            changelist,
            {"action": action, "_selected_action": [transport.pk, harbour.pk], "kept": transport.pk, "post": "yes"},
        )
    reporter.post(reverse("admin:taggit_tag_change", args=[harbour.pk]), {"name": "Port", "slug": "port"})
    reporter.post(reverse("admin:taggit_tag_delete", args=[harbour.pk]), {"post": "yes"})
    reporter.post(reverse("admin:taggit_tag_add"), {"name": "New", "slug": "new"})

    assert set(Tag.objects.values_list("name", flat=True)) == {"Transport", "Harbour", "Council", SECRET_TAG}
    assert set(newsroom_with_secrets["live"].tags.names()) == {"Transport", "Harbour"}
    assert not TagRedirect.objects.exists()


def test_every_article_action_a_reporter_forges_leaves_hidden_stories_alone(newsroom_with_secrets):
    objects = newsroom_with_secrets
    reporter = logged_in(objects["reporter"])
    hidden = [objects["draft"], objects["embargoed"], objects["live"]]
    before = {article.pk: (article.status, article.version) for article in hidden}
    for action in [*admin.site.get_model_admin(Article).actions, "delete_selected"]:
        reporter.post(
            reverse("admin:articles_article_changelist"),
            {"action": action, "_selected_action": [article.pk for article in hidden], "post": "yes"},
        )
    after = {article.pk: (article.status, article.version) for article in Article.objects.filter(pk__in=before)}
    assert after == before


def test_an_editor_still_merges_tags(newsroom_with_secrets):
    editor = logged_in(make_staff("edna", "editor"))
    transport, harbour = Tag.objects.get(name="Transport"), Tag.objects.get(name="Harbour")
    response = editor.post(
        reverse("admin:taggit_tag_changelist"),
        {"action": "merge_selected", "_selected_action": [transport.pk, harbour.pk], "kept": transport.pk},
    )
    assert response.status_code == 302
    assert not Tag.objects.filter(name="Harbour").exists()
    assert TagRedirect.objects.filter(old_slug=harbour.slug).exists()


def test_a_reporter_creating_a_story_cannot_target_a_hidden_one(newsroom_with_secrets):
    objects = newsroom_with_secrets
    reporter = logged_in(objects["reporter"])
    data = new_story_data(
        **{
            "related_headlines-TOTAL_FORMS": "1",
            "related_headlines-0-position": "1",
            "related_headlines-0-headline": "Read this",
            "related_headlines-0-target": str(objects["draft"].pk),
            "related_headlines-0-url": "",
        }
    )
    response = reporter.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 200
    assert_no_secret(response)
