"""Stored pictures follow the transactions and rows that use them; `cleanup_media` removes what a crash left."""

import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from articles.models import Article
from pictures.models import Picture
from tests.factories import image_file, make_article, make_person, make_picture, portrait_file
from tests.test_import import png_bytes, refused, run, stored_files, wire_story, write

pytestmark = pytest.mark.django_db(transaction=True)


def media_names():
    root = Path(settings.MEDIA_ROOT)
    return {str(path.relative_to(root)) for path in stored_files()}


def picture_files(article_or_picture):
    """The original and the renditions of a story's lead picture (or of a picture), as stored names."""
    picture = getattr(article_or_picture, "lead_library_picture", article_or_picture)
    stem = os.path.splitext(picture.file.name)[0]
    return {name for name in media_names() if name == picture.file.name or name.startswith(f"renditions/{stem}-")}


def test_a_replaced_picture_and_its_renditions_are_deleted_once_the_change_commits():
    article = make_article(lead_image=image_file("first.jpg", size=(700, 400)))
    old_files = picture_files(article)
    assert len(old_files) > 1  # the original and its renditions

    picture = Picture.objects.get(pk=article.lead_library_picture_id)
    picture.file = image_file("second.jpg", size=(700, 400), color=(200, 10, 10))
    picture.save()  # its new renditions are built once the save commits

    article = Article.objects.get(pk=article.pk)
    assert not old_files & media_names()
    assert picture_files(article) <= media_names() and len(picture_files(article)) > 1


def test_a_replacement_that_rolls_back_keeps_the_old_picture():
    article = make_article(lead_image=image_file("first.jpg", size=(700, 400)))
    old_files = picture_files(article)
    with pytest.raises(RuntimeError), transaction.atomic():
        picture = Picture.objects.get(pk=article.lead_library_picture_id)
        picture.file = image_file("second.jpg", size=(700, 400), color=(200, 10, 10))
        picture.save()
        raise RuntimeError("the save failed after all")
    assert old_files <= media_names()
    assert Picture.objects.get(pk=article.lead_library_picture_id).file.name in old_files


def test_a_picture_another_row_still_uses_is_kept():
    first = make_picture(image_file("shared.jpg", size=(700, 400)))
    second = make_picture(image_file("other.jpg", size=(700, 400)))
    Picture.objects.filter(pk=second.pk).update(file=first.file.name)
    kept = picture_files(first)
    first.delete()
    assert kept <= media_names()
    Picture.objects.get(pk=second.pk).delete()
    assert not kept & media_names()


def test_deleting_a_person_keeps_their_photo_in_the_library_until_it_is_deleted_there():
    person = make_person(photo=portrait_file())
    picture = person.photo
    files = picture_files(picture)
    assert picture.file.name in files and len(files) > 1
    person.delete()
    assert files <= media_names()
    picture.delete()
    assert not files & media_names()


def test_a_refused_import_leaves_no_file(tmp_path):
    write(tmp_path, "a.png", png_bytes())
    write(tmp_path, "1-good.txt", wire_story("The harbour reopened.", front={"image": "a.png"}))
    write(tmp_path, "2-bad.txt", wire_story("The ferry sailed.", front={"image": "../outside.png"}))
    refused(tmp_path)
    assert media_names() == set()


def test_a_reimport_with_a_new_picture_adds_it_to_the_library_and_keeps_the_old_one_there(tmp_path):
    write(tmp_path, "a.png", png_bytes())
    story = write(tmp_path, "story.txt", wire_story("The harbour reopened.", front={"image": "a.png"}))
    run(story)
    old = Article.objects.get().lead_library_picture
    old_files = picture_files(old)
    write(tmp_path, "a.png", png_bytes(color=(10, 10, 200)))
    run(story)
    new = Article.objects.get().lead_library_picture
    assert new != old and new.file.name in media_names()
    # The library keeps what it was given (another story may choose it); an editor deletes it there, and then
    # its files go.
    assert old_files <= media_names()
    Picture.objects.get(pk=old.pk).delete()
    assert not old_files & media_names()


def test_cleanup_media_removes_orphans_and_keeps_what_is_used():
    article = make_article(lead_image=image_file("kept.jpg", size=(700, 400)))
    used = picture_files(article)
    media = Path(settings.MEDIA_ROOT)
    orphans = ["articles/2026/01/lost.jpg", "renditions/articles/2026/01/lost-320w.webp", "people/2026/gone.png"]
    for name in orphans:
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(b"x" * 10)

    out = io.StringIO()
    call_command("cleanup_media", "--dry-run", "--min-age", "0", stdout=out)
    assert "Would delete 3 orphaned files" in out.getvalue()
    assert set(orphans) <= media_names()

    # Young files may belong to an import still running: left alone by default.
    call_command("cleanup_media", stdout=io.StringIO())
    assert set(orphans) <= media_names()

    out = io.StringIO()
    call_command("cleanup_media", "--min-age", "0", stdout=out)
    assert "Deleted 3 orphaned files" in out.getvalue()
    assert media_names() == used


