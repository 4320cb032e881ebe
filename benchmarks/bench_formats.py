"""Agency formats: field agreement on the shared samples, then parse and import throughput on a generated corpus.

    DJANGO_DEBUG=1 .venv/bin/python benchmarks/bench_formats.py [--items 2000]

Part one parses each sample in ../shared/fixtures/formats/ and prints, per sample, how many of the fields in
samples-expected.json it reproduces (and which differ). Part two renders a corpus of stories as NITF, NewsML-G2
and ninjs in every declared version (tests/agency_corpus.py), each with a second version, and prints items/s for
parsing alone and files/s for importing into a throwaway test database, then for re-importing (nothing changes).
"""

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
SAMPLES = ROOT.parent / "shared" / "fixtures" / "formats"


def sample_agreement():
    from articles.formats import parse
    from tests.test_formats import outline

    expected_all = json.loads((SAMPLES / "samples-expected.json").read_text(encoding="utf-8"))
    total_ok = total = 0
    for name, expected in expected_all.items():
        if name.startswith("_"):
            continue
        [story] = parse((SAMPLES / name).read_bytes(), name)
        item = story.item
        paragraphs, subheads, quotes, links = outline(story.body_html)
        got = {
            "format": item.format,
            "format_version": item.format_version,
            "headline": story.headline,
            "summary": story.summary,
            "byline": story.byline,
            "dateline": story.dateline,
            "source": story.source_agency,
            "paragraphs": len(paragraphs),
            "paragraph_starts": [p[:40] for p in paragraphs],
            "subheads": subheads,
            "blockquotes": [text[:40] for text, _ in quotes],
            "links": links,
            "tags": list(story.tags),
            "people": [{"name": p.name, "role": p.role} for p in story.people],
            "organisations": [{"name": o.name, "role": o.role or None} for o in item.organisations],
            "places": [p.name for p in item.places],
            "published_at": story.published_at,
            "updated_at": item.version_created,
            "status": item.pub_status,
            "guid": item.guid,
            "version": item.version,
        }
        wanted = {
            key: datetime.fromisoformat(value) if key.endswith("_at") else value
            for key, value in expected.items()
            if key in got
        }
        wrong = [key for key, value in wanted.items() if got[key] != value]
        total_ok += len(wanted) - len(wrong)
        total += len(wanted)
        print(
            f"{name}: {len(wanted) - len(wrong)}/{len(wanted)} fields as expected"
            + (f"; differ: {wrong}" if wrong else "")
        )
    print(f"all samples: {total_ok}/{total} fields ({100 * total_ok / total:.1f}%)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-formats-") as scratch:
        scratch = Path(scratch)
        os.environ["MEDIA_ROOT"] = str(scratch / "media")
        django.setup()
        from django.conf import settings
        from django.db import connection
        from django.test.utils import setup_test_environment

        from articles.formats import parse
        from articles.importer import Importer, find_sources
        from articles.models import AgencyItem, Article
        from tests.agency_corpus import RENDERERS, corpus, render

        sample_agreement()

        folder = scratch / "agency"
        folder.mkdir()
        files = []
        for number, (spec, kind, version) in enumerate(corpus(options.items)):
            for each in (spec, spec.next_version(headline=spec.headline + " (updated)")):
                path = folder / f"{number:05}-v{each.version}{RENDERERS[kind][2]}"
                path.write_text(render(each, kind, version), encoding="utf-8")
                files.append(path)
        started = time.perf_counter()
        for path in files:
            parse(path.read_bytes(), path.name)
        elapsed = time.perf_counter() - started
        print(
            f"parsed {len(files)} items (4 formats, 11 declared versions) in {elapsed:.1f}s: "
            f"{len(files) / elapsed:.0f} items/s"
        )

        if connection.vendor == "sqlite":
            connection.settings_dict["TEST"]["NAME"] = str(scratch / "bench.sqlite3")
        setup_test_environment()
        test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        settings.DEBUG = False
        try:
            started = time.perf_counter()
            report = Importer().run(find_sources([str(folder)]))
            elapsed = time.perf_counter() - started
            print(f"backend: {connection.vendor}")
            print(
                f"imported {report.files} files in {elapsed:.1f}s: {report.files / elapsed:.0f} files/s "
                f"({report.created} created, {report.updated} updated to version 2)"
            )
            print(f"rows: {Article.objects.count()} articles, {AgencyItem.objects.count()} agency items")
            started = time.perf_counter()
            again = Importer().run(find_sources([str(folder)]))
            elapsed = time.perf_counter() - started
            print(
                f"re-import: {again.unchanged} unchanged, {again.created} created, {again.updated} updated "
                f"in {elapsed:.1f}s: {again.files / elapsed:.0f} files/s"
            )
        finally:
            connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
