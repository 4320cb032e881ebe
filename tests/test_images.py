import io
import struct
import zlib

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from PIL import ExifTags, Image

from articles import images
from articles.models import Article, Person
from pictures import crops
from pictures.models import Picture
from tests.factories import image_file, make_article, make_person, portrait_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    client.force_login(User.objects.create_superuser("desk", "desk@example.com", "pw"))
    return client


# The article page's inline formsets, sent empty.
INLINES = ["related_headlines", "pinned_stories", "excluded_stories"]


def story_form(**fields):
    return {
        "headline": "Ferry returns to the estuary",
        "slug": "ferry-returns",
        "summary": "The crossing reopens.",
        "body": "The ferry sailed again on Monday.",
        "status": "published",
        "published_at_0": "2026-11-20",
        "published_at_1": "09:30:00",
        "lead_shape": "free",
        "lead_image_alt": "The ferry at the quay",
        **{f"{inline}-{count}": "0" for inline in INLINES for count in ("TOTAL_FORMS", "INITIAL_FORMS")},
        **fields,
    }


def jpeg_with_camera_metadata(size=(400, 200)):
    """A landscape JPEG whose EXIF says "rotate 90° clockwise" and carries GPS coordinates."""
    image = Image.new("RGB", size, (200, 40, 40))
    image.paste((40, 40, 200), (0, 0, size[0] // 4, size[1]))  # a blue band on the left edge
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "ExampleCam"
    exif[ExifTags.Base.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (52.0, 12.0, 30.0)}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile("camera.jpg", buffer.getvalue(), content_type="image/jpeg")


def png_claiming_size(width, height):
    """A tiny PNG whose header claims a huge picture: what a decompression bomb looks like before decoding."""
    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    header = data[16:29]
    header[0:8] = struct.pack(">II", width, height)
    data[16:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(header)))
    return SimpleUploadedFile("huge.png", bytes(data), content_type="image/png")


def truncated_jpeg():
    buffer = io.BytesIO()
    Image.effect_noise((600, 400), 50).convert("RGB").save(buffer, format="JPEG")
    return SimpleUploadedFile("cut-off.jpg", buffer.getvalue()[:4000], content_type="image/jpeg")


def gif_file():
    buffer = io.BytesIO()
    Image.new("P", (40, 40)).save(buffer, format="GIF")
    return SimpleUploadedFile("anim.gif", buffer.getvalue(), content_type="image/gif")


def stored_files(settings):
    return sorted(path.name for path in settings.MEDIA_ROOT.rglob("*") if path.is_file())


def test_editor_uploads_a_photo_and_readers_get_webp_and_jpeg_renditions(
    editor, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(
            reverse("admin:articles_article_add"), story_form(lead_image=image_file("ferry.jpg", size=(1600, 900)))
        )

    assert response.status_code == 302
    article = Article.objects.get(slug="ferry-returns")
    picture = article.lead_library_picture
    assert picture.bytes == picture.file.size
    assert picture.renditions["sizes"]["free"] == [320, 640, 960, 1280, 1600]
    for width in [320, 640, 960, 1280, 1600]:
        for extension, image_format in [("webp", "WEBP"), ("jpg", "JPEG")]:
            name = picture.rendition_name("free", width, extension)
            with Image.open(settings.MEDIA_ROOT / name) as rendition:
                assert (rendition.format, rendition.size) == (image_format, (width, round(900 * width / 1600)))

    page = Client().get(article.get_absolute_url()).content.decode()
    webp = article.lead_picture.webp_srcset
    assert f'<source type="image/webp" srcset="{webp}" sizes="' in page
    assert webp.count("w, ") == 4 and webp.endswith("-1600w.webp 1600w")
    assert f'srcset="{article.lead_picture.jpeg_srcset}"' in page
    assert 'width="1600" height="900" alt="The ferry at the quay" fetchpriority="high"' in page
    assert "-1280w.jpg" in article.lead_picture.fallback.url


def test_upload_is_turned_upright_and_stripped_of_camera_and_location_data(
    editor, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        editor.post(reverse("admin:articles_article_add"), story_form(lead_image=jpeg_with_camera_metadata()))

    picture = Article.objects.get(slug="ferry-returns").lead_picture.picture
    assert (picture.width, picture.height) == (200, 400)
    with Image.open(picture.file.path) as stored:
        # The library strips a JPEG losslessly: the camera and the place are gone, only "turn it upright" stays.
        assert dict(stored.getexif()) == {ExifTags.Base.Orientation: 6}
        assert b"ExampleCam" not in picture.file.open("rb").read()
    assert picture.renditions["sizes"]["free"] == [200]
    with Image.open(settings.MEDIA_ROOT / picture.rendition_name("free", 200, "jpg")) as rendition:
        assert rendition.size == (200, 400)
        assert dict(rendition.getexif()) == {}
        # The blue band on the left of the landscape original is at the top once turned upright.
        assert rendition.getpixel((100, 10))[2] > 150 and rendition.getpixel((100, 390))[0] > 150


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            lambda: SimpleUploadedFile("notes.jpg", b"Meeting notes, not a photo.\n" * 50, "image/jpeg"),
            "This file is not an image (whatever its name says): upload a JPEG, PNG or WebP image.",
        ),
        (lambda: png_claiming_size(30_000, 30_000), "This image has far too many pixels (more than 40 megapixels)"),
        (
            lambda: png_claiming_size(9_000, 6_000),
            "This image is 9000 × 6000 pixels; the most accepted is 40 megapixels.",
        ),
        (truncated_jpeg, "This image is damaged or incomplete (image file is truncated"),
        (gif_file, "GIF images are not accepted: upload a JPEG, PNG or WebP image."),
    ],
    ids=["text renamed .jpg", "decompression bomb", "too many pixels", "truncated", "gif"],
)
def test_bad_upload_gets_a_clear_error_and_nothing_is_stored(editor, settings, upload, message):
    response = editor.post(reverse("admin:articles_article_add"), story_form(lead_image=upload()))

    assert response.status_code == 200
    assert [message in error for error in response.context["adminform"].form.errors["lead_image"]] == [True]
    assert message.split(" (")[0] in response.content.decode()
    assert not Article.objects.exists()
    assert stored_files(settings) == []


