"""Media: picture sizes stored on every path, no file opened to render a page, and MEDIA_STORAGE=s3 against a
local S3-compatible server (moto's server mode, started here on loopback)."""

import builtins
import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import call_command
from django.urls import reverse
from moto.server import ThreadedMotoServer
from PIL import Image

from articles.models import Article, Person
from tests.factories import image_file, make_article, make_person

pytestmark = pytest.mark.django_db


def story_files(tmp_path):
    folder = tmp_path / "wire"
    (folder / "pics").mkdir(parents=True)
    (folder / "pics" / "quay.jpg").write_bytes(image_file("quay.jpg", size=(900, 600)).read())
    fixture = {
        "headline": "Quay reopens",
        "body": "The quay reopened.",
        "image": "pics/quay.jpg",
        "status": "published",
    }
    (folder / "quay.json").write_text(json.dumps([fixture]))
    return folder


def test_picture_sizes_are_stored_on_every_path(tmp_path, django_capture_on_commit_callbacks):
    imported = story_files(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_articles", str(imported), stdout=io.StringIO(), stderr=io.StringIO())
    picture = Article.objects.get(headline="Quay reopens").lead_library_picture
    assert (picture.width, picture.height) == (900, 600)
    assert picture.bytes == picture.file.size

    person = make_person("Ada Lindqvist", photo=image_file("ada.png", size=(300, 400), image_format="PNG"))
    assert (person.photo.width, person.photo.height) == (300, 400)
    assert person.photo.bytes == person.photo.file.size


@pytest.fixture
def no_media_access(monkeypatch):
    """Any opening, sizing or probing of a stored picture fails the test."""
    media_root = str(django_settings.MEDIA_ROOT)

    def refuse(*args, **kwargs):
        raise AssertionError(f"a page touched the media store: {args[1:] or kwargs}")

    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        if str(file).startswith(media_root):
            raise AssertionError(f"a page opened {file}")
        return real_open(file, *args, **kwargs)

    for name in ("open", "size", "exists", "path", "listdir", "get_modified_time"):
        monkeypatch.setattr(FileSystemStorage, name, refuse)
    monkeypatch.setattr(Image, "open", refuse)
    monkeypatch.setattr(builtins, "open", guarded_open)


def test_rendering_pages_opens_no_picture(newsroom, client, no_media_access):
    people = list(Person.objects.mentioned().exclude(photo=None))
    assert people and Article.objects.exclude(lead_library_picture=None).exists()
    urls = [
        reverse("articles:front_page"),
        reverse("articles:latest_feed"),
        reverse("articles:latest_atom_feed"),
        reverse("articles:people"),
        reverse("api:story_list"),
        *(person.get_absolute_url() for person in people),
        *(story.get_absolute_url() for story in Article.objects.published().exclude(lead_library_picture=None)),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    """moto's S3-compatible server on loopback, for this module's tests."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_media(s3_server, settings):
    """MEDIA_STORAGE=s3 as settings.py makes it from the environment, with a fresh bucket."""
    bucket = f"media-{os.urandom(4).hex()}"
    environment = {
        "MEDIA_STORAGE": "s3",
        "S3_ENDPOINT_URL": s3_server,
        "S3_BUCKET": bucket,
        "S3_ACCESS_KEY_ID": "testing",
        "S3_SECRET_ACCESS_KEY": "testing",
    }
    configured = s3_settings(environment)
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {**settings.STORAGES, "default": configured["storage"]}
    settings.MEDIA_URL = configured["media_url"]
    return client, bucket


def s3_settings(environment):
    """What settings.py makes of the environment, read in a fresh interpreter (settings are read once)."""
    code = (
        "import json, django; from django.conf import settings; "
        "print(json.dumps({'storage': settings.STORAGES['default'], 'media_url': settings.MEDIA_URL, "
        "'serve_media': settings.SERVE_MEDIA}))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsroom.settings", "DJANGO_DEBUG": "1", **environment}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=Path(__file__).parent.parent, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    configured = json.loads(result.stdout.strip().splitlines()[-1])
    assert configured["serve_media"] is False  # the store serves media, not Django
    return configured


def test_pictures_go_to_object_storage_with_renditions_and_leave_with_their_picture(
    s3_media, client, django_capture_on_commit_callbacks
):
    s3, bucket = s3_media
    with django_capture_on_commit_callbacks(execute=True):
        story = make_article("Quay reopens", lead_image=image_file("quay.jpg", size=(1000, 700)))
    picture = story.lead_library_picture
    names = {item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    assert picture.file.name in names
    renditions = {name for name in names if name.startswith("renditions/")}
    assert len(renditions) == 2 * sum(len(widths) for widths in picture.renditions["sizes"].values())
    head = s3.head_object(Bucket=bucket, Key=sorted(renditions)[0])
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    assert s3.head_object(Bucket=bucket, Key=picture.file.name)["CacheControl"] == "public, max-age=86400"

    page = client.get(story.get_absolute_url()).content.decode()
    shown = [name for name in renditions if f"{django_settings.MEDIA_URL}{name}" in page]
    assert shown
    # The store serves what the page links to.
    fetched = s3.get_object(Bucket=bucket, Key=picture.file.name)["Body"].read()
    assert Image.open(io.BytesIO(fetched)).size == (1000, 700)

    # An upload under a name already taken gets a new name: what a URL holds never changes.
    again = default_storage.save(picture.file.name, io.BytesIO(b"other"))
    assert again != picture.file.name

    # The story goes, its picture stays in the library; deleted there, its files leave the store.
    with django_capture_on_commit_callbacks(execute=True):
        story.delete()
    assert picture.file.name in {item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    with django_capture_on_commit_callbacks(execute=True):
        picture.delete()
    left = {item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    assert picture.file.name not in left and not left & renditions


def test_imports_store_pictures_in_object_storage(s3_media, tmp_path, django_capture_on_commit_callbacks):
    s3, bucket = s3_media
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_articles", str(story_files(tmp_path)), stdout=io.StringIO(), stderr=io.StringIO())
    picture = Article.objects.get(headline="Quay reopens").lead_library_picture
    names = {item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    assert picture.file.name in names
    assert (picture.width, picture.height) == (900, 600)
    assert {name for name in names if name.startswith("renditions/")}


def test_local_media_renditions_are_served_immutable(client, django_capture_on_commit_callbacks):
    picture = make_article("Quay reopens", lead_image=image_file("quay.jpg", size=(700, 500))).lead_library_picture
    rendition = picture.rendition_name("free", 320, "webp")
    response = client.get(f"/media/{rendition}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get(f"/media/{picture.file.name}")["Cache-Control"] == "public, max-age=86400"
