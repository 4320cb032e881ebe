"""In headless Chromium: the Content-Security-Policy blocks nothing the site or the Django admin needs."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import make_staff
from tests.test_faults import reader_urls

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_violations(page):
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    return violations


def test_reader_pages_run_under_the_policy_without_a_violation(newsroom, browser_page):
    violations = watch_violations(browser_page)
    for url in reader_urls(newsroom):
        if "feed" in url or url.endswith((".xml", ".txt")):
            continue
        response = browser_page.goto(url)
        assert "default-src 'self'" in response.headers["content-security-policy"]
    assert violations == []
    assert browser_page.console_errors == []


def test_the_admin_works_under_the_policy(browser_page):
    page = browser_page
    violations = watch_violations(page)
    make_staff("edna", "editor")
    page.goto(reverse("admin:login"))
    page.get_by_label("Username").fill("edna")
    page.get_by_label("Password").fill("pw")
    page.get_by_role("button", name="Log in").click()
    page.goto(reverse("admin:articles_article_add"))
    # Admin scripts run: the slug follows the headline (prepopulate.js) and the people picker is select2.
    page.get_by_role("textbox", name="Headline:").press_sequentially("Seawall opens at dawn")
    expect(page.get_by_role("textbox", name="Slug:")).to_have_value("seawall-opens-at-dawn")
    expect(page.locator(".select2-container").first).to_be_visible()
    # An inline row is added by the admin's inlines.js.
    page.locator("#related_headlines-group .add-row a").click()
    expect(page.locator("#id_related_headlines-0-headline")).to_be_visible()
    page.get_by_role("textbox", name="Body:").fill("The new seawall opens to walkers at dawn.")
    page.get_by_role("button", name="Save", exact=True).last.click()  # the form has Save above and below
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    page.goto(reverse("admin:articles_article_changelist"))
    expect(page.get_by_role("link", name="Seawall opens at dawn")).to_be_visible()
    assert violations == []


def test_the_api_docs_page_works_under_the_policy(browser_page):
    violations = watch_violations(browser_page)
    browser_page.goto("/api/v1/docs")
    # Swagger UI's scripts ran: they drew the API's operations from its OpenAPI document.
    expect(browser_page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=15000)
    assert violations == []
