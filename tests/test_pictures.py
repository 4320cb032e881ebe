"""The picture library: focal-point crops, renditions built off the request by the task worker, metadata read
on upload and then stripped, reuse by several stories, the admin's library screens."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from articles import body
from articles.models import Article, Person
from pictures import crops, metadata
from pictures.models import Picture, PictureInUse
from tests.factories import admin_article_data, make_article, make_person, make_staff

pytestmark = pytest.mark.django_db

RED, BLUE = (220, 20, 20), (20, 40, 200)


def photo_bytes(size=(1200, 1800), subject_rows=200, image_format="JPEG", **save_options):
    """A photo whose subject (a red band) is along its top edge; the rest is sky blue."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0], subject_rows))
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, quality=90, **save_options)
    return buffer.getvalue()


def upload(name="tower.jpg", **options):
    return SimpleUploadedFile(name, photo_bytes(**options), content_type="image/jpeg")


def add_picture(django_capture_on_commit_callbacks, **fields):
    with django_capture_on_commit_callbacks(execute=True):
        return Picture.objects.create(file=fields.pop("file", None) or upload(), **fields)


def stored_image(picture, shape, width, extension="jpg"):
    with picture.file.storage.open(picture.rendition_name(shape, width, extension)) as stored:
        image = Image.open(stored)
        image.load()
        return image


def is_red(pixel):
    return pixel[0] > 150 and pixel[2] < 100


def test_crop_boxes_keep_the_focal_point_and_stay_inside_the_picture():
    assert crops.crop_box(1200, 1800, "16x9", 0.5, 0.05) == crops.Box(0, 0, 1200, 675)
    assert crops.crop_box(1200, 1800, "16x9", 0.5, 0.5) == crops.Box(0, 562, 1200, 675)
    assert crops.crop_box(1200, 1800, "1x1", 0.5, 1.0) == crops.Box(0, 600, 1200, 1200)
    assert crops.crop_box(4000, 3000, "16x9", 0.9, 0.5) == crops.Box(0, 375, 4000, 2250)
    assert crops.crop_box(4000, 2000, "4x3", 0.9, 0.5) == crops.Box(1333, 0, 2667, 2000)
    assert crops.crop_box(300, 200, "free") == crops.Box(0, 0, 300, 200)
    assert crops.widths_for(800, (320, 640, 960, 1280, 1920)) == [320, 640, 800]
    assert crops.widths_for(5000, (320, 640, 960, 1280, 1920)) == [320, 640, 960, 1280, 1920]


def test_a_subject_at_the_top_stays_in_the_wide_and_square_crops(django_capture_on_commit_callbacks):
    picture = add_picture(django_capture_on_commit_callbacks, focal_x=0.5, focal_y=0.05)
    picture.refresh_from_db()
    assert picture.is_ready
    for shape in ("16x9", "1x1"):
        crop = stored_image(picture, shape, 640)
        assert crop.width == 640 and crop.height == {"16x9": 360, "1x1": 640}[shape]
        assert is_red(crop.getpixel((320, 5))), f"the subject was cut off the {shape} crop"

    # The same photo with the focal point left in the middle loses its subject: the crop follows the point.
    centred = add_picture(django_capture_on_commit_callbacks, file=upload("centred.jpg"))
    centred.refresh_from_db()
    assert not is_red(stored_image(centred, "16x9", 640).getpixel((320, 5)))


def test_renditions_come_in_webp_and_jpeg_and_are_never_upscaled(django_capture_on_commit_callbacks):
    picture = add_picture(django_capture_on_commit_callbacks, file=upload("small.jpg", size=(800, 600)))
    picture.refresh_from_db()
    assert picture.renditions["sizes"]["free"] == [320, 640, 800]
    assert picture.renditions["sizes"]["16x9"] == [320, 640, 800]
    assert picture.renditions["sizes"]["1200x630"] == [800]
    assert stored_image(picture, "free", 800, "webp").format == "WEBP"
    assert stored_image(picture, "4x3", 800).size == (800, 600)
    crop = picture.crop("16x9")
    assert crop.webp_srcset.endswith("-800w.webp 800w") and (crop.width, crop.height) == (800, 450)


