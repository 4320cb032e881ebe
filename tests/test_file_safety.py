"""Files that come in are safe by construction: named by their verified format, cleaned like any upload,
read only from inside the import's folder, and served as inert data."""

import io
import os
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import ExifTags, Image, PngImagePlugin

from articles.models import Article
from tests.test_images import story_form
from tests.test_import import refused, row_counts, run, stored_files, wire_story, write

pytestmark = pytest.mark.django_db

SCRIPT = b"<html><body><script>alert(document.cookie)</script></body></html>"


def png_with_script(size=(40, 30)):
    """A valid PNG whose text chunk holds a page with a script: harmless as a picture, not as HTML."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SCRIPT.decode())
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 60)).save(buffer, format="PNG", pnginfo=info)
    data = buffer.getvalue()
    assert SCRIPT in data
    return data


def media_response(name):
    return Client().get(f"/media/{name}")


def test_an_imported_png_named_html_is_stored_and_served_as_a_clean_png(tmp_path):
    write(tmp_path, "photo.html", png_with_script())
    story = write(tmp_path, "story.txt", wire_story("The harbour reopened.", front={"image": "photo.html"}))
    run(story)

    file = Article.objects.get().lead_library_picture.file
    assert file.name.endswith(".png")
    assert ".html" not in file.name
    stored = Path(file.path).read_bytes()
    assert SCRIPT not in stored  # the text chunk went with the metadata
    with Image.open(io.BytesIO(stored)) as picture:
        assert picture.format == "PNG" and picture.size == (40, 30)

    response = media_response(file.name)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    feed = Client().get(reverse("articles:latest_feed")).content
    assert b".html" not in feed


def test_an_uploaded_png_named_html_is_stored_as_png(client):
    client.force_login(User.objects.create_superuser("desk", "desk@example.com", "pw"))
    upload = SimpleUploadedFile("photo.html", png_with_script(), content_type="text/html")
    response = client.post(reverse("admin:articles_article_add"), story_form(lead_image=upload))
    assert response.status_code == 302

    file = Article.objects.get().lead_library_picture.file
    assert file.name.endswith(".png") and "photo" in file.name
    assert SCRIPT not in Path(file.path).read_bytes()
    assert media_response(file.name)["Content-Type"] == "image/png"


def test_every_media_response_is_inert(tmp_path, settings):
    # Even a file that got into the media folder some other way is never run as a page.
    (Path(settings.MEDIA_ROOT) / "old").mkdir(parents=True)
    (Path(settings.MEDIA_ROOT) / "old" / "page.html").write_bytes(SCRIPT)
    response = media_response("old/page.html")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


# --- imports stay inside their tree ----------------------------------------------------------


@pytest.fixture
def tree(tmp_path):
    """An import folder with a picture inside, and a picture and a secret outside it."""
    inside = tmp_path / "import"
    write(inside, "pics/inside.png", png_with_script())
    write(tmp_path, "outside.png", png_with_script())
    write(tmp_path, "secret.txt", "not for the site")
    return inside


def outside_refusal(folder, image):
    write(folder, "story.txt", wire_story("The harbour reopened.", front={"image": image}))
    before, files = row_counts(), stored_files()
    error = refused(folder)
    assert row_counts() == before and stored_files() == files
    assert "story.txt: image:" in error
    return error


def test_dot_dot_out_of_the_import_folder_is_refused_without_saying_whether_the_file_exists(tree):
    existing = outside_refusal(tree, "../outside.png")
    missing = outside_refusal(tree, "../nothing-here.png")
    for error in (existing, missing):
        assert "outside the folder being imported" in error
        assert "no such file" not in error and "not a readable" not in error
    assert existing.replace("outside.png", "X") == missing.replace("nothing-here.png", "X")


def test_a_symlink_out_of_the_import_folder_is_refused(tree):
    os.symlink(tree.parent / "secret.txt", tree / "pics" / "innocent.png")
    error = outside_refusal(tree, "pics/innocent.png")
    assert "outside the folder being imported" in error
    os.symlink(tree.parent, tree / "up")
    assert "outside the folder being imported" in outside_refusal(tree, "up/outside.png")


def test_a_story_in_a_subfolder_may_use_a_picture_elsewhere_inside_the_import_folder(tree):
    write(tree, "desk/story.txt", wire_story("The harbour reopened.", front={"image": "../pics/inside.png"}))
    os.symlink(tree / "pics" / "inside.png", tree / "desk" / "link.png")
    write(tree, "desk/other.txt", wire_story("The ferry sailed again.", front={"image": "link.png"}))
    run(tree)
    assert Article.objects.exclude(lead_library_picture=None).count() == 2


def test_an_absolute_image_path_is_refused(tree):
    assert "must be a path relative to the story file" in outside_refusal(tree, str(tree / "pics" / "inside.png"))


def test_naming_the_story_file_makes_its_folder_the_limit(tree):
    story = write(tree, "desk/story.txt", wire_story("The harbour reopened.", front={"image": "../pics/inside.png"}))
    error = refused(story)
    assert "outside the folder being imported" in error


# --- imported pictures meet the upload rules --------------------------------------------------


def test_an_oversize_imported_picture_is_refused_with_the_limit(tmp_path, settings):
    settings.IMAGE_MAX_BYTES = 2000
    buffer = io.BytesIO()
    Image.effect_noise((200, 200), 60).convert("RGB").save(buffer, format="PNG")
    write(tmp_path, "big.png", buffer.getvalue())
    write(tmp_path, "story.txt", wire_story("The harbour reopened.", front={"image": "big.png"}))
    error = refused(tmp_path)
    assert "story.txt: image: big.png: This file is" in error and "the largest accepted is 2.0" in error
    assert not Article.objects.exists()


def test_an_imported_picture_with_too_many_pixels_is_refused(tmp_path, settings):
    settings.IMAGE_MAX_PIXELS = 1000
    buffer = io.BytesIO()
    Image.new("RGB", (100, 100)).save(buffer, format="PNG")
    write(tmp_path, "wide.png", buffer.getvalue())
    write(tmp_path, "story.txt", wire_story("The harbour reopened.", front={"image": "wide.png"}))
    assert "100 × 100 pixels" in refused(tmp_path)


def test_an_imported_gif_is_refused_like_an_upload(tmp_path):
    buffer = io.BytesIO()
    Image.new("P", (40, 40)).save(buffer, format="GIF")
    write(tmp_path, "anim.gif", buffer.getvalue())
    write(tmp_path, "story.txt", wire_story("The harbour reopened.", front={"image": "anim.gif"}))
    assert "GIF images are not accepted" in refused(tmp_path)


def test_an_imported_camera_photo_is_turned_upright_and_loses_its_metadata(tmp_path):
    image = Image.new("RGB", (400, 200), (200, 40, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "ExampleCam"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    write(tmp_path, "camera.jpeg", buffer.getvalue())
    write(tmp_path, "story.txt", wire_story("The harbour reopened.", front={"image": "camera.jpeg"}))
    run(tmp_path)

    picture = Article.objects.get().lead_library_picture
    assert picture.file.name.endswith(".jpg")
    assert (picture.width, picture.height) == (200, 400)
    with Image.open(picture.file.path) as stored:
        # Stripped losslessly, as the library does: only "turn it upright" stays, and its renditions are upright.
        assert dict(stored.getexif()) == {ExifTags.Base.Orientation: 6}
    assert b"ExampleCam" not in Path(picture.file.path).read_bytes()
    picture.build_renditions()
    with Image.open(Path(picture.file.storage.path(picture.rendition_name("free", 200, "jpg")))) as rendition:
        assert rendition.size == (200, 400) and not rendition.getexif()
