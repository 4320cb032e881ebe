"""Cost and payoff of responsive image renditions, on the demo photos; the picture library's save path; and the
rendering cost of a rich story body.

    DJANGO_DEBUG=1 .venv/bin/python benchmarks/bench_renditions.py [--repeat 3] [--pages 50]

1. For each photo in demo/images, as a library picture: the time to build its WebP and JPEG renditions in every
   shape (best of --repeat runs), the time of a second, idempotent run (nothing missing: header reads and
   existence checks only), and the bytes a phone (640 wide) and a desktop (1280 wide) download in WebP and in
   JPEG, next to the original.
2. A 6,000 × 4,000 JPEG (made here, with EXIF, XMP and a comment) uploaded to the picture library through the
   admin with the database task backend, then a story saved that shows it, then a story saved with the same
   photo uploaded in its own form: the three requests' times, then the time the task worker (`db_worker`)
   takes until every rendition exists.
3. An article page with a long rich body (20 blocks of mixed types, a library picture among them) against the
   same story as 20 plain paragraphs: in-process milliseconds per request (median of --pages) and query count.

Writes to a scratch MEDIA_ROOT and a scratch SQLite database under /tmp (DATABASE_URL overrides the database).
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="builds per photo; the best time is shown")
    parser.add_argument("--pages", type=int, default=50, help="article page requests per body kind")
    arguments = parser.parse_args()

    media_root = Path(tempfile.mkdtemp(prefix="newsroom-bench-renditions-"))
    os.environ["MEDIA_ROOT"] = str(media_root)
    database = Path(tempfile.gettempdir()) / "newsroom-bench-renditions.sqlite3"
    database.unlink(missing_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{database}")
    os.environ["TASKS_BACKEND"] = "database"
    # Part 3 measures rendering: pages from the page cache would measure the cache instead.
    os.environ["PAGE_CACHE_SECONDS"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from pictures.models import Picture

    call_command("migrate", verbosity=0)  # before any story exists: a new one looks up its default section
    print(f"{'photo':<24}{'size':>11}{'build ms':>10}{'again ms':>10}{'original':>10}  640 webp/jpg   1280 webp/jpg")
    totals = []
    try:
        for photo in sorted((ROOT / "demo" / "images").glob("*.jpg")):
            target = media_root / "pictures" / photo.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(photo, target)
            picture = Picture.objects.create(file=f"pictures/{photo.name}")  # stored already: no upload
            best = float("inf")
            for _ in range(arguments.repeat):
                started = time.perf_counter()
                record = picture.build_renditions(rebuild=True)
                best = min(best, time.perf_counter() - started)
            started = time.perf_counter()
            picture.build_renditions()
            again = time.perf_counter() - started
            totals.append(best)
            widths = record["sizes"]["free"]

            def size(width, extension, picture=picture, widths=widths):
                chosen = max((w for w in widths if w <= width), default=widths[0])
                return (media_root / picture.rendition_name("free", chosen, extension)).stat().st_size // 1024

            print(
                f"{photo.name:<24}{picture.width}×{picture.height:<6}"
                f"{best * 1000:>10.0f}{again * 1000:>10.1f}{photo.stat().st_size // 1024:>8} KB"
                f"  {size(640, 'webp'):>4}/{size(640, 'jpg'):<4} KB  {size(1280, 'webp'):>4}/{size(1280, 'jpg'):<4} KB"
            )
        print(f"mean build time per photo: {sum(totals) / len(totals) * 1000:.0f} ms over {len(totals)} photos")
        print()
        # Wall times depend on what else the machine runs: the load shows how busy it was.
        print("load average (1, 5, 15 min): " + ", ".join(f"{load:.1f}" for load in os.getloadavg()))
        picture = library_save(media_root)
        print()
        body_rendering(picture, arguments.pages)
    finally:
        shutil.rmtree(media_root)
        database.unlink(missing_ok=True)


def large_photo():
    """A 6,000 × 4,000 photo-like JPEG (noise over gradients, so it compresses like a photo) with metadata."""
    import io

    from PIL import Image, ImageFilter

    size = (6000, 4000)
    noise = Image.effect_noise(size, 40).filter(ImageFilter.GaussianBlur(1))
    across = Image.linear_gradient("L").rotate(90).resize(size)
    down = Image.radial_gradient("L").resize(size)
    photo = Image.merge("RGB", (noise, across, Image.blend(down, noise, 0.5)))
    exif = Image.Exif()
    exif[0x010F] = "BenchCam"
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=95, exif=exif.tobytes(), comment=b"bench", xmp=b"<x:xmpmeta/>")
    return buffer.getvalue()


def refusal(response):
    """What the admin said when it did not save: its error lists."""
    import re

    errors = re.findall(r'<ul class="errorlist[^>]*>.*?</ul>', response.content.decode(), re.DOTALL)
    return errors or response.status_code


def library_save(media_root):
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    from pictures.models import Picture

    data = large_photo()
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.create_superuser("bench", "bench@example.com", "pw"))
    started, cpu_started = time.perf_counter(), time.process_time()
    response = client.post(
        reverse("admin:pictures_picture_add"),
        {"file": SimpleUploadedFile("big.jpg", data, "image/jpeg"), "alt": "Big", "focal_x": "0.5", "focal_y": "0.3"},
    )
    upload_seconds, upload_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert response.status_code == 302, response.content[:2000]
    picture = Picture.objects.latest("pk")
    story = {
        "headline": "A story with a very large photo",
        "slug": "large-photo",
        "body": f'<p>Text.</p><figure class="picture" data-image="{picture.pk}"><figcaption>Big</figcaption></figure>',
        "status": "draft",
        "lead_shape": "free",
        "opened_version": "",
    }
    for prefix in ("related_headlines", "pinned_stories", "excluded_stories", "corrections"):
        story.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    started, cpu_started = time.perf_counter(), time.process_time()
    response = client.post(reverse("admin:articles_article_add"), story)
    story_seconds, story_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert response.status_code == 302, refusal(response)
    assert not Picture.objects.get(pk=picture.pk).is_ready
    # The other way in: the photo uploaded in the story form itself, which puts it in the library as the lead.
    story.update(
        headline="A story whose reporter uploads the photo",
        slug="uploaded-photo",
        body="<p>Text.</p>",
        lead_image=SimpleUploadedFile("big-too.jpg", data, "image/jpeg"),
        lead_image_alt="Big",
    )
    started, cpu_started = time.perf_counter(), time.process_time()
    response = client.post(reverse("admin:articles_article_add"), story)
    form_seconds, form_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert response.status_code == 302, refusal(response)
    uploaded = Picture.objects.latest("pk")
    assert uploaded.pk != picture.pk
    started = time.perf_counter()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    worker_seconds = time.perf_counter() - started
    picture.refresh_from_db()
    uploaded.refresh_from_db()
    assert picture.is_ready and uploaded.is_ready
    files = sum(len(widths) for widths in picture.renditions["sizes"].values()) * 2
    print(
        f"library upload of a 6000×4000 JPEG ({len(data) / 1e6:.1f} MB) through the admin: "
        f"{upload_seconds * 1000:.0f} ms ({upload_cpu * 1000:.0f} ms of CPU)"
    )
    print(f"saving a story that shows it: {story_seconds * 1000:.0f} ms ({story_cpu * 1000:.0f} ms of CPU)")
    print(
        f"saving a new story with the same photo uploaded in its own form: {form_seconds * 1000:.0f} ms"
        f" ({form_cpu * 1000:.0f} ms of CPU)"
    )
    print(f"worker until all 2 × {files} renditions (WebP + JPEG, 5 shapes) exist: {worker_seconds:.1f} s")
    return picture


def body_rendering(picture, pages):
    import statistics

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from articles.models import Article

    sentence = "The harbour wall failed during the storm surge, engineers said, and the council will decide in January."
    plain = "\n\n".join(f"{sentence} Paragraph {number}." for number in range(20))
    blocks = [
        f"<p>{sentence} <a href='https://example.com/report'>Report</a> and <strong>more</strong>.</p>",
        "<h2>What happened</h2>",
        f"<blockquote><p>{sentence}</p><cite>Harbour master</cite></blockquote>",
        "<ul><li>First point</li><li>Second point</li><li>Third point</li></ul>",
        f'<figure class="picture" data-image="{picture.pk}"><figcaption>The wall</figcaption></figure>',
        "<figure class='embed'><a href='https://www.youtube.com/watch?v=abc'>Footage</a></figure>",
        "<aside class='fact-box'><h3>Facts</h3><ul><li>1.8 km</li><li>1964</li></ul></aside>",
        f"<blockquote class='pull-quote'><p>{sentence}</p></blockquote>",
        f"<p>{sentence}</p>",
        "<h3>Next</h3>",
    ]
    rich = "".join(blocks * 2)
    client = Client(HTTP_HOST="localhost")
    print(f"{'article page':<34}{'median ms':>10}{'CPU ms':>8}{'queries':>9}")
    for name, body in [("20 plain paragraphs", plain), ("20 rich blocks (picture, embed…)", rich)]:
        story = Article.objects.create(
            headline=name, slug=f"body-{len(body)}", body=body, status="published", published_at=timezone.now()
        )
        url = story.get_absolute_url()
        client.get(url)
        timings, cpu = [], []
        for _ in range(pages):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        print(
            f"{name:<34}{statistics.median(timings) * 1000:>10.1f}{statistics.median(cpu) * 1000:>8.1f}"
            f"{len(queries):>9}"
        )


if __name__ == "__main__":
    main()