def test_caption_credit_and_copyright_are_read_from_the_upload_then_stripped(django_capture_on_commit_callbacks):
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:Credit="Ana Ruiz / Coast Agency">'
        '<dc:description><rdf:Alt><rdf:li xml:lang="x-default">The clock tower at dawn</rdf:li></rdf:Alt>'
        "</dc:description><dc:rights><rdf:Alt><rdf:li>© 2026 Coast Agency</rdf:li></rdf:Alt></dc:rights>"
        "<dc:title><rdf:Alt><rdf:li>Clock tower</rdf:li></rdf:Alt></dc:title>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()
    file = SimpleUploadedFile("dsc0042.jpg", photo_bytes(xmp=xmp), content_type="image/jpeg")
    picture = add_picture(django_capture_on_commit_callbacks, file=file, credit="")

    assert (picture.title, picture.caption, picture.credit, picture.copyright) == (
        "Clock tower",
        "The clock tower at dawn",
        "Ana Ruiz / Coast Agency",
        "© 2026 Coast Agency",
    )
    with picture.file.open("rb") as stored:
        data = stored.read()
    assert b"Coast Agency" not in data and b"xmpmeta" not in data


def test_jpeg_metadata_is_removed_losslessly_keeping_the_orientation(django_capture_on_commit_callbacks):
    exif = Image.Exif()
    exif[0x0112] = 6  # shot with the camera on its side: shown turned a quarter
    exif[0x010F] = "CameraMaker"
    exif.get_ifd(0x8825)[2] = (51.0, 30.0, 0.0)  # GPS latitude
    original = photo_bytes(size=(1200, 800), exif=exif.tobytes(), comment=b"shot at home", xmp=b"<x:xmpmeta/>")

    stripped = metadata.strip_jpeg(original, orientation=6)

    for secret in (b"CameraMaker", b"shot at home", b"xmpmeta"):
        assert secret in original and secret not in stripped
    with Image.open(io.BytesIO(original)) as before, Image.open(io.BytesIO(stripped)) as after:
        assert after.getexif().get(0x0112) == 6 and 0x8825 not in after.getexif()
        assert before.tobytes() == after.tobytes()  # not re-encoded: the same pixels
    with pytest.raises(ValueError):
        metadata.strip_jpeg(b"GIF89a")

    picture = add_picture(
        django_capture_on_commit_callbacks,
        file=SimpleUploadedFile("sideways.JPEG", original, content_type="image/jpeg"),
    )
    assert (picture.width, picture.height) == (800, 1200)  # as shown, the right way up
    assert picture.file.name.endswith(".jpg")
    picture.refresh_from_db()
    assert stored_image(picture, "free", 800).size == (800, 1200)


def test_a_library_picture_is_shared_by_two_stories(client, django_capture_on_commit_callbacks):
    picture = add_picture(django_capture_on_commit_callbacks, alt="The tower", credit="Ana Ruiz")
    figure = f'<figure class="picture" data-image="{picture.pk}"><figcaption>%s</figcaption></figure>'
    first = make_article("First", body="<p>One.</p>" + figure % "At dawn")
    second = make_article("Second", body="<p>Two.</p>" + figure % "From the harbour")

    for story, caption in [(first, "At dawn"), (second, "From the harbour")]:
        page = client.get(story.get_absolute_url()).content.decode()
        inline = page.split('class="story__inline-figure"', 1)[1].split("</figure>", 1)[0]
        assert f"{picture.rendition_name('free', 640, 'webp')}" in inline and 'alt="The tower"' in inline
        assert f'{caption} <span class="credit">Ana Ruiz</span>' in inline
    assert sorted(story.headline for story in picture.stories_using()) == ["First", "Second"]
    assert body.picture_ids(first.body) == [picture.pk]


