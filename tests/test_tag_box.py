"""Tags in the admin: typed as names separated by commas and shown back as typed (no quotes added), suggested as
the editor types, and filtered on the story list through a box rather than a link for every tag."""

import pytest
from django.urls import reverse
from taggit.models import Tag

from articles import tag_names
from articles.models import Article, TaggedArticle
from tests.factories import admin_article_data, make_article, make_staff

pytestmark = pytest.mark.django_db


class Named:
    def __init__(self, name):
        self.name = name


@pytest.mark.parametrize(
    ("typed", "names"),
    [
        ("New York", ["New York"]),
        ("Harbour, New York", ["Harbour", "New York"]),
        ("  new   york ,Harbour,, ", ["Harbour", "new york"]),
        ("Harbour, harbour, HARBOUR", ["Harbour"]),
        ('"Smith, John", Harbour', ["Harbour", "Smith, John"]),
        ("", []),
    ],
)
def test_tags_are_names_separated_by_commas(typed, names):
    assert tag_names.parse(typed) == names


def test_names_come_back_as_typed_and_read_back_the_same():
    tags = [Named("New York"), Named("Harbour"), Named("Smith, John")]
    line = tag_names.join(tags)
    assert line == 'Harbour, New York, "Smith, John"'
    assert tag_names.parse(line) == ["Harbour", "New York", "Smith, John"]


@pytest.fixture
def editor_client(client):
    client.force_login(make_staff("edna", "editor"))
    return client


def test_a_saved_story_shows_its_tags_without_quotes(editor_client):
    story = make_article("Harbour bridge reopens", tags=["Harbour"])
    change = reverse("admin:articles_article_change", args=[story.pk])

    response = editor_client.post(change, admin_article_data(story, tags="Harbour, New York City"))

    assert response.status_code == 302
    assert sorted(tag.name for tag in story.tags.all()) == ["Harbour", "New York City"]
    page = editor_client.get(change).content.decode()
    assert 'value="Harbour, New York City"' in page and "&quot;" not in page.split('name="tags"')[1][:200]
    # Saved again untouched, nothing changes (a quoted value read back would have made "New", "York", "City").
    assert editor_client.post(change, admin_article_data(Article.objects.get(pk=story.pk))).status_code == 302
    assert sorted(tag.name for tag in story.tags.all()) == ["Harbour", "New York City"]


def test_suggestions_start_with_what_was_typed_then_the_most_used(editor_client):
    make_article(tags=["Harbour", "Harbour master"])
    make_article(tags=["Harbour master", "Dockyard harbours"])
    make_article(tags=["Budget"])
    suggestions = reverse("admin:articles_article_tag_suggestions")

    assert editor_client.get(suggestions, {"q": "harb"}).json() == {
        "tags": ["Harbour master", "Harbour", "Dockyard harbours"]
    }
    assert editor_client.get(suggestions, {"q": "  "}).json() == {"tags": []}
    assert editor_client.get(suggestions, {"q": "zzz"}).json() == {"tags": []}


def test_the_story_list_filters_by_a_typed_tag_and_keeps_its_other_choices(editor_client):
    make_article("About the harbour", tags=["Harbour"])
    make_article("About the budget", tags=["Budget"])
    make_article("Harbour draft", tags=["Harbour"], status=Article.Status.DRAFT, published_at=None)
    changelist = reverse("admin:articles_article_changelist")

    page = editor_client.get(changelist, {"tag": "harbour", "state": "live"}).content.decode()

    assert "About the harbour" in page and "About the budget" not in page and "Harbour draft" not in page
    box = page.split('class="tag-filter"')[1].split("</form>")[0]
    assert '<input type="hidden" name="state" value="live">' in box and 'name="tag" value="harbour"' in box
    assert f'data-tag-suggestions="{reverse("admin:articles_article_tag_suggestions")}"' in box


def test_with_3000_tags_the_story_list_stays_small_and_its_queries_fixed(editor_client, django_assert_max_num_queries):
    stories = [make_article(f"Story {number}") for number in range(30)]
    tags = Tag.objects.bulk_create(Tag(name=f"Topic number {n}", slug=f"topic-{n}") for n in range(3000))
    TaggedArticle.objects.bulk_create(
        TaggedArticle(content_object=stories[number % 30], tag=tag) for number, tag in enumerate(tags)
    )

    with django_assert_max_num_queries(14):
        response = editor_client.get(reverse("admin:articles_article_changelist"))

    assert response.status_code == 200
    assert len(response.content) < 100_000, len(response.content)
    assert "Topic number 2999" not in response.content.decode().split('id="changelist-filter"')[1]
