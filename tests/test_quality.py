"""Quality gates on the reader pages with the demo newsroom, checked by the tools the outside world uses:
axe-core in headless Chromium, the Nu HTML Checker, and extruct reading structured data and OpenGraph.

scripts/install-test-tools (run by `make test`) installs Chromium, Java and vnu-jar; when they are
missing these tests fail rather than skip.
"""

import json
import subprocess
from pathlib import Path

import extruct
import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils.text import slugify

VNU_JAR = settings.BASE_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
STYLESHEET = settings.BASE_DIR / "static" / "css" / "site.css"
STORM_STORY = "storm-surge-floods-port-alder-waterfront"
# The demo story whose body uses every kind of block: links, subheads, quote, pull quote, list, fact box, embeds.
RICH_STORY = "seawall-built-for-a-sea-that-no-longer-exists"


def reader_pages(newsroom):
    """Every kind of reader page, with demo content: name → path."""
    articles, people = newsroom
    return {
        "front page": reverse("articles:front_page"),
        "article": articles[STORM_STORY].get_absolute_url(),
        "rich article": articles[RICH_STORY].get_absolute_url(),
        "topic": reverse("articles:tag", args=["flooding"]),
        "person": people["Ruth Penhallow"].get_absolute_url(),  # the one with a photo
        "topics": reverse("articles:tags"),
        "people": reverse("articles:people"),
        "not found": "/no-such-page/",
        "search": reverse("articles:search") + "?q=harbour",
        "corrections": reverse("articles:corrections"),
        "section": reverse("articles:section", args=["news"]),  # with subsections and a lead
        "subsection": reverse("articles:section", args=["culture"]),
        "author": reverse("articles:author", args=["nadia-ferreira"]),  # with a photo and profile links
        "front page 2": reverse("articles:front_page") + "?page=2",
        "agency story": articles["towns-around-the-bay-prepare-for-high-tide"].get_absolute_url(),
        "story without a picture": articles["chapel-lane-bookshop-volunteers-take-over"].get_absolute_url(),
        "portrait story": articles["university-hospital-joint-nursing-school"].get_absolute_url(),
    }


# A document with one known error: if the checker does not report it, it did not really run.
CANARY = "<!DOCTYPE html><html lang=en><head><meta charset=utf-8></head><body><p>No title.</p></body></html>"
# Small stack raises StackOverflowError inside the schema; C1 compilation and the serial collector halve start-up.
JAVA_OPTIONS = ["-Xss4m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]


def run_vnu(paths):
    """The Nu HTML Checker's messages for the files, by file name (one Java start for all of them)."""
    assert VNU_JAR.exists(), "The Nu HTML Checker is missing: run scripts/install-test-tools"
    result = subprocess.run(
        ["java", *JAVA_OPTIONS, "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always", "--also-check-css"]
        + [str(path) for path in paths],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert result.stdout == "", result.stdout
    messages = {}
    for message in json.loads(result.stderr)["messages"]:
        messages.setdefault(Path(message.get("url", "?")).name, []).append(message)
    return messages


def describe(messages, kind):
    return [f"{message.get('lastLine', '?')}: {message['message']}" for message in messages if kind(message)]


def is_error(message):
    return message["type"] in ("error", "non-document-error")


def is_warning(message):
    return message.get("subType") == "warning"


@pytest.mark.django_db
def test_reader_pages_and_stylesheet_are_valid(client, newsroom, tmp_path):
    canary = tmp_path / "canary.html"
    canary.write_text(CANARY)
    documents = []
    for name, path in reader_pages(newsroom).items():
        document = tmp_path / f"{slugify(name)}.html"
        response = client.get(path)
        assert response.status_code == (404 if name == "not found" else 200), name
        document.write_bytes(response.content)
        documents.append(document)

    messages = run_vnu([canary, *documents, STYLESHEET])

    assert describe(messages.pop("canary.html", []), is_error), "the checker did not run"
    errors = {name: describe(found, is_error) for name, found in messages.items() if describe(found, is_error)}
    assert errors == {}
    warnings = {name: describe(found, is_warning) for name, found in messages.items() if describe(found, is_warning)}
    assert warnings == {}


# WCAG 2.0–2.2 A and AA plus axe's best practices; target-size (WCAG 2.5.8) is off in axe by default.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"],
    },
    "rules": {"target-size": {"enabled": True}},
    "resultTypes": ["violations"],
}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [1280, 320])
@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_reader_pages_have_no_accessibility_violations(chromium, live_server, newsroom, color_scheme, width):
    context = chromium.new_context(
        base_url=live_server.url, color_scheme=color_scheme, viewport={"width": width, "height": 800}
    )
    page = context.new_page()
    axe = Axe()
    violations = {}
    try:
        for name, path in reader_pages(newsroom).items():
            page.goto(path)
            assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (color_scheme == "dark")
            results = axe.run(page, options=AXE_OPTIONS)
            if results.violations_count:
                violations[name] = results.generate_report()
    finally:
        context.close()
    assert violations == {}, "\n\n".join(f"== {name}\n{report}" for name, report in violations.items())