def test_deleting_a_picture_in_use_is_refused_with_the_stories(client, django_capture_on_commit_callbacks):
    picture = add_picture(django_capture_on_commit_callbacks)
    make_article("Harbour at dawn", body=f'<figure class="picture" data-image="{picture.pk}"></figure>')
    unused = add_picture(django_capture_on_commit_callbacks, file=upload("other.jpg"))

    with pytest.raises(PictureInUse, match="Harbour at dawn"):
        picture.delete()

    client.force_login(make_staff("edna", "editor"))
    client.force_login(make_staff("admin"))
    response = client.post(reverse("admin:pictures_picture_delete", args=[picture.pk]), {"post": "yes"}, follow=True)
    assert "is used by “Harbour at dawn”" in response.content.decode()
    assert Picture.objects.filter(pk=picture.pk).exists()
    client.post(reverse("admin:pictures_picture_delete", args=[unused.pk]), {"post": "yes"})
    assert not Picture.objects.filter(pk=unused.pk).exists()


def test_the_library_uploads_several_files_at_once_and_lists_them_with_thumbnails(
    client, django_capture_on_commit_callbacks
):
    client.force_login(make_staff("admin"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:pictures_picture_upload"),
            {"files": [upload("harbour-wall.jpg"), upload("clock_tower.jpg", size=(900, 600))]},
        )
    assert response.status_code == 302
    assert sorted(Picture.objects.values_list("title", flat=True)) == ["clock tower", "harbour wall"]

    refused = client.post(
        reverse("admin:pictures_picture_upload"),
        {"files": [SimpleUploadedFile("notes.jpg", b"not a photo", content_type="image/jpeg")]},
    )
    assert "notes.jpg: This file is not an image" in refused.content.decode()

    chooser = client.get(reverse("admin:pictures_picture_changelist"), {"q": "clock", "_popup": "1", "_to_field": "id"})
    page = chooser.content.decode()
    assert "clock tower" in page and "harbour wall" not in page
    tower = Picture.objects.get(title="clock tower")
    assert tower.rendition_name("free", 320, "jpg") in page and f'data-popup-opener="{tower.pk}"' in page


# Committed for real: the worker closes its database connections between tasks, as in production.
@pytest.mark.django_db(transaction=True)
def test_renditions_are_built_by_the_worker_and_pages_never_show_a_missing_file(
    client, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        picture = Picture.objects.create(file=upload("queued.jpg"), alt="Queued")
    story = make_article("Queued picture", body=f'<figure class="picture" data-image="{picture.pk}"></figure>')
    picture.refresh_from_db()
    assert not picture.is_ready and not picture.file.storage.exists(picture.rendition_name("free", 640, "jpg"))

    page = client.get(story.get_absolute_url()).content.decode()
    assert f'src="{picture.file.url}"' in page and "srcset" not in page.split("story__inline-figure", 1)[1][:600]

    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())

    picture.refresh_from_db()
    assert picture.is_ready
    page = client.get(story.get_absolute_url()).content.decode()
    assert picture.rendition_name("free", 640, "webp") in page

    # A moved focal point keeps showing the finished crops until the worker has cut the new ones.
    with django_capture_on_commit_callbacks(execute=True):
        Picture.objects.filter(pk=picture.pk).update(focal_y=0.05)
    picture.refresh_from_db()
    old_square = picture.crop("1x1").fallback.url
    assert picture.file.storage.exists(old_square.removeprefix(settings.MEDIA_URL))
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())
    picture.refresh_from_db()
    assert picture.is_ready and picture.crop("1x1").fallback.url != old_square


