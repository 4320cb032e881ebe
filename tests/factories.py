"""Small builders for test data: real model instances with sensible defaults."""

import functools
import io
import itertools
import json
import shutil
from datetime import datetime, timedelta

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw

from articles import bylines
from articles.demo import apply_after_import, read_demo_newsroom, set_up_desk
from articles.models import Article, ArticleAuthor, Correction, Person, RelatedHeadline, Section
from articles.roles import ROLES, sync_role_groups
from pictures.models import Picture

_sequence = itertools.count(1)


def make_article(headline=None, *, tags=(), people=(), related_headlines=(), **fields):
    number = next(_sequence)
    headline = headline or f"Council approves harbour plan {number}"
    fields.setdefault("slug", f"story-{number}")
    fields.setdefault("summary", f"Summary of story {number}.")
    fields.setdefault("body", f"First paragraph of story {number}.\n\nSecond paragraph of story {number}.")
    fields.setdefault("status", Article.Status.PUBLISHED)
    if fields["status"] == Article.Status.PUBLISHED:
        # Minutes apart: later factory stories are older, and a long suite never drifts days back.
        fields.setdefault("published_at", timezone.now() - timedelta(minutes=number))
    # A lead image given as a file goes into the library, as the story form's upload does.
    lead_image = fields.pop("lead_image", "")
    description = {name: fields.pop(f"lead_image_{name}", "") for name in ("alt", "caption", "credit")}
    if lead_image:
        fields["lead_library_picture"] = make_picture(lead_image, **description)
    article = Article(headline=headline, **fields)
    article.save()
    if tags:
        article.tags.add(*tags)
    if people:
        article.people.add(*people)
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
    photo = fields.pop("photo", None)
    if photo and not isinstance(photo, Picture):
        # As the person form's upload does: into the library, named for whose portrait it is.
        photo = make_picture(photo, title=name, alt=name)
    person = Person(name=name, photo=photo or None, **fields)
    person.save()
    return person


def make_picture(file, **fields):
    """A library picture from an upload (or the name of a file stored already), with its renditions built now
    (the library's task would build them once the test's transaction commits, which it never does)."""
    picture = Picture.objects.create(file=file, **fields)
    picture.build_renditions()
    return picture


def make_correction(article, text=None, **fields):
    text = text or f"An earlier version of this story misstated a figure ({next(_sequence)})."
    return Correction.objects.create(article=article, text=text, **fields)


def image_file(name="photo.jpg", size=(1200, 800), color=(30, 90, 160), image_format="JPEG"):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=image_format)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}[image_format]
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


DEMO_FOLDER = settings.BASE_DIR / "demo"


def demo_photo(relative_path, width):
    """A demo photo scaled down to `width`, so tests build its renditions quickly."""
    return SimpleUploadedFile(
        relative_path.rsplit("/", 1)[-1], scaled_demo_photo(relative_path, width), content_type="image/jpeg"
    )


@functools.cache
def scaled_demo_photo(relative_path, width):
    with Image.open(DEMO_FOLDER / relative_path) as image:
        image = image.convert("RGB")
        image.thumbnail((width, width * 4))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def portrait_file(name="portrait.png", size=(400, 400)):
    """A drawn head-and-shoulders silhouette (PNG with transparency), for person photos."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.ellipse((width * 0.3, height * 0.12, width * 0.7, height * 0.52), fill=(120, 90, 70, 255))
    draw.ellipse((width * 0.12, height * 0.55, width * 0.88, height * 1.3), fill=(40, 70, 120, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def load_demo_newsroom(image_width=640, media_cache=None):
    """The demo newsroom (demo/stories.json) built with these factories, independent of the importer.

    Returns the stories by slug and the people by name. Photos are scaled to `image_width`;
    the first person gets a drawn portrait so person pages show a photo too. With a `media_cache`
    (an empty folder), the photos and their renditions are made once, then copied for later calls.
    """
    stories = json.loads((DEMO_FOLDER / "stories.json").read_text())
    cached_names = media_cache / "names.json" if media_cache else None
    if cached_names and cached_names.exists():
        shutil.copytree(media_cache / "media", settings.MEDIA_ROOT, dirs_exist_ok=True)
        stored = json.loads(cached_names.read_text())
        portrait, photo = stored["portrait"], stored.__getitem__
    else:
        portrait, photo = portrait_file(), functools.partial(demo_photo, width=image_width)
    desk = read_demo_newsroom()
    set_up_desk(desk)
    sections = {section.slug: section for section in Section.objects.all()}
    writers = {person.name: person for person in Person.objects.exclude(author_kind="")}
    people = {}
    for story in stories:
        for entry in story["people"]:
            if entry["name"] not in people:
                people[entry["name"]] = make_person(
                    entry["name"],
                    slug=slugify(entry["name"]),
                    role=entry.get("role", ""),
                    aliases="\n".join(entry.get("aliases", [])),
                    bio=entry.get("bio", ""),
                    photo=portrait if not people else "",
                )
    articles = {}
    for story in stories:
        picture = story.get("image") or {}
        articles[story["slug"]] = make_article(
            story["headline"],
            slug=story["slug"],
            summary=story["summary"],
            body=story.get("body_html") or story["body"],
            byline=story["byline"],
            dateline=story["dateline"],
            source=story["source"],
            status=story["status"],
            published_at=datetime.fromisoformat(story["published_at"]) if story.get("published_at") else None,
            tags=story["tags"],
            people=[people[entry["name"]] for entry in story["people"]],
            lead_image=photo(picture["path"]) if picture else "",
            lead_image_alt=picture.get("alt", ""),
            lead_image_caption=picture.get("caption", ""),
            lead_image_credit=picture.get("credit", ""),
            section=sections[story["section"]],
        )
        names = bylines.person_names(story["byline"], story["source"])
        if names and all(name in writers for name in names):
            for position, name in enumerate(names, start=1):
                ArticleAuthor.objects.create(article=articles[story["slug"]], person=writers[name], position=position)
    if cached_names and not cached_names.exists():
        shutil.copytree(settings.MEDIA_ROOT, media_cache / "media")
        stored = {
            story["image"]["path"]: articles[story["slug"]].lead_library_picture.file.name
            for story in stories
            if story.get("image")
        }
        stored["portrait"] = next(iter(people.values())).photo.file.name
        cached_names.write_text(json.dumps(stored))
    # Loaded now, but as published: not "updated" since.
    for article in articles.values():
        Article.objects.filter(pk=article.pk).update(updated_at=article.published_at or article.created_at)
        article.refresh_from_db(fields=["updated_at"])
    apply_after_import(desk)
    for article in articles.values():
        article.refresh_from_db(fields=["updated_at"])
    for story in stories:
        for position, item in enumerate(story["related_headlines"], start=1):
            RelatedHeadline.objects.create(
                article=articles[story["slug"]],
                position=position,
                headline=item["headline"],
                target=articles.get(item.get("slug")),
                url=item.get("url", ""),
            )
    return articles, people


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
        "lead_library_picture": str(article.lead_library_picture_id or ""),
        "lead_shape": article.lead_shape,
        "tags": ", ".join(tag.name for tag in article.tags.all()),
        "people": [str(person.pk) for person in article.people.all()],
        "section": str(article.section_id),
        "byline_authors": [str(pk) for pk in article.bylines.values_list("person", flat=True)],
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
