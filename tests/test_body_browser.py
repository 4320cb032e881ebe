"""In headless Chromium: an editor writes a rich story body in the admin's editor, and readers see it."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from articles.models import Article
from pictures.models import Picture
from tests.factories import make_staff
from tests.test_workflow_browser import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
    # The editor applies a selection asynchronously: on a loaded machine the click could otherwise come first.
    page.wait_for_function("() => window.getSelection().toString() === 'here'")
    page.locator(".prose-menubar__button[data-name=link]").click()
    dialog = page.locator("dialog[open]")
    dialog.locator("input[name=href]").fill("https://www.example.edu/report")
    dialog.locator("button[type=submit]").click()
    expect(body.locator('a[href="https://www.example.edu/report"]')).to_have_text("here")

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
    page.locator("button[data-action=publish]").last.click()
    expect(page.locator(".messagelist")).to_contain_text("is live, published")

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


def test_editor_inserts_a_picture_from_the_library_and_readers_see_it(new_tab, django_capture_on_commit_callbacks):
    from tests.test_pictures import upload

    with django_capture_on_commit_callbacks(execute=True):
        picture = Picture.objects.create(
            file=upload("clock-tower.jpg", size=(1200, 800)), alt="The clock tower", caption="The tower at dawn"
        )
    page = signed_in(new_tab, make_staff("edna", "editor"))
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(reverse("admin:articles_article_add"))
    page.get_by_role("textbox", name="Headline:").fill("Clock tower restored")
    editor_area(page).click()
    page.keyboard.type("The clock tower has its hands back.")

    with page.expect_popup() as opened:
        page.locator(".prose-menubar__button[data-name=picture]").click()
    chooser = opened.value
    chooser.locator("#searchbar").fill("clock")
    chooser.keyboard.press("Enter")
    with chooser.expect_event("close"):
        chooser.locator(f"a[data-popup-opener='{picture.pk}']").first.click()
    expect(page.locator(".prose-editor figure.body-editor-picture figcaption")).to_have_text("The tower at dawn")

    page.locator("button[data-action=publish]").last.click()
    expect(page.locator(".messagelist")).to_contain_text("is live, published")

    story = Article.objects.get(headline="Clock tower restored")
    assert f'<figure class="picture" data-image="{picture.pk}"><figcaption>The tower at dawn</figcaption></figure>' in (
        story.body
    )
    reader = new_tab()
    reader.goto(story.get_absolute_url())
    figure = reader.locator(".story__body .story__inline-figure")
    expect(figure.get_by_role("img", name="The clock tower")).to_be_visible()
    expect(figure.locator("figcaption")).to_contain_text("The tower at dawn")
    assert errors == []