@pytest.fixture
def story_with_every_block(newsroom, django_capture_on_commit_callbacks):
    """The demo's rich story, with a library picture added to its body."""
    articles, _people = newsroom
    story = articles["seawall-built-for-a-sea-that-no-longer-exists"]
    picture = add_picture(
        django_capture_on_commit_callbacks, file=upload("seawall.jpg", size=(1600, 1067)), alt="The harbour wall"
    )
    Picture.objects.filter(pk=picture.pk).update(credit="Kit Lomax")
    story.body += (
        f'<figure class="picture" data-image="{picture.pk}"><figcaption>The wall at low tide</figcaption></figure>'
    )
    story.save()
    return story


def test_a_page_with_every_kind_of_block_is_valid_html(client, story_with_every_block, tmp_path):
    from tests.test_quality import describe, is_error, is_warning, run_vnu

    document = tmp_path / "every-block.html"
    document.write_bytes(client.get(story_with_every_block.get_absolute_url()).content)
    assert b"story__inline-figure" in document.read_bytes() and b"embed-card" in document.read_bytes()
    messages = run_vnu([document]).get("every-block.html", [])
    assert describe(messages, is_error) == [] and describe(messages, is_warning) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_a_page_with_every_kind_of_block_has_no_accessibility_violations(
    chromium, live_server, story_with_every_block, color_scheme
):
    from axe_playwright_python.sync_playwright import Axe

    context = chromium.new_context(base_url=live_server.url, color_scheme=color_scheme)
    try:
        page = context.new_page()
        requested = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(story_with_every_block.get_absolute_url())
        # The inline picture loads lazily: scrolled to, it shows a real rendition, not a broken image.
        page.locator(".story__inline-figure img").scroll_into_view_if_needed()
        page.wait_for_function(
            "() => { const image = document.querySelector('.story__inline-figure img');"
            " return image.complete && image.naturalWidth > 0 && image.currentSrc.includes('/renditions/') }"
        )
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
        # Nothing is fetched from anywhere but this site: embeds are cards until the reader follows them.
        assert all(url.startswith(live_server.url) for url in requested), requested
    finally:
        context.close()


def test_json_ld_lists_wide_standard_and_square_images_of_at_least_1200_pixels(
    client, django_capture_on_commit_callbacks
):
    picture = add_picture(django_capture_on_commit_callbacks, file=upload("wide.jpg", size=(2400, 1600)))
    story = make_article(
        "Wide picture", body=f'<p>Text.</p><figure class="picture" data-image="{picture.pk}"></figure>'
    )
    page = client.get(story.get_absolute_url()).content.decode()
    blocks = [json.loads(chunk.split("</script>", 1)[0]) for chunk in page.split('type="application/ld+json">')[1:]]
    items = [item for block in blocks for item in (block if isinstance(block, list) else [block])]
    news = next(item for item in items if item["@type"] == "NewsArticle")
    shapes = [(image["width"], image["height"]) for image in news["image"]]
    assert [round(width / height, 2) for width, height in shapes] == [1.78, 1.33, 1.0]
    assert all(width >= 1200 for width, _ in shapes)
    assert all(image["url"].startswith("http://testserver/media/renditions/") for image in news["image"])


