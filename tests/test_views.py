from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Section
from tests.factories import image_file, make_article, make_correction, make_person, make_staff
from tests.test_pictures import add_picture

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_story():
    putin = make_person("Vladimir Putin", slug="vladimir-putin", role="Kremlin leader")
    target = make_article("Rafah crossing reopens", slug="rafah-crossing-reopens", tags=["Gaza"])
    return make_article(
        "Putin meets freed hostages",
        slug="putin-meets-freed-hostages",
        summary="Moscow credits its ties with Palestinians.",
        body='Kremlin leader Vladimir Putin met freed hostages.\n\n"Thank you," he said <script>alert(1)</script>.',
        byline="Staff reporter",
        dateline="MOSCOW",
        tags=["Russia", "Gaza"],
        people=[putin],
        related_headlines=[target, "Winter storm toll reaches 90"],
        lead_image=image_file(),
        lead_image_alt="Freed hostages at the Kremlin",
        lead_image_caption="The meeting in Moscow.",
        lead_image_credit="Agency photo",
    )


def test_front_page_lists_published_stories_with_summaries_and_images(client, published_story):
    make_article("Secret draft", status=Article.Status.DRAFT)
    make_article("Tomorrow's story", published_at=timezone.now() + timedelta(days=1))

    page = client.get(reverse("articles:front_page")).content.decode()

    assert "Putin meets freed hostages" in page
    assert "Moscow credits its ties with Palestinians." in page
    assert published_story.card_picture.jpeg_srcset in page  # cards show it widescreen
    assert 'alt="Freed hostages at the Kremlin"' in page
    assert "Secret draft" not in page
    assert "Tomorrow&#x27;s story" not in page and "Tomorrow's story" not in page


def test_front_page_is_paginated_below_its_top_stories(client, settings):
    settings.ARTICLES_PER_PAGE = 2
    settings.FRONT_PAGE_TOP_STORIES = 2
    for number in range(7):
        make_article(f"Story number {number}", published_at=timezone.now() - timedelta(hours=number))

    first = client.get(reverse("articles:front_page")).content.decode()
    third = client.get(reverse("articles:front_page"), {"page": 3}).content.decode()

    # The top (0, 1), then the first page of the rest (2, 3).
    assert all(f"Story number {number}<" in first for number in range(4)) and "Story number 4" not in first
    assert "Story number 6" in third and "Page 3 of 3" in third and "Story number 0" not in third
    assert client.get(reverse("articles:front_page"), {"page": 4}).status_code == 404


def test_article_page_shows_the_whole_story(client, published_story):
    response = client.get(published_story.get_absolute_url())
    page = response.content.decode()

    assert response.status_code == 200
    assert "<h1" in page and "Putin meets freed hostages</h1>" in page
    assert "Moscow credits its ties with Palestinians." in page
    assert "By Staff reporter" in page
    assert "MOSCOW —" in page
    assert f'<time datetime="{published_story.published_at.isoformat(timespec="seconds")}"' in page
    assert "<p>" in page and "Kremlin leader Vladimir Putin met freed hostages." in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "The meeting in Moscow." in page and "Agency photo" in page
    assert 'href="/people/vladimir-putin/"' in page and "Kremlin leader" in page
    assert 'href="/tags/russia/"' in page and 'href="/tags/gaza/"' in page
    assert "public" in response["Cache-Control"]


def test_article_page_lists_related_stories_by_rare_shared_tags_and_recency_with_reasons(client):
    now = timezone.now()
    story = make_article("Main story", tags=["Gaza", "Russia", "Hamas"], published_at=now)
    two_shared_old = make_article("Two shared old", tags=["Gaza", "Russia"], published_at=now - timedelta(days=9))
    one_shared_new = make_article("One shared new", tags=["Hamas"], published_at=now - timedelta(hours=1))
    one_shared_old = make_article("One shared old", tags=["Gaza"], published_at=now - timedelta(days=3))
    make_article("Unrelated", tags=["Weather"])
    make_article("Related draft", tags=["Gaza", "Russia", "Hamas"], status=Article.Status.DRAFT)

    page = client.get(story.get_absolute_url()).content.decode()
    related = page.split('id="related-heading"')[1].split("</section>")[0]

    # Gaza is on 3 published stories, Russia and Hamas on 2: two shared tags a little older still lead.
    positions = [related.index(a.headline) for a in (two_shared_old, one_shared_new, one_shared_old)]
    assert positions == sorted(positions)
    assert "Also about Russia, Gaza" in related and "Also about Hamas" in related
    assert "Unrelated" not in related and "Related draft" not in related and "Main story" not in related


def test_related_block_is_absent_when_nothing_shares_a_tag(client):
    story = make_article(tags=["Lonely"])
    assert 'id="related-heading"' not in client.get(story.get_absolute_url()).content.decode()


