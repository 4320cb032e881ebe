"""Migration articles 0021: stories' uploaded lead images and people's photos become library pictures (the same
stored files, described as the stories described them), and back, and forwards again without doubles."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from articles.formats import headline_key
from articles.models import Article, Person
from pictures.models import Picture

BEFORE = [("articles", "0019_addresses"), ("pictures", "0003_picture_bytes")]

pytestmark = pytest.mark.django_db(transaction=True)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def stored(name):
    return default_storage.save(name, ContentFile(b"an image, as far as the migration cares"))


def test_uploaded_leads_and_photos_move_into_the_library_and_back_and_forwards_again():
    old = migrate(BEFORE)
    try:
        _round_trip(old)
    finally:
        migrate(latest())


def _round_trip(old):
    Section = old.get_model("articles", "Section")
    OldArticle = old.get_model("articles", "Article")
    OldPerson = old.get_model("articles", "Person")
    OldPicture = old.get_model("pictures", "Picture")
    news = Section.objects.get_or_create(slug="news", defaults={"name": "News"})[0]
    quay, older = stored("articles/2026/11/quay.jpg"), stored("articles/2026/10/older.jpg")
    portrait, library_file = stored("people/2026/ada.png"), stored("pictures/2026/11/ferry.jpg")
    chosen = OldPicture.objects.create(file=library_file, title="Ferry", width=800, height=600, renditions={})

    def story(slug, **fields):
        return OldArticle.objects.create(
            headline=slug.replace("-", " ").capitalize(),
            headline_key=headline_key(slug),
            slug=slug,
            body="<p>Text.</p>",
            status="published",
            published_at=timezone.now(),
            section=news,
            **fields,
        ).pk

    uploaded = {"lead_image_width": 1200, "lead_image_height": 800}
    first = story(
        "quay-reopens",
        lead_image=quay,
        lead_image_renditions={"name": quay, "widths": [320], "bytes": 4321},
        lead_image_alt="The quay at dawn",
        lead_image_caption="Boats are back.",
        lead_image_credit="Staff photo",
        **uploaded,
    )
    second = story("quay-busy", lead_image=quay, lead_image_caption="Another caption", **uploaded)
    # A library lead wins over an upload readers never saw; the upload is kept in the library all the same.
    third = story("ferry-returns", lead_image=older, lead_library_picture=chosen, **uploaded)
    bare = story("no-picture")
    ada = OldPerson.objects.create(name="Ada Lindqvist", slug="ada", photo=portrait, photo_width=400, photo_height=400)

    migrate(latest())

    lead = Article.objects.get(pk=first).lead_library_picture
    assert lead.file.name == quay and (lead.width, lead.height, lead.bytes) == (1200, 800, 4321)
    assert (lead.alt, lead.caption, lead.credit, lead.title) == (
        "The quay at dawn",
        "Boats are back.",
        "Staff photo",
        "quay",
    )
    assert lead.renditions == {}  # built by the library's task or build_renditions; pages show the original till then
    assert Article.objects.get(pk=second).lead_library_picture == lead  # one picture per stored file
    assert Article.objects.get(pk=third).lead_library_picture_id == chosen.pk
    assert Picture.objects.filter(file=older).exists()
    assert Article.objects.get(pk=bare).lead_library_picture is None
    photo = Person.objects.get(pk=ada.pk).photo
    assert photo.file.name == portrait and (photo.width, photo.height) == (400, 400)
    assert set(photo.people_using()) == {Person.objects.get(pk=ada.pk)}
    pictures = dict(Picture.objects.values_list("file", "pk"))
    assert len(pictures) == 4

    old = migrate(BEFORE)
    OldArticle = old.get_model("articles", "Article")
    back = OldArticle.objects.get(pk=first)
    assert (back.lead_image.name, back.lead_image_width, back.lead_image_height) == (quay, 1200, 800)
    assert (back.lead_image_alt, back.lead_image_caption, back.lead_image_credit) == (
        "The quay at dawn",
        "Boats are back.",
        "Staff photo",
    )
    # Every story with a library lead gets its file in the old field too (the old code shows the library lead).
    assert OldArticle.objects.get(pk=third).lead_image.name == library_file
    assert OldArticle.objects.get(pk=bare).lead_image.name == ""
    assert old.get_model("articles", "Person").objects.get(pk=ada.pk).photo.name == portrait

    migrate(latest())

    assert dict(Picture.objects.values_list("file", "pk")) == pictures  # nothing made twice
    assert Article.objects.get(pk=first).lead_library_picture_id == pictures[quay]
    assert Person.objects.get(pk=ada.pk).photo_id == pictures[portrait]
