"""The demo newsroom's editorial set-up that story files do not carry (demo/newsroom.json): its sections, the
staff and contributors who write the bylines, the notes appended since, and the editors' front page.

`load_demo` sets up the desk, imports the demo stories (whose bylines then link to the staff), and applies the
rest; the tests' demo newsroom does the same around its own story builder. Re-applying changes nothing.
"""

import json
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.text import slugify

from articles.models import Article, Correction, FrontPageSlot, Person, Section
from pictures.models import Picture

DEMO_FOLDER = settings.BASE_DIR / "demo"
DEMO_NEWSROOM = DEMO_FOLDER / "newsroom.json"


def read_demo_newsroom(path=DEMO_NEWSROOM):
    return json.loads(path.read_text(encoding="utf-8"))


def set_up_desk(data):
    """Sections (main ones first) and the people who write for us, before any story arrives."""
    by_slug = {}
    for entry in sorted(data.get("sections", []), key=lambda entry: "parent" in entry):
        by_slug[entry["slug"]], _created = Section.objects.update_or_create(
            slug=entry["slug"],
            defaults={
                "name": entry["name"],
                "description": entry.get("description", ""),
                "order": entry.get("order", 0),
                "parent": by_slug.get(entry.get("parent")),
            },
        )
    for entry in data.get("staff", []):
        person, _created = Person.objects.update_or_create(
            slug=slugify(entry["name"]),
            defaults={
                "name": entry["name"],
                "author_kind": entry["kind"],
                "role": entry.get("role", ""),
                "bio": entry.get("bio", ""),
                "profile_urls": "\n".join(entry.get("profiles", [])),
            },
        )
        if entry.get("photo") and not person.photo_id:
            path = DEMO_FOLDER / entry["photo"]
            upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="image/png")
            person.photo = Picture.objects.create(file=upload, title=person.name, alt=person.name)
            person.save()


def add_corrections(entries):
    """Append the demo's corrections and updates at the times they were written; returns how many were new."""
    added = 0
    for entry in entries:
        _note, created = Correction.objects.get_or_create(
            article=Article.objects.get(slug=entry["story"]),
            kind=entry["kind"],
            text=entry["text"],
            defaults={"created_at": datetime.fromisoformat(entry["time"])},
        )
        added += created
    return added


def choose_front_page(entries):
    """The editors' picks, in force from now for the usual time (they expire like any editor's)."""
    expires_at = timezone.now() + timedelta(hours=settings.FRONT_PAGE_SLOT_HOURS)
    for entry in entries:
        FrontPageSlot.objects.update_or_create(
            article=Article.objects.get(slug=entry["story"]),
            defaults={"position": entry["position"], "expires_at": expires_at},
        )


def apply_after_import(data):
    """What editors did once the stories were in."""
    added = add_corrections(data.get("corrections", []))
    choose_front_page(data.get("front_page", []))
    return {"corrections": added}