def test_more_headlines_keep_the_editors_order_and_links(client, published_story):
    page = client.get(published_story.get_absolute_url()).content.decode()
    block = page.split('id="more-headlines-heading"')[1]

    assert block.index("Rafah crossing reopens") < block.index("Winter storm toll reaches 90")
    assert 'href="/news/' in block and "rafah-crossing-reopens/" in block
    assert "<li>Winter storm toll reaches 90</li>" in block


def test_wrong_date_in_address_redirects_to_the_real_one(client, published_story):
    response = client.get(
        reverse("articles:detail", kwargs={"year": 2001, "month": 1, "day": 1, "slug": published_story.slug})
    )
    assert response.status_code == 301
    assert response["Location"] == published_story.get_absolute_url()


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Article.Status.DRAFT},
        {"status": Article.Status.IN_REVIEW},
        {"status": Article.Status.UNPUBLISHED},
        {"published_at": timezone.now() + timedelta(days=2)},
    ],
    ids=["draft", "in-review", "unpublished", "scheduled"],
)
def test_unpublished_stories_are_invisible_to_readers_everywhere(client, fields):
    person = make_person("Hidden Person", slug="hidden-person")
    hidden = make_article("Hidden story", tags=["Secret topic"], people=[person], **fields)
    make_article("Visible story", tags=["Secret topic"], related_headlines=[hidden])

    assert client.get(hidden.get_absolute_url()).status_code == 404
    for url in [
        reverse("articles:front_page"),
        reverse("articles:tags"),
        reverse("articles:tag", args=["secret-topic"]),
        reverse("articles:people"),
    ]:
        assert "Hidden story" not in client.get(url).content.decode(), url
    assert client.get(reverse("articles:person", args=["hidden-person"])).status_code == 404
    visible = Article.objects.get(headline="Visible story")
    page = client.get(visible.get_absolute_url()).content.decode()
    assert hidden.get_absolute_url() not in page


def test_editors_preview_drafts_uncached(client):
    draft = make_article("Draft in progress", status=Article.Status.DRAFT)
    client.force_login(make_staff("edna", "editor"))

    response = client.get(draft.get_absolute_url())

    assert response.status_code == 200
    assert "Preview." in response.content.decode() and "Draft in progress" in response.content.decode()
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_reporters_preview_only_their_own_drafts(client):
    rita = make_staff("rita", "reporter")
    own = make_article("Rita's draft", status=Article.Status.DRAFT, created_by=rita)
    colleagues = make_article("Someone else's draft", status=Article.Status.DRAFT)
    client.force_login(rita)

    assert "Rita" in client.get(own.get_absolute_url()).content.decode()
    assert client.get(colleagues.get_absolute_url()).status_code == 404


def test_staff_without_change_permission_cannot_preview(client):
    draft = make_article(status=Article.Status.DRAFT)
    client.force_login(User.objects.create_user("viewer", password="pw", is_staff=True))
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_tag_pages_list_topics_with_counts_and_their_stories(client):
    make_article("Harbour dredging begins", tags=["Harbour"])
    make_article("Harbour fees rise", tags=["Harbour", "Budget"])

    index = client.get(reverse("articles:tags")).content.decode()
    assert 'href="/tags/harbour/"' in index and "2 stories" in index
    assert 'href="/tags/budget/"' in index and "1 story" in index

    page = client.get(reverse("articles:tag", args=["harbour"])).content.decode()
    assert "Harbour dredging begins" in page and "Harbour fees rise" in page
    assert client.get(reverse("articles:tag", args=["no-such-tag"])).status_code == 404


def test_person_pages_show_role_bio_and_stories(client):
    mayor = make_person("Ada Lindqvist", slug="ada-lindqvist", role="Mayor of Port Alder", bio="Elected in 2024.")
    make_article("Mayor opens bridge", people=[mayor])
    make_person("Nobody Mentioned", slug="nobody-mentioned")

    index = client.get(reverse("articles:people")).content.decode()
    assert "Ada Lindqvist" in index and "Nobody Mentioned" not in index

    page = client.get(mayor.get_absolute_url()).content.decode()
    assert "Mayor of Port Alder" in page and "Elected in 2024." in page and "Mayor opens bridge" in page


def test_missing_page_is_a_friendly_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "We couldn’t find that page" in response.content.decode()


def busy_article(count):
    people = [make_person(f"Person Busy{n}") for n in range(count)]
    tags = [f"topic-{n}" for n in range(count)]
    for n in range(count):
        make_article(f"Neighbour {n}", tags=tags[: n + 1], people=people[: n + 1])
    return make_article(
        "Busy story", tags=tags, people=people, related_headlines=[f"Headline {n}" for n in range(count)]
    )