def extract(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    data = extruct.extract(
        response.content.decode(), base_url="http://testserver/", syntaxes=["json-ld", "opengraph"], uniform=False
    )
    opengraph = {}
    for item in data["opengraph"]:
        for key, value in item["properties"]:
            opengraph.setdefault(key, []).append(value)
    json_ld = {item["@type"]: item for item in data["json-ld"]}
    return json_ld, opengraph


def path_of(url):
    assert url.startswith("http://testserver/"), url
    return url.removeprefix("http://testserver")


@pytest.mark.django_db
def test_article_page_carries_news_article_breadcrumbs_and_opengraph(client, newsroom):
    articles, people = newsroom
    story = articles[STORM_STORY]
    url = f"http://testserver{story.get_absolute_url()}"

    json_ld, opengraph = extract(client, story.get_absolute_url())

    article = json_ld["NewsArticle"]
    assert article["@context"] == "https://schema.org"
    assert article["headline"] == story.headline
    assert article["description"] == story.summary
    assert article["datePublished"] == "2026-11-05T06:45:00+00:00"
    assert article["dateModified"] == "2026-11-05T19:25:00+00:00"  # the evening update (demo/newsroom.json)
    assert article["author"] == [
        {
            "@type": "Person",
            "name": "Nadia Ferreira",
            "url": "http://testserver/authors/nadia-ferreira/",
            "jobTitle": "City reporter",
            "sameAs": ["https://example.com/@nadiaferreira", "https://social.example.org/@nadia"],
        }
    ]
    assert "Nadia Ferreira" in client.get(path_of(article["author"][0]["url"])).content.decode()
    assert article["articleSection"] == "Port Alder"
    assert article["publisher"]["@type"] == "Organization" and article["publisher"]["name"] == settings.SITE_NAME
    logo = article["publisher"]["logo"]
    assert logo["@type"] == "ImageObject" and (logo["width"], logo["height"]) == (512, 512)
    assert finders.find(path_of(logo["url"]).removeprefix(settings.STATIC_URL))
    assert article["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert article["keywords"] == ["Port Alder", "Flooding", "Harbour", "Weather", "Climate"]
    # The lead picture in the three shapes search engines ask for (16×9, 4×3, 1×1), all from the 640 × 360 photo.
    assert [image["width"] for image in article["image"]] == [640, 480, 360]
    for image in article["image"]:
        assert image["@type"] == "ImageObject" and image["height"] == 360
        assert client.get(path_of(image["url"])).status_code == 200
    assert {person["name"] for person in article["mentions"]} == {"Ruth Penhallow", "Gareth Ellery", "Helena Marsh"}
    for person in article["mentions"]:
        assert person["@type"] == "Person"
        assert person["name"] in client.get(path_of(person["url"])).content.decode()

    crumbs = json_ld["BreadcrumbList"]["itemListElement"]
    assert [(crumb["position"], crumb["name"]) for crumb in crumbs] == [
        (1, "Home"),
        (2, "News"),
        (3, "Port Alder"),
        (4, story.headline),
    ]
    assert [path_of(crumb["item"]) for crumb in crumbs] == [
        "/",
        "/sections/news/",
        "/sections/port-alder/",
        story.get_absolute_url(),
    ]

    assert opengraph["og:type"] == ["article"]
    assert opengraph["og:title"] == [story.headline]
    assert opengraph["og:url"] == [url]
    assert opengraph["og:site_name"] == [settings.SITE_NAME]
    # The sharing card's crop (1200 × 630 in shape, as wide as the photo allows).
    assert opengraph["og:image"] == [f"http://testserver{story.lead_picture.social.url}"]
    assert opengraph["og:image:width"] == ["640"] and opengraph["og:image:height"] == ["336"]
    assert opengraph["og:image:alt"] == [story.lead_picture.alt]
    assert opengraph["article:published_time"] == ["2026-11-05T06:45:00+00:00"]
    assert opengraph["article:tag"] == article["keywords"]


@pytest.mark.django_db
def test_person_page_carries_a_person_and_opengraph(client, newsroom):
    articles, people = newsroom
    harbour_master = people["Ruth Penhallow"]

    json_ld, opengraph = extract(client, harbour_master.get_absolute_url())

    person = json_ld["Person"]
    assert person["name"] == "Ruth Penhallow"
    assert person["url"] == f"http://testserver{harbour_master.get_absolute_url()}"
    assert person["jobTitle"] == "Harbour master, Port Alder Harbour Authority"
    assert person["alternateName"] == ["Penhallow", "Captain Penhallow", "Capt. Ruth Penhallow"]
    assert client.get(path_of(person["image"]["url"])).status_code == 200
    assert opengraph["og:type"] == ["profile"] and opengraph["og:title"] == ["Ruth Penhallow"]


@pytest.mark.django_db
def test_listing_pages_carry_opengraph_with_a_drawn_sharing_card(client, newsroom):
    pages = reader_pages(newsroom)
    for name in ["front page", "topic", "topics", "people", "section"]:
        json_ld, opengraph = extract(client, pages[name])

        assert opengraph["og:type"] == ["website"], name
        assert opengraph["og:site_name"] == [settings.SITE_NAME], name
        assert len(opengraph["og:title"]) == len(opengraph["og:description"]) == 1, name
        assert opengraph["og:url"] == [f"http://testserver{pages[name]}"], name
        card = "news" if name == "section" else "site"
        assert opengraph["og:image"] == [f"http://testserver/share/{card}.png"], name
        assert (opengraph["og:image:width"], opengraph["og:image:height"]) == (["1200"], ["630"]), name
    front_page, _ = extract(client, pages["front page"])
    assert front_page["WebSite"]["publisher"]["name"] == settings.SITE_NAME
