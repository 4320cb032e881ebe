"""A photo chosen before a form error is kept (server-side, under a signed token) and saved with the fix."""

import os
import time

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from articles import kept_uploads
from articles.models import Article, Person
from pictures.models import Picture
from tests.factories import image_file, make_article, make_person

pytestmark = pytest.mark.django_db


def logged_in(username):
    client = Client()
    client.force_login(User.objects.create(username=username, is_staff=True, is_superuser=True))
    return client


def new_story_form(**fields):
    return {
        "headline": "Harbour bridge reopens",
        "slug": "harbour-bridge-reopens",
        "summary": "",
        "body": "The bridge reopened on Monday.",
        "status": "draft",
        "lead_shape": "free",
        "lead_image_alt": "The bridge at dawn",
        "tags": "",
        **{
            f"{prefix}-{key}": "0"
            for prefix in ("related_headlines", "pinned_stories", "excluded_stories")
            for key in ("TOTAL_FORMS", "INITIAL_FORMS")
        },
        **fields,
    }


def kept_token(response, field="lead_image_kept"):
    return response.context["adminform"].form[field].value()


def test_a_photo_chosen_before_a_form_error_is_saved_with_the_story_after_the_fix(django_capture_on_commit_callbacks):
    editor = logged_in("alice")
    add = reverse("admin:articles_article_add")

    refused = editor.post(add, new_story_form(body="", lead_image=image_file("bridge.jpg")))

    page = refused.content.decode()
    assert refused.status_code == 200 and "This field is required" in page
    assert "Your photo <strong>bridge.jpg</strong> is kept" in page
    assert 'class="kept-upload__thumbnail"' in page and "/media/kept-uploads/" in page
    token = kept_token(refused)
    assert f'name="lead_image_kept" value="{token}"' in page
    assert not Article.objects.exists()

    kept_path = kept_uploads.path_for(token, User.objects.get(username="alice"))
    with django_capture_on_commit_callbacks(execute=True):
        saved = editor.post(add, new_story_form(lead_image_kept=token))

    assert saved.status_code == 302
    story = Article.objects.get()
    # Saved into the picture library, described as the form said, and made the story's lead.
    picture = Picture.objects.get()
    assert story.lead_library_picture == picture
    assert picture.file.name.startswith("pictures/") and picture.file.name.endswith(".jpg")
    assert (picture.width, picture.height) == (1200, 800)
    assert picture.alt == "The bridge at dawn"
    assert not default_storage.exists(kept_path)  # saved with the story, so no longer kept


def test_an_inline_error_keeps_the_photo_too_and_a_new_choice_replaces_it():
    editor = logged_in("alice")
    story = make_article("Ferry strike ends", slug="ferry-strike-ends", status=Article.Status.DRAFT)
    url = reverse("admin:articles_article_change", args=[story.pk])
    form = new_story_form(
        headline=story.headline,
        slug=story.slug,
        opened_version=str(story.version),
        **{
            "related_headlines-TOTAL_FORMS": "1",
            "related_headlines-0-position": "x",
            "related_headlines-0-headline": "Ferries",
        },
    )

    refused = editor.post(url, {**form, "lead_image": image_file("ferry.jpg")})
    assert refused.status_code == 200 and "Your photo <strong>ferry.jpg</strong> is kept" in refused.content.decode()

    form.update(
        {
            "related_headlines-0-position": "1",
            "opened_version": str(refused.context["adminform"].form["opened_version"].value()),
        }
    )
    saved = editor.post(
        url, {**form, "lead_image_kept": kept_token(refused), "lead_image": image_file("other.jpg", size=(640, 480))}
    )
    assert saved.status_code == 302
    assert Article.objects.get(pk=story.pk).lead_library_picture.width == 640  # the newer choice won
    assert Picture.objects.count() == 1  # and the kept one never went into the library


def test_a_kept_photo_is_only_for_the_editor_who_chose_it_and_only_for_a_day():
    alice, bob = logged_in("alice"), logged_in("bob")
    refused = alice.post(
        reverse("admin:articles_article_add"), new_story_form(body="", lead_image=image_file("bridge.jpg"))
    )
    token = kept_token(refused)

    assert bob.post(reverse("admin:articles_article_add"), new_story_form(lead_image_kept=token)).status_code == 302
    assert not Article.objects.get().lead_library_picture  # Bob's post does not get Alice's photo
    assert not Picture.objects.exists()
    assert kept_uploads.path_for(token + "x", User.objects.get(username="alice")) is None

    # A day later the file is gone.
    path = kept_uploads.path_for(token, User.objects.get(username="alice"))
    a_day_ago = time.time() - 25 * 3600
    os.utime(default_storage.path(path), (a_day_ago, a_day_ago))
    call_command("clear_kept_uploads", verbosity=0)
    assert not default_storage.exists(path)


def test_a_persons_photo_is_kept_across_an_error_as_well():
    editor = logged_in("alice")
    mayor = make_person("Ada Lindqvist", slug="ada-lindqvist")
    url = reverse("admin:articles_person_change", args=[mayor.pk])
    opened = editor.get(url).context["adminform"].form
    form = {
        name: opened[name].value() or ""
        for name in ["name", "slug", "role", "bio", "aliases", "opened_version", "opened_state"]
    }

    refused = editor.post(url, {**form, "slug": "not a slug!", "photo_upload": image_file("ada.jpg", size=(400, 400))})
    assert refused.status_code == 200 and "Your photo <strong>ada.jpg</strong> is kept" in refused.content.decode()

    kept = kept_token(refused, "photo_upload_kept")
    assert editor.post(url, {**form, "photo_upload_kept": kept}).status_code == 302
    photo = Person.objects.get(pk=mayor.pk).photo
    assert photo == Picture.objects.get() and photo.width == 400