@pytest.mark.parametrize("count", [1, 30])
def test_article_page_query_count_does_not_grow(client, django_assert_max_num_queries, count):
    article = busy_article(count)
    client.get(reverse("articles:front_page"))  # the header's sections are cached from here on
    with django_assert_max_num_queries(8):
        page = client.get(article.get_absolute_url()).content.decode()
    assert f"Headline {count - 1}" in page and f"Person Busy{count - 1}" in page


def page_relations(story):
    return {
        # In no particular order when prefetched for many stories (in the page's, the oldest first).
        "tags": sorted((tag.pk, tag.name, tag.slug) for tag in story.tags.all()),
        "bylines": [
            (line.pk, line.position, line.person.name, line.person.get_author_url()) for line in story.bylines.all()
        ],
        "people": [(person.pk, person.name, person.role, person.get_absolute_url()) for person in story.people.all()],
        "headlines": [(line.pk, line.headline, line.url, line.link) for line in story.related_headlines.all()],
        "notes": [
            (note.pk, note.kind, note.text, note.created_at, note.article.pk) for note in story.corrections.all()
        ],
        "modified_at": story.modified_at,
        "credited": [person.name for person in story.credited_authors],
    }


def test_the_story_page_loads_one_story_as_prefetching_loads_many(django_assert_num_queries):
    """One story's page reads each of its relations with one query of its own; the same as for many stories."""
    writers = [make_person(f"Writer {n}", author_kind="staff") for n in range(2)]
    live, draft = make_article("Bridge reopens"), make_article("Bridge plans", status=Article.Status.DRAFT)
    story = make_article(
        "Council vote",
        tags=["harbour", "council"],
        people=[make_person("Mayor Ada", role="Mayor")],
        related_headlines=[live, draft, "Elsewhere"],
    )
    story.set_authors(reversed(writers))
    make_correction(story)
    other = make_article("Another vote", tags=["council"])

    with django_assert_num_queries(6):  # the story, then tags, bylines with their people, people, headlines, notes
        alone = Article.objects.for_page().get(pk=story.pk)
    with django_assert_num_queries(0):
        shown = page_relations(alone)
    together = {item.pk: item for item in Article.objects.for_page().filter(pk__in=[story.pk, other.pk])}
    assert shown == page_relations(together[story.pk])
    assert shown["credited"] == ["Writer 1", "Writer 0"]
    assert [link for *_, link in shown["headlines"]] == [live.get_absolute_url(), "", ""]
    assert len(shown["tags"]) == 2 and len(shown["notes"]) == 1


def test_the_story_page_asks_for_its_story_as_for_page_does(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    business = Section.objects.create(name="Business", slug="business")
    markets = Section.objects.create(name="Markets", slug="markets", parent=business)
    picture = add_picture(django_capture_on_commit_callbacks, alt="The harbour at dawn")
    story = make_article("Harbour shares rise", section=markets, lead_library_picture=picture, tags=["harbour"])
    plain = make_article("Harbour quiet")

    with django_assert_num_queries(6):
        page = Article.objects.page_story(story.slug)
    expected = Article.objects.for_page().get(slug=story.slug)
    with django_assert_num_queries(0):
        assert [part.name for part in page.section.trail] == ["Business", "Markets"]
        assert page.lead_library_picture.alt == "The harbour at dawn"
        assert page_relations(page) == page_relations(expected)
    fields = [field.attname for field in Article._meta.concrete_fields]
    assert [getattr(page, name) for name in fields] == [getattr(expected, name) for name in fields]
    assert Article.objects.page_story(plain.slug).lead_library_picture is None
    with pytest.raises(Article.DoesNotExist):
        Article.objects.page_story("no-such-story")
    # Asked of a narrowed queryset, it keeps the narrowing.
    with pytest.raises(Article.DoesNotExist):
        Article.objects.filter(status=Article.Status.DRAFT).page_story(story.slug)


def test_listing_pages_query_counts_do_not_grow(client, django_assert_max_num_queries):
    mayor = make_person("Ada Lindqvist", slug="ada-lindqvist")
    for n in range(30):
        make_article(f"Story {n}", tags=[f"t{n}", "shared"], people=[mayor], lead_image=image_file() if n < 3 else "")

    client.get(reverse("articles:tags"))  # the header's sections are cached from here on
    # Lists: count, stories, tags, bylines; the front page also reads the editors' picks, a topic or person page
    # its topic or person.
    for url, most in [
        (reverse("articles:front_page"), 5),
        (reverse("articles:tag", args=["shared"]), 5),
        (mayor.get_absolute_url(), 5),
        (reverse("articles:tags"), 4),
        (reverse("articles:people"), 4),
    ]:
        with django_assert_max_num_queries(most):
            response = client.get(url)
        assert response.status_code == 200, url
