"""Score people detection and subject tags on the gold-labelled evaluation set.

    DJANGO_DEBUG=1 .venv/bin/python benchmarks/bench_people.py [--eval ../shared/fixtures/people-eval] [--reverse]

Imports the set's stories (only its numbered .txt files, in file order, or reversed with
--reverse) into a throwaway test database of the configured backend, exactly as an operator's
`import_articles` would, then writes {file: [people linked]} and hands it to the set's own
`score.py`. It prints the scorer's report, then one summary: precision, recall, F1, cross-story
false links, and how many stories got no subject tag. A second import of the same files must
report 0 updated; the figure is printed too.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=ROOT.parent / "shared" / "fixtures" / "people-eval")
    parser.add_argument("--reverse", action="store_true", help="import the files in reverse order")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    options = parser.parse_args()
    files = sorted(options.eval.glob("[0-9][0-9]-*.txt"))
    if not files:
        parser.error(f"no evaluation stories in {options.eval}")
    if options.reverse:
        files.reverse()

    with tempfile.TemporaryDirectory(prefix="bench-people-") as scratch:
        scratch = Path(scratch)
        os.environ["MEDIA_ROOT"] = str(scratch / "media")
        django.setup()
        from django.conf import settings
        from django.db import connection
        from django.test.utils import setup_test_environment

        from articles.importer import Importer, find_sources
        from articles.models import Article
        from articles.topics import SUBJECT_NAMES

        if connection.vendor == "sqlite":
            connection.settings_dict["TEST"]["NAME"] = str(scratch / "bench.sqlite3")
        setup_test_environment()
        test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        settings.DEBUG = False
        try:
            Importer().run(find_sources([str(path) for path in files]))
            detections, untagged = {}, []
            stories = Article.objects.filter(source_key__startswith="file:").prefetch_related("people", "tags")
            for article in stories.order_by("source_key"):
                name = article.source_key.removeprefix("file:")
                detections[name] = sorted(person.name for person in article.people.all())
                if not SUBJECT_NAMES & {tag.name for tag in article.tags.all()}:
                    untagged.append(name)
            again = Importer().run(find_sources([str(path) for path in files]))
        finally:
            connection.creation.destroy_test_db(test_db, verbosity=0)

        detections_path, summary_path = scratch / "detections.json", scratch / "summary.json"
        detections_path.write_text(json.dumps(detections, ensure_ascii=False, indent=1), encoding="utf-8")
        scored = subprocess.run(
            [sys.executable, str(options.eval / "score.py"), str(detections_path), "--json", str(summary_path)],
            capture_output=True,
            text=True,
            check=True,
        )
        if not options.quiet:
            print(scored.stdout)
        summary = json.loads(summary_path.read_text(encoding="utf-8"))

    overall = summary.get("overall", summary)
    print(
        f"order: {'reversed' if options.reverse else 'file order'}, {len(files)} stories, backend {connection.vendor}"
    )
    print(
        f"people: precision {overall['precision']:.3f}, recall {overall['recall']:.3f}, F1 {overall['f1']:.3f} "
        f"(TP {overall['tp']}, FP {overall['fp']}, FN {overall['fn']}); "
        f"cross-story false links {overall['cross_story_false_links']}"
    )
    print(f"stories without a subject tag: {len(untagged)}" + (f" ({', '.join(untagged)})" if untagged else ""))
    print(f"re-import: {again.unchanged} unchanged, {again.updated} updated, {again.created} created")


if __name__ == "__main__":
    main()
