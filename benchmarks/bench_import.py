"""Import a folder of generated wire stories and print files/s and memory.

    DJANGO_DEBUG=1 .venv/bin/python benchmarks/bench_import.py [--files 10000]

Runs against a throwaway test database of the configured backend (a SQLite
file in a temporary folder, or test_<name> on PostgreSQL), so it never
touches real data. Memory is the process's resident set, sampled as files go
by: flat means the samples stop growing once the caches are warm.
"""

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

FIRST_NAMES = "Ada Bela Carl Dina Emil Fern Gus Hana Ivo Jana Kai Lena Milo Nora Otto Pia Rui Sara Theo Uma".split()
SURNAMES = "Abara Brandt Castell Dorsey Eklund Farrow Gallo Hadid Ivers Jovic Kemper Lund Moreau Novak Ortiz".split()
ROLES = ["Mayor", "harbour master", "Finance minister", "striker", "council leader", "union organiser"]
PLACES = "Port Alder,Harlow Bay,Quayside,Kingsmere,Eastwick,the estuary".split(",")
TOPICS = ["flood defences", "the rail yard", "bus fares", "the new stadium", "school places", "the budget"]


def story_text(number, rng, headlines):
    person = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
    place, topic = rng.choice(PLACES), rng.choice(TOPICS)
    paragraphs = [
        f"{rng.choice(ROLES)} {person} said on Tuesday that {topic} in {place} would be reviewed (story {number}).",
        f'"We will publish the figures within a month," {person.split()[1]} told reporters in {place}.',
        f"Residents of {place} have waited {rng.randint(2, 40)} months for a decision on {topic}.",
        f"Officials said the cost could reach {rng.randint(1, 90)} million, more than first planned.",
    ]
    related = [headlines[rng.randrange(len(headlines))] for _ in range(4)] + [f"Briefing number {number % 97}"]
    front = f"---\nheadline: {headlines[number]}\n---\n" if number % 2 else ""
    return front + "\n".join(paragraphs) + "\n\n" + "\n".join(related) + "\n"


def generate(folder, count):
    rng = random.Random(20261125)
    headlines = [f"{rng.choice(PLACES)} debates {rng.choice(TOPICS)} in round {n}" for n in range(count)]
    for number in range(count):
        # Two levels of folders, as wire archives are often kept by day.
        path = folder / f"day-{number // 1000:02}" / f"{number:05}_{rng.getrandbits(48):012x}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(story_text(number, rng, headlines), encoding="utf-8")


def resident_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-import-") as scratch:
        scratch = Path(scratch)
        os.environ["MEDIA_ROOT"] = str(scratch / "media")
        django.setup()
        from django.conf import settings
        from django.db import connection
        from django.test.utils import setup_test_environment

        from articles.importer import Importer, find_sources
        from articles.models import Article, Person, RelatedHeadline

        if connection.vendor == "sqlite":
            connection.settings_dict["TEST"]["NAME"] = str(scratch / "bench.sqlite3")
        setup_test_environment()
        test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        settings.DEBUG = False  # production mode: no query log kept in memory
        try:
            wire = scratch / "wire"
            started = time.perf_counter()
            generate(wire, options.files)
            print(f"generated {options.files} files in {time.perf_counter() - started:.1f}s under {wire}")

            samples = []

            def sample(source):
                sample.done += 1
                if sample.done % max(options.files // 10, 1) == 0:
                    samples.append((sample.done, resident_mb()))

            sample.done = 0
            start_rss = resident_mb()
            started = time.perf_counter()
            report = Importer(on_file=sample).run(find_sources([str(wire)]))
            elapsed = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

            print(f"backend: {connection.vendor}")
            print(f"imported {report.files} files in {elapsed:.1f}s: {report.files / elapsed:.0f} files/s")
            print(
                f"created {report.created}, people created {report.people_created}, "
                f"headlines linked when their story arrived {report.headlines_linked}"
            )
            linked = RelatedHeadline.objects.filter(target__isnull=False).count()
            print(
                f"rows: {Article.objects.count()} articles, {Person.objects.count()} people, "
                f"{RelatedHeadline.objects.count()} related headlines ({linked} linked)"
            )
            print(f"resident memory: {start_rss:.0f} MB before, peak {peak:.0f} MB")
            print("resident memory while importing: " + ", ".join(f"{n}: {mb:.0f} MB" for n, mb in samples))

            started = time.perf_counter()
            again = Importer().run(find_sources([str(wire)]))
            elapsed = time.perf_counter() - started
            print(
                f"re-import: {again.unchanged} unchanged, {again.created} created, {again.updated} updated "
                f"in {elapsed:.1f}s: {again.files / elapsed:.0f} files/s"
            )
        finally:
            connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