def test_a_library_lead_is_cut_for_each_place_that_shows_it(client, django_capture_on_commit_callbacks):
    picture = add_picture(
        django_capture_on_commit_callbacks,
        file=upload("clock-tower.jpg", size=(2400, 1600)),
        focal_x=0.5,
        focal_y=0.05,
        alt="The clock tower",
        caption="The tower after restoration",
        credit="Ana Ruiz",
    )
    wide = make_article("Clock tower restored", lead_library_picture=picture, lead_shape="16x9")
    as_taken = make_article("Tower reopens to visitors", lead_library_picture=picture)

    page = client.get(wide.get_absolute_url()).content.decode()
    lead = page.split('class="story__figure"', 1)[1].split("</figure>", 1)[0]
    assert picture.rendition_name("16x9", 640, "webp") in lead and 'alt="The clock tower"' in lead
    assert 'The tower after restoration <span class="credit">Ana Ruiz</span>' in lead
    lead = client.get(as_taken.get_absolute_url()).content.decode().split('class="story__figure"', 1)[1]
    assert picture.rendition_name("free", 640, "webp") in lead.split("</figure>", 1)[0]

    # Sharing cards: the 1200 × 630 crop. Search engines: 16×9, 4×3 and 1×1, each at least 1200 wide.
    card = picture.rendition_name("1200x630", 1200, "jpg")
    assert f'<meta property="og:image" content="http://testserver/media/{card}">' in page
    assert '<meta property="og:image:width" content="1200">' in page
    assert '<meta property="og:image:height" content="630">' in page
    blocks = [json.loads(chunk.split("</script>", 1)[0]) for chunk in page.split('type="application/ld+json">')[1:]]
    items = [item for block in blocks for item in (block if isinstance(block, list) else [block])]
    news = next(item for item in items if item["@type"] == "NewsArticle")
    assert [round(image["width"] / image["height"], 2) for image in news["image"]] == [1.78, 1.33, 1.0]
    assert all(image["width"] >= 1200 for image in news["image"])

    # Front-page cards show both stories' lead widescreen, whatever the story page's shape.
    front = client.get(reverse("articles:front_page")).content.decode()
    assert front.count(picture.rendition_name("16x9", 640, "webp")) >= 2
    assert picture.rendition_name("free", 640, "webp") not in front

    feed = client.get(reverse("articles:latest_feed")).content.decode()
    assert f'url="http://testserver{picture.file.url}"' in feed
    # The Content API publishes the original with the library's description.
    story = client.get(reverse("api:story_detail", kwargs={"story_id": wide.pk})).json()
    assert story["image"] == {
        "url": f"http://testserver{picture.file.url}",
        "width": 2400,
        "height": 1600,
        "alt": "The clock tower",
        "caption": "The tower after restoration",
        "credit": "Ana Ruiz",
    }
    ninjs = client.get(reverse("api:story_ninjs", kwargs={"story_id": wide.pk})).json()
    [feature] = ninjs["associations"]
    assert feature["uri"] == f"http://testserver{picture.file.url}" and feature["by"] == "Ana Ruiz"

    assert [story.headline for story in picture.stories_using()] == [
        "Clock tower restored",
        "Tower reopens to visitors",
    ]
    with pytest.raises(PictureInUse, match="Clock tower restored"):
        picture.delete()


def test_an_editor_chooses_a_lead_from_the_library_in_the_admin(client, django_capture_on_commit_callbacks):
    picture = add_picture(django_capture_on_commit_callbacks, alt="The quay", credit="Ana Ruiz")
    story = make_article("Quay reopens")
    client.force_login(make_staff("edna", "editor"))
    change = reverse("admin:articles_article_change", args=[story.pk])
    form = client.get(change).content.decode()
    # The chooser opens the library's own list, with its thumbnails, search and upload.
    assert f"{reverse('admin:pictures_picture_changelist')}?_to_field=id" in form

    response = client.post(change, admin_article_data(story, lead_library_picture=str(picture.pk), lead_shape="16x9"))
    assert response.status_code == 302, response.content.decode()[:2000]
    story.refresh_from_db()
    assert (story.lead_library_picture, story.lead_shape) == (picture, "16x9")
    listing = client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert picture.rendition_name("16x9", 320, "jpg") in listing


