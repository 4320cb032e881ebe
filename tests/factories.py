"""Small builders for test data: real model instances with sensible defaults."""

import io
import itertools
from datetime import timedelta

from django.apps import apps as django_apps
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from articles.models import Article, Correction, Person, RelatedHeadline
from articles.roles import ROLES, sync_role_groups

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


def make_staff(username, role=None, **fields):
    """A staff login in a newsroom role ("reporter" or "editor"), or a superuser when role is None."""
    if role is None:
        return User.objects.create_superuser(username, f"{username}@example.com", "pw", **fields)
    if not Group.objects.filter(name=ROLES[role]).exists():
        # The data migration made the groups; a transactional test's flush has removed them since.
        sync_role_groups(django_apps)
    user = User.objects.create_user(username, f"{username}@example.com", "pw", is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=ROLES[role]))
    return user


def admin_article_data(article, **overrides):
    """What the admin change form of `article` posts back unchanged (plus `overrides`)."""
    headlines = list(article.related_headlines.order_by("position"))
    local_time = timezone.localtime(article.published_at) if article.published_at else None
    data = {
        "headline": article.headline,
        "slug": article.slug,
        "summary": article.summary,
        "body": article.body,
        "byline": article.byline,
        "dateline": article.dateline,
        "source": article.source,
        "status": article.status,
        "published_at_0": local_time.strftime("%Y-%m-%d") if local_time else "",
        "published_at_1": local_time.strftime("%H:%M:%S") if local_time else "",
        "lead_image_alt": article.lead_image_alt,
        "lead_image_caption": article.lead_image_caption,
        "lead_image_credit": article.lead_image_credit,
        "tags": ", ".join(tag.name for tag in article.tags.all()),
        "people": [str(person.pk) for person in article.people.all()],
        "opened_version": str(article.version),
        "related_headlines-TOTAL_FORMS": str(len(headlines)),
        "related_headlines-INITIAL_FORMS": str(len(headlines)),
        "related_headlines-MIN_NUM_FORMS": "0",
        "related_headlines-MAX_NUM_FORMS": "1000",
    }
    pins = list(article.pinned_stories.order_by("position"))
    exclusions = list(article.excluded_stories.order_by("pk"))
    for prefix, rows in (("pinned_stories", pins), ("excluded_stories", exclusions)):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": str(len(rows)),
                f"{prefix}-INITIAL_FORMS": str(len(rows)),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
        for index, row in enumerate(rows):
            data.update(
                {
                    f"{prefix}-{index}-id": str(row.pk),
                    f"{prefix}-{index}-article": str(article.pk),
                    f"{prefix}-{index}-story": str(row.story_id),
                }
            )
    for index, pin in enumerate(pins):
        data[f"pinned_stories-{index}-position"] = str(pin.position)
    corrections = list(article.corrections.all())
    data.update({"corrections-TOTAL_FORMS": str(len(corrections)), "corrections-INITIAL_FORMS": str(len(corrections))})
    for index, note in enumerate(corrections):
        data.update(
            {
                f"corrections-{index}-id": str(note.pk),
                f"corrections-{index}-article": str(article.pk),
                f"corrections-{index}-kind": note.kind,
                f"corrections-{index}-text": note.text,
            }
        )
    for index, item in enumerate(headlines):
        data.update(
            {
                f"related_headlines-{index}-id": str(item.pk),
                f"related_headlines-{index}-article": str(article.pk),
                f"related_headlines-{index}-position": str(item.position),
                f"related_headlines-{index}-headline": item.headline,
                f"related_headlines-{index}-target": str(item.target_id or ""),
                f"related_headlines-{index}-url": item.url,
            }
        )
    data.update(overrides)
    return data