def test_an_import_killed_half_way_leaves_no_orphan_after_cleanup_media(tmp_path):
    """A real process, killed with SIGKILL while it writes pictures: nothing it wrote survives the cleanup."""
    corpus = tmp_path / "corpus"
    for number in range(120):
        write(corpus, f"pics/{number:03d}.png", png_bytes(color=(number, 80, 160)))
        write(
            corpus,
            f"{number:03d}.txt",
            wire_story(f"Story number {number} about the harbour.", front={"image": f"pics/{number:03d}.png"}),
        )
    media = tmp_path / "media"
    database = tmp_path / "site.sqlite3"
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{database}",
        "MEDIA_ROOT": str(media),
    }
    env.pop("REDIS_URL", None)
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=settings.BASE_DIR)
    # A story imported before, whose picture must survive the cleanup.
    write(tmp_path / "earlier", "kept.png", png_bytes(color=(1, 2, 3)))
    write(tmp_path / "earlier", "kept.txt", wire_story("An earlier story.", front={"image": "kept.png"}))
    subprocess.run([*manage, "import_articles", str(tmp_path / "earlier")], env=env, check=True, cwd=settings.BASE_DIR)
    kept = set(media_files_on_disk(media))

    importer = subprocess.Popen(
        [*manage, "import_articles", str(corpus)], env=env, cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while len(media_files_on_disk(media)) < len(kept) + 10 and time.monotonic() < deadline:
        assert importer.poll() is None, "the import finished before it could be killed"
        time.sleep(0.05)
    importer.send_signal(signal.SIGKILL)
    importer.wait()

    left_behind = set(media_files_on_disk(media)) - kept
    assert left_behind, "the killed import wrote no file: nothing was tested"
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM articles_article").fetchone() == (1,)  # rolled back

    cleanup = subprocess.run(
        [*manage, "cleanup_media", "--min-age", "0"], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True
    )
    assert cleanup.returncode == 0, cleanup.stderr
    assert set(media_files_on_disk(media)) == kept
    with sqlite3.connect(database) as db:
        (stored,) = db.execute("SELECT file FROM pictures_picture").fetchone()
    assert stored in kept


def media_files_on_disk(media):
    return [str(path.relative_to(media)) for path in media.rglob("*") if path.is_file()] if media.exists() else []


def test_a_picture_uploaded_by_an_admin_save_that_fails_is_removed(client, monkeypatch):
    from django.contrib.auth.models import User
    from django.urls import reverse

    from tests.test_images import story_form

    client.force_login(User.objects.create_superuser("desk", "desk@example.com", "pw"))

    def fails(*args, **kwargs):
        raise RuntimeError("the revision could not be recorded")

    monkeypatch.setattr(Article, "record_revision", fails)
    client.raise_request_exception = False
    response = client.post(reverse("admin:articles_article_add"), story_form(lead_image=image_file("lost.jpg")))
    assert response.status_code == 500
    assert not Article.objects.exists()
    assert media_names() == set()

    monkeypatch.undo()
    response = client.post(reverse("admin:articles_article_add"), story_form(lead_image=image_file("kept.jpg")))
    assert response.status_code == 302
    assert Article.objects.get().lead_library_picture.file.name in media_names()


def test_library_pictures_and_their_crops_are_kept_by_cleanup_media_and_go_with_the_picture():
    picture = Picture.objects.create(file=image_file("clock-tower-16x9.jpg", size=(1300, 900)), focal_y=0.1)
    stem = os.path.splitext(picture.file.name)[0]
    library = {name for name in media_names() if name == picture.file.name or name.startswith(f"renditions/{stem}-")}
    assert {f"renditions/{stem}-16x9-f50x10-1280w.jpg", f"renditions/{stem}-1200x630-f50x10-1200w.webp"} <= library
    story = make_article(lead_image=image_file("clock-tower.jpg", size=(700, 400)))
    stored = media_names()

    out = io.StringIO()
    call_command("cleanup_media", "--min-age", "0", stdout=out)
    assert "Deleted 0 orphaned files" in out.getvalue()
    assert media_names() == stored

    picture.delete()
    assert media_names() == stored - library
    assert picture_files(story) <= media_names()
