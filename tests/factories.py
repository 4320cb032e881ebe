"""Small builders for test data: real model instances with sensible defaults."""

import io
import itertools
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from articles.models import Article, Correction, Person, RelatedHeadline

_sequence = itertools.count(1)


def make_article(headline=None, *, tags=(), people=(), related_headlines=(), **fields):
    number = next(_sequence)
    headline = headline or f"Council approves harbour plan {number}"
    fields.setdefault("slug", f"story-{number}")
    fields.setdefault("summary", f"Summary of story {number}.")
    fields.setdefault("body", f"First paragraph of story {number}.\n\nSecond paragraph of story {number}.")
    fields.setdefault("status", Article.Status.PUBLISHED)
    if fields["status"] == Article.Status.PUBLISHED:
        fields.setdefault("published_at", timezone.now() - timedelta(hours=number))
    article = Article.objects.create(headline=headline, **fields)
    if tags:
        article.tags.add(*tags)
    if people:
        article.people.add(*people)
    if tags or people:
        article.refresh_search_index()
    if tags:
        article.refresh_related_index()
    for position, item in enumerate(related_headlines, start=1):
        if isinstance(item, Article):
            RelatedHeadline.objects.create(article=article, position=position, headline=item.headline, target=item)
        else:
            RelatedHeadline.objects.create(article=article, position=position, headline=item)
    return article


def make_person(name=None, **fields):
    number = next(_sequence)
    name = name or f"Person Number{number}"
    fields.setdefault("slug", f"person-{number}")
    return Person.objects.create(name=name, **fields)


def make_correction(article, text=None, **fields):
    text = text or f"An earlier version of this story misstated a figure ({next(_sequence)})."
    return Correction.objects.create(article=article, text=text, **fields)


def image_file(name="photo.jpg", size=(1200, 800), color=(30, 90, 160), image_format="JPEG"):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=image_format)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[image_format]
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)
