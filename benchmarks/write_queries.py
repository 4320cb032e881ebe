"""Queries each page and each write costs, committed as in production (on_commit work included).

    DJANGO_DEBUG=1 .venv/bin/python benchmarks/write_queries.py
    DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench_writes \
        .venv/bin/python benchmarks/write_queries.py

Builds the demo newsroom in a scratch database (SQLite under /tmp unless DATABASE_URL is set), then counts
the queries of: the article page, the front page (each with the page cache's inputs warm, as between two
writes), an admin save of a story, and ordinary writes from code. Triggers run inside the statements they
belong to, so they add no queries; what a write costs here is what it sends.
"""

import io
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/newsroom-bench-writes.sqlite3")


def main():
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    if connection.vendor == "sqlite":
        Path(connection.settings_dict["NAME"]).unlink(missing_ok=True)  # a fresh corpus every run
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())

    from taggit.models import Tag

    from articles.models import Article, Person

    story = Article.objects.published().filter(tags__isnull=False, people__isnull=False).distinct().first()
    person = story.people.first()
    reader, editor = Client(), Client()
    editor.force_login(User.objects.filter(is_superuser=True).first())

    def count(label, action):
        with CaptureQueriesContext(connection) as queries:
            action()
        print(f"{label:<52} {len(queries):>3} queries")

    def page(url):
        response = reader.get(url)
        assert response.status_code == 200, (url, response.status_code)

    page(story.get_absolute_url())  # warm: the next scheduled publication is cached as between writes
    count("article page", lambda: page(story.get_absolute_url()))
    count("front page", lambda: page(reverse("articles:front_page")))

    sys.path.insert(0, str(Path(settings.BASE_DIR)))
    from tests.factories import admin_article_data

    def admin_save():
        fresh = Article.objects.get(pk=story.pk)
        data = admin_article_data(fresh, summary=fresh.summary + " More.")
        response = editor.post(reverse("admin:articles_article_change", args=[fresh.pk]), data)
        assert response.status_code == 302, response.content.decode()[:2000]

    count("admin save of a story (summary edited)", admin_save)
    count("admin save with a new tag", lambda: _admin_retag(editor, story, admin_article_data))

    def save():
        fresh = Article.objects.get(pk=story.pk)
        fresh.summary += "!"
        fresh.save()

    count("story.save() (after loading it)", save)
    count(
        "Article.objects.filter(pk=…).update(status=…)",
        lambda: Article.objects.filter(pk=story.pk).update(status="published"),
    )
    count("story.tags.add(new tag)", lambda: story.tags.add("Write cost"))
    count("story.tags.remove(that tag)", lambda: story.tags.remove("Write cost"))
    count("story.people.add(person) / remove", lambda: (story.people.remove(person), story.people.add(person)))
    tag = Tag.objects.filter(articles_taggedarticle_items__content_object=story).first()

    def rename_tag():
        tag.name += " (renamed)"
        tag.save()

    count("tag rename (tag.save())", rename_tag)

    def rename_person():
        fresh = Person.objects.get(pk=person.pk)
        fresh.name += " Jr"
        fresh.save()

    count("person rename (person.save())", rename_person)
    count("publish action on one story", lambda: Article.objects.filter(pk=story.pk).publish())


def _admin_retag(editor, story, admin_article_data):
    from django.urls import reverse

    from articles.models import Article

    fresh = Article.objects.get(pk=story.pk)
    data = admin_article_data(fresh)
    data["tags"] += ", Another topic"
    response = editor.post(reverse("admin:articles_article_change", args=[fresh.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]


if __name__ == "__main__":
    main()