def test_a_lead_uploaded_with_a_story_goes_into_the_library_for_the_next_story(
    client, django_capture_on_commit_callbacks
):
    client.force_login(make_staff("edna", "editor"))
    story = make_article("Quay reopens")
    upload_form = admin_article_data(
        story,
        lead_image=upload("quay.jpg"),
        lead_image_alt="Boats at the quay",
        lead_image_caption="The quay, open again.",
        lead_image_credit="Ana Ruiz",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:articles_article_change", args=[story.pk]), upload_form)
    assert response.status_code == 302, response.content.decode()[:2000]

    # In the library, described as the story form said, with its renditions, and found by its words.
    picture = Picture.objects.get()
    assert Article.objects.get(pk=story.pk).lead_library_picture == picture
    assert (picture.alt, picture.caption, picture.credit) == ("Boats at the quay", "The quay, open again.", "Ana Ruiz")
    assert picture.is_ready
    library = client.get(reverse("admin:pictures_picture_changelist"), {"q": "quay"}).content.decode()
    assert picture.crop("free").at_most(320).url in library
    page = client.get(story.get_absolute_url()).content.decode()
    assert picture.rendition_name("free", 640, "webp") in page and "The quay, open again." in page

    # A second story chooses it from the library: one picture, shown by both, listed as used by both.
    second = make_article("Ferry returns")
    chosen = admin_article_data(second, lead_library_picture=str(picture.pk))
    assert client.post(reverse("admin:articles_article_change", args=[second.pk]), chosen).status_code == 302
    assert Picture.objects.count() == 1
    assert sorted(story.headline for story in picture.stories_using()) == ["Ferry returns", "Quay reopens"]
    assert "The quay, open again." in client.get(second.get_absolute_url()).content.decode()
    used_by = client.get(reverse("admin:pictures_picture_change", args=[picture.pk])).content.decode()
    assert "Ferry returns" in used_by and "Quay reopens" in used_by


def test_a_persons_photo_is_a_library_picture_uploaded_or_chosen(client, django_capture_on_commit_callbacks):
    client.force_login(make_staff("admin"))
    add = reverse("admin:articles_person_add")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(add, {"name": "Ada Lindqvist", "slug": "ada-lindqvist", "photo_upload": upload()})
    assert response.status_code == 302, response.content.decode()[:2000]
    ada = Person.objects.get(slug="ada-lindqvist")
    make_article("Mayor opens the quay", people=[ada])  # a person's page lists the stories that mention them
    photo = Picture.objects.get()
    assert ada.photo == photo and (photo.title, photo.alt) == ("Ada Lindqvist", "Ada Lindqvist")
    page = client.get(ada.get_absolute_url()).content.decode()
    assert 'class="profile__photo"' in page and photo.rendition_name("free", 320, "webp") in page

    # Another person's form chooses from the same library, with the same chooser as a story's lead.
    form = client.get(add).content.decode()
    assert f"{reverse('admin:pictures_picture_changelist')}?_to_field=id" in form
    response = client.post(add, {"name": "Ada's twin", "slug": "ada-twin", "photo": str(photo.pk)})
    assert response.status_code == 302
    assert Person.objects.get(slug="ada-twin").photo == photo and Picture.objects.count() == 1
    assert [person.name for person in photo.people_using()] == ["Ada Lindqvist", "Ada's twin"]


def test_deleting_a_picture_that_is_a_persons_photo_is_refused_naming_them(client, django_capture_on_commit_callbacks):
    picture = add_picture(django_capture_on_commit_callbacks, title="Portrait")
    make_person("Ada Lindqvist", slug="ada-lindqvist", photo=picture)

    with pytest.raises(PictureInUse, match="the photo of Ada Lindqvist"):
        picture.delete()

    client.force_login(make_staff("admin"))
    change = client.get(reverse("admin:pictures_picture_change", args=[picture.pk])).content.decode()
    assert "Ada Lindqvist (photo)" in change
    response = client.post(reverse("admin:pictures_picture_delete", args=[picture.pk]), {"post": "yes"}, follow=True)
    assert "“Portrait” is used by the photo of Ada Lindqvist; take it out of those people first." in (
        response.content.decode()
    )
    listing = reverse("admin:pictures_picture_changelist")
    response = client.post(
        listing, {"action": "delete_selected", "_selected_action": [picture.pk], "post": "yes"}, follow=True
    )
    # Deleting from the list is refused as well, naming the person who has it as their photo.
    page = response.content.decode()
    assert "Cannot delete picture" in page and "Ada Lindqvist" in page
    assert Picture.objects.filter(pk=picture.pk).exists()
