"""A reader in headless Chromium: following a story around the site, by keyboard, on a phone."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from articles.models import Article
from tests.factories import image_file, make_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMAGE_LOADED = "image => image.complete && image.naturalWidth > 0"


def assert_loaded(image):
    """The image finishes loading and has pixels (a broken one never does); it may still be on its way when the
    page's heading shows, on a loaded machine."""
    image.page.wait_for_function(IMAGE_LOADED, arg=image.element_handle(), timeout=15_000)


def test_reader_goes_from_the_front_page_to_a_story_its_topic_a_person_and_search(browser_page, newsroom):
    page = browser_page
    newest = Article.objects.for_listing().first()
    person = newest.people.order_by("name").first()

    page.goto(reverse("articles:front_page"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Latest news")
    first_card_image = page.locator(".card img").first
    assert_loaded(first_card_image)
    assert first_card_image.evaluate("image => image.currentSrc").endswith(".webp")

    page.get_by_role("link", name=newest.headline).click()
    expect(page).to_have_url(re.compile(re.escape(newest.get_absolute_url()) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(newest.headline)
    lead_image = page.locator(".story__figure img")
    assert_loaded(lead_image)
    assert lead_image.get_attribute("fetchpriority") == "high"

    first_topic = newest.tags.all()[0]
    page.get_by_role("region", name="Topics").get_by_role("link", name=first_topic.name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(first_topic.name)
    expect(page.get_by_role("link", name=newest.headline)).to_be_visible()

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="People").click()
    page.get_by_role("link", name=person.name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(person.name)
    expect(page.get_by_role("link", name=newest.headline)).to_be_visible()
    assert page.console_errors == []

    page.get_by_label("Search").fill(person.name)
    page.get_by_label("Search").press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q="))
    expect(page.get_by_role("link", name=newest.headline)).to_be_visible()
    assert page.console_errors == []


def focused(page, expression):
    return page.evaluate(f"() => {{ const element = document.activeElement; return {expression}; }}")


def test_keyboard_reader_skips_to_the_story_and_sees_where_focus_is(browser_page, newsroom):
    page = browser_page
    story = Article.objects.for_listing().first()
    page.goto(story.get_absolute_url())

    page.keyboard.press("Tab")
    assert focused(page, "element.textContent.trim()") == "Skip to content"
    box = page.locator(".skip-link").bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0 and box["width"] > 0, "the focused skip link is on screen"
    assert focused(page, "getComputedStyle(element).outlineStyle") != "none"

    page.keyboard.press("Enter")
    assert focused(page, "element.id") == "content"

    page.keyboard.press("Tab")
    assert focused(page, "document.getElementById('content').contains(element)")
    assert focused(page, "getComputedStyle(element).outlineStyle") != "none"
    assert focused(page, "parseFloat(getComputedStyle(element).outlineWidth)") >= 2


def test_keyboard_reader_reaches_the_sections_from_the_top_of_the_page(browser_page, newsroom):
    page = browser_page
    page.goto(reverse("articles:front_page"))

    for _ in range(12):
        page.keyboard.press("Tab")
        if focused(page, "element.textContent.trim()") == "Business":
            break
    assert focused(page, "element.textContent.trim()") == "Business"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(reverse("articles:section", args=["business"])) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Business")


def test_phone_reader_scrolls_only_down_and_can_use_the_sections(chromium, live_server, newsroom):
    articles, people = newsroom
    story = Article.objects.for_listing().first()
    context = chromium.new_context(
        base_url=live_server.url,
        viewport={"width": 375, "height": 667},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    try:
        for path in [
            reverse("articles:front_page"),
            story.get_absolute_url(),
            reverse("articles:tag", args=[story.tags.all()[0].slug]),
            next(iter(people.values())).get_absolute_url(),
            reverse("articles:tags"),
        ]:
            page.goto(path)
            widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert widths[0] <= widths[1] == 375, f"{path} scrolls sideways: {widths}"

        page.goto(next(iter(people.values())).get_absolute_url())
        photo = page.locator(".profile__photo").bounding_box()
        assert (photo["width"], photo["height"]) == (120, 120), "the portrait keeps its small size"

        page.goto(story.get_absolute_url())
        lead_image = page.locator(".story__figure img").bounding_box()
        assert lead_image["x"] >= 0 and lead_image["x"] + lead_image["width"] <= 375

        sections = page.get_by_role("navigation", name="Sections")
        expect(sections.get_by_role("link", name="Topics")).to_be_in_viewport()
        sections.get_by_role("link", name="Topics").tap()
        expect(page.get_by_role("heading", level=1)).to_have_text("Topics")
    finally:
        context.close()


def test_printed_story_leaves_out_navigation_sharing_and_related_links(browser_page):
    story = make_article(tags=["Harbour"], lead_image=image_file(size=(640, 360)), lead_image_alt="The quay")
    make_article(tags=["Harbour"])
    page = browser_page
    page.goto(story.get_absolute_url())
    expect(page.get_by_role("region", name="Share this story")).to_be_visible()

    page.emulate_media(media="print")

    for hidden in [".site-nav", ".share", ".related", ".site-footer"]:
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_have_text(story.headline)
    expect(page.locator(".story__figure img")).to_be_visible()
