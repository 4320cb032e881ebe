"""Cost and payoff of responsive image renditions, on the demo photos.

    DJANGO_DEBUG=1 .venv/bin/python benchmarks/bench_renditions.py [--repeat 3]

For each photo in demo/images: the time to build its WebP and JPEG renditions (best of --repeat runs), the time
of a second, idempotent run (nothing missing: header reads and existence checks only), and the bytes a phone
(640 wide) and a desktop (1280 wide) download in WebP and in JPEG, next to the original. Writes to a
scratch MEDIA_ROOT under /tmp; needs no database.
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
    arguments = parser.parse_args()

    media_root = Path(tempfile.mkdtemp(prefix="newsroom-bench-renditions-"))
    os.environ["MEDIA_ROOT"] = str(media_root)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from articles import images
    from articles.models import Article

    print(f"{'photo':<24}{'size':>11}{'build ms':>10}{'again ms':>10}{'original':>10}  640 webp/jpg   1280 webp/jpg")
    totals = []
    try:
        for photo in sorted((ROOT / "demo" / "images").glob("*.jpg")):
            target = media_root / "articles" / photo.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(photo, target)
            article = Article(lead_image=f"articles/{photo.name}")
            field_file = article.lead_image
            best = float("inf")
            for _ in range(arguments.repeat):
                started = time.perf_counter()
                widths = images.build_renditions(field_file, rebuild=True)
                best = min(best, time.perf_counter() - started)
            started = time.perf_counter()
            images.build_renditions(field_file)
            again = time.perf_counter() - started
            totals.append(best)

            def size(width, extension, name=field_file.name, widths=widths):
                chosen = max((w for w in widths if w <= width), default=widths[0])
                return (media_root / images.rendition_name(name, chosen, extension)).stat().st_size // 1024

            print(
                f"{photo.name:<24}{article.lead_image_width}×{article.lead_image_height:<6}"
                f"{best * 1000:>10.0f}{again * 1000:>10.1f}{photo.stat().st_size // 1024:>8} KB"
                f"  {size(640, 'webp'):>4}/{size(640, 'jpg'):<4} KB  {size(1280, 'webp'):>4}/{size(1280, 'jpg'):<4} KB"
            )
    finally:
        shutil.rmtree(media_root)
    print(f"mean build time per photo: {sum(totals) / len(totals) * 1000:.0f} ms over {len(totals)} photos")


if __name__ == "__main__":
    main()
