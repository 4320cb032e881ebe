"""In headless Chromium: an editor writes a rich story body in the admin's editor, and readers see it."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article
from tests.factories import make_staff
from tests.test_workflow_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def new_tab(chromium, live_server):
    """Tabs in separate browser contexts, all closed before the live server stops."""
    contexts = []

    def open_tab():
        contexts.append(chromium.new_context(base_url=live_server.url))
        return contexts[-1].new_page()

    yield open_tab
    for context in contexts:
        context.close()


def editor_area(page):
    return page.get_by_role("textbox", name="Body:")


def test_editor_types_a_paragraph_a_link_and_a_subhead_and_readers_see_them(new_tab):
    page = signed_in(new_tab, make_staff("edna", "editor"))
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(reverse("admin:articles_article_add"))
    page.get_by_role("textbox", name="Headline:").fill("Seawall study published")
    body = editor_area(page)
    expect(body).to_be_visible()

    body.click()
    page.keyboard.type("Engineers say the wall is too low.")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+Alt+2")  # Tiptap's shortcut for a level-two heading
    page.keyboard.type("What the report says")
    page.keyboard.press("Enter")
    page.keyboard.type("Read the full report here")
    # Select the last word and make it a link through the toolbar's dialog.
    for _ in "here":
        page.keyboard.press("Shift+ArrowLeft")
    page.locator(".prose-menubar__button[data-name=link]").click()
    dialog = page.locator("dialog[open]")
    dialog.locator("input[name=href]").fill("https://www.example.edu/report")
    dialog.locator("button[type=submit]").click()

    # Paste from a word processor: styles, spans and scripts do not survive.
    body.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.evaluate(
        """() => {
        const data = new DataTransfer();
        data.setData("text/html", '<p style="mso-line-height:1"><span style="color:red">Pasted</span> <b>bold</b>'
            + '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"></p>');
        document.querySelector(".prose-editor [contenteditable=true]").dispatchEvent(
            new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
    }"""
    )
    page.get_by_role("combobox", name="Status:").select_option("published")
    now = timezone.localtime()
    page.locator("#id_published_at_0").fill(now.strftime("%Y-%m-%d"))
    page.locator("#id_published_at_1").fill(now.strftime("%H:%M:%S"))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    story = Article.objects.get(headline="Seawall study published")
    assert "<h2>What the report says</h2>" in story.body
    assert '<a href="https://www.example.edu/report" rel="noopener">here</a>' in story.body
    assert "<strong>bold</strong>" in story.body and "style=" not in story.body and "<span" not in story.body
    assert not page.evaluate("window.pwned")

    reader = new_tab()
    reader.goto(story.get_absolute_url())
    article_body = reader.locator(".story__body")
    expect(article_body.locator("p").first).to_have_text("Engineers say the wall is too low.")
    expect(article_body.get_by_role("heading", level=2, name="What the report says")).to_be_visible()
    expect(article_body.get_by_role("link", name="here")).to_have_attribute("href", "https://www.example.edu/report")
    expect(article_body).to_contain_text(re.compile(r"Pasted\s+bold"))
    assert errors == []
