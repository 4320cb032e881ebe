"""Print a fingerprint of a whole site as JSON: every reader page, every stored picture, every row.

Run as `python -m tests.site_snapshot` with the site's DATABASE_URL and MEDIA_ROOT (tests/test_backup.py
compares a site with its restored copy). Rows include every derived structure the models keep (related
index, tag counts, search text), so a restore that lost or skewed one shows.
"""

import hashlib
import json
import os
from urllib.parse import urlsplit

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
django.setup()

from django.apps import apps  # noqa: E402 (after setup)
from django.core.serializers.json import DjangoJSONEncoder  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from taggit.models import Tag  # noqa: E402

from articles.models import Article, Person  # noqa: E402
from articles.sitemaps import SITEMAPS  # noqa: E402

SEARCHES = ["harbour", "council", "minister", "ferry"]


def digest(content):
    return hashlib.sha256(content).hexdigest()


def reader_urls():
    urls = [
        reverse("articles:front_page"),
        reverse("articles:tags"),
        reverse("articles:people"),
        reverse("articles:corrections"),
        reverse("articles:latest_feed"),
        reverse("articles:latest_atom_feed"),
        reverse("articles:sitemap"),
        reverse("articles:news_sitemap"),
        *[reverse("articles:search") + f"?q={term}" for term in SEARCHES],
        *[article.get_absolute_url() for article in Article.objects.published()],
        *[reverse("articles:tag", args=[tag.slug]) for tag in Tag.objects.all()],
        *[reverse("articles:tag_feed", args=[tag.slug]) for tag in Tag.objects.all()],
        # Person pages exist for people a published story mentions; writers have author pages.
        *[person.get_absolute_url() for person in Person.objects.mentioned()],
        *[person.get_author_url() for person in Person.objects.exclude(author_kind="")],
    ]
    urls += [reverse("articles:sitemap_section", args=[section]) for section in SITEMAPS]
    return urls


def snapshot():
    client = Client()
    pages = {}
    for url in reader_urls():
        response = client.get(url)
        pages[url] = [response.status_code, digest(response.content)]
    pictures = {}
    for article in Article.objects.exclude(lead_library_picture=None):
        for url in [article.lead_library_picture.file.url, *[r.url for r in article.lead_picture.renditions("webp")]]:
            response = client.get(urlsplit(url).path)
            pictures[url] = [response.status_code, digest(b"".join(response.streaming_content))]
    rows = {}
    for model in [*apps.get_app_config("articles").get_models(), *apps.get_app_config("pictures").get_models(), Tag]:
        rows[model._meta.label] = list(model._default_manager.order_by("pk").values())
    return {"pages": pages, "pictures": pictures, "rows": json.loads(json.dumps(rows, cls=DjangoJSONEncoder))}


if __name__ == "__main__":
    print(json.dumps(snapshot(), sort_keys=True))