def test_upload_over_the_size_limit_is_refused(editor, settings):
    settings.IMAGE_MAX_BYTES = 10_000
    upload = SimpleUploadedFile("big.png", Image.effect_noise((200, 200), 80).tobytes() + b"x", "image/png")

    response = editor.post(reverse("admin:articles_article_add"), story_form(lead_image=upload))

    assert response.context["adminform"].form.errors["lead_image"] == [
        "This file is 39.1\xa0KB; the largest accepted is 9.8\xa0KB."
    ]


def test_importer_can_check_a_file_with_the_same_validator():
    with pytest.raises(images.ValidationError) as refused:
        images.validate_image(truncated_jpeg())
    assert refused.value.code == "damaged_image"
    images.validate_image(image_file())


def test_person_photo_with_transparency_gets_renditions_on_white(editor, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(
            reverse("admin:articles_person_add"),
            {"name": "Ada Lindqvist", "slug": "ada-lindqvist", "role": "Mayor", "photo_upload": portrait_file()},
        )

    assert response.status_code == 302
    person = Person.objects.get(slug="ada-lindqvist")
    assert person.photo.renditions["sizes"]["free"] == [320, 400]
    corner = settings.MEDIA_ROOT / person.photo.rendition_name("free", 320, "jpg")
    with Image.open(corner) as rendition:
        assert rendition.getpixel((2, 2)) == (255, 255, 255)


def test_rendition_widths_never_upscale():
    widths = [320, 640, 960, 1280, 1920]
    assert crops.widths_for(3000, widths) == [320, 640, 960, 1280, 1920]
    assert crops.widths_for(1920, widths) == [320, 640, 960, 1280, 1920]
    assert crops.widths_for(1000, widths) == [320, 640, 960, 1000]
    assert crops.widths_for(200, widths) == [200]


def test_rendition_names_follow_the_original():
    picture = Picture(file="pictures/2026/11/ferry.jpg")
    assert picture.rendition_name("free", 640, "webp") == "renditions/pictures/2026/11/ferry-free-640w.webp"


def test_building_renditions_again_rewrites_nothing_unless_asked(settings):
    picture = make_article(lead_image=image_file(size=(700, 400))).lead_library_picture
    written = {path: path.stat().st_mtime_ns for path in (settings.MEDIA_ROOT / "renditions").rglob("*.*")}
    assert len([path for path in written if "-free-" in path.name]) == 6  # 320, 640 and 700 wide, WebP and JPEG

    picture.build_renditions()
    assert {path: path.stat().st_mtime_ns for path in written} == written

    (settings.MEDIA_ROOT / picture.rendition_name("free", 320, "webp")).unlink()
    picture.build_renditions()
    assert all(path.exists() for path in written)


def test_command_builds_renditions_for_images_stored_before(settings):
    # Saved outside a committed transaction, so the library's task never ran: as for pictures moved into the
    # library by migration, or stored while the task worker was down.
    article = make_article("Old story", lead_library_picture=Picture.objects.create(file=image_file(size=(700, 400))))
    person = make_person("Old Face", photo=Picture.objects.create(file=portrait_file()))
    assert article.lead_picture.widths == () and person.picture.widths == ()

    call_command("build_renditions", verbosity=0)

    article = Article.objects.get(pk=article.pk)
    person = Person.objects.get(pk=person.pk)
    assert article.lead_picture.widths == (320, 640, 700)
    assert person.picture.widths == (320, 400)
    picture = article.lead_library_picture
    assert (settings.MEDIA_ROOT / picture.rendition_name("free", 700, "webp")).exists()


def test_renditions_of_an_image_stored_sideways_are_upright(settings):
    picture = Picture.objects.create(file=jpeg_with_camera_metadata())

    picture.build_renditions()

    assert picture.renditions["sizes"]["free"] == [200]
    with Image.open(settings.MEDIA_ROOT / picture.rendition_name("free", 200, "jpg")) as rendition:
        assert rendition.size == (200, 400)


def test_replaced_image_is_served_as_is_until_its_renditions_exist(client):
    article = make_article(lead_image=image_file(size=(700, 400)))
    replacement = Picture.objects.create(file=image_file("replacement.jpg", size=(500, 300)))
    article.lead_library_picture = replacement
    article.save()

    page = client.get(article.get_absolute_url()).content.decode()

    assert "<picture>" not in page
    assert f'src="{replacement.file.url}" width="500" height="300"' in page


def test_cards_below_the_fold_load_their_images_lazily(client, settings):
    for number in range(8):
        make_article(f"Picture story {number}", lead_image=image_file(size=(400, 225)))

    page = client.get(reverse("articles:front_page")).content.decode()

    lead_image = page.split('class="lead__image"')[1].split(">")[0]
    assert 'fetchpriority="high"' in lead_image
    card_images = [chunk for chunk in page.split('class="card__image"')[1:]]
    top_cards = settings.FRONT_PAGE_TOP_STORIES - 1
    assert ['loading="lazy"' in chunk.split(">")[0] for chunk in card_images] == [False] * top_cards + [True] * (
        8 - 1 - top_cards
    )


def test_pages_with_pictures_need_no_extra_queries_or_file_access(client, monkeypatch, django_assert_max_num_queries):
    mayor = make_person("Ada Lindqvist", slug="ada-lindqvist", photo=portrait_file())
    stories = [
        make_article(f"Story {n}", tags=["Harbour"], people=[mayor], lead_image=image_file(size=(400, 225)))
        for n in range(12)
    ]

    def no_file_access(*args, **kwargs):
        raise AssertionError("a reader's page touched the media storage")

    for method in ["exists", "open", "size", "listdir"]:
        monkeypatch.setattr(FileSystemStorage, method, no_file_access)
    # Lists: count, stories, their tags, their bylines; the front page also reads the editors' picks; every page
    # asks once for the header's sections, which the cache then keeps.
    for url, most in [
        (reverse("articles:front_page"), 6),
        (reverse("articles:tag", args=["harbour"]), 5),
        (mayor.get_absolute_url(), 5),
        (stories[0].get_absolute_url(), 9),
    ]:
        with django_assert_max_num_queries(most):
            response = client.get(url)
        assert response.status_code == 200 and "<picture>" in response.content.decode(), url


def test_building_renditions_records_the_size_a_picture_moved_into_the_library_lacks(settings):
    # As migration articles 0021 leaves a lead whose old record had neither: no size, no byte count.
    picture = Picture.objects.create(file=image_file(size=(700, 400)))
    Picture.objects.filter(pk=picture.pk).update(width=None, height=None, bytes=None)

    call_command("build_renditions", verbosity=0)

    picture = Picture.objects.get(pk=picture.pk)
    assert (picture.width, picture.height, picture.bytes) == (700, 400, picture.file.size)
    assert picture.is_ready and picture.crop("free").widths == (320, 640, 700)
