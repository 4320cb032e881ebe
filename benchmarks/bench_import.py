"""Import a folder of generated wire stories and print files/s and memory.

    DJANGO_DEBUG=1 .venv/bin/python benchmarks/bench_import.py [--files 10000] [--corpus mixed|uniform|people-eval]
    DJANGO_DEBUG=1 .venv/bin/python benchmarks/bench_import.py --largest-file
    DJANGO_DEBUG=1 .venv/bin/python benchmarks/bench_import.py --bad-files 100 --people 6000

The mixed corpus (the default) is tests/wire_corpus.py's: section folders with
repeated names, the four plain-text layouts, hard-wrapped copy, datelines.
people-eval repeats ../shared/fixtures/people-eval's long, name-dense stories,
each copy a story of its own. --largest-file imports one file of the largest size the importer allows and
prints its time and peak memory; --bad-files times --continue-on-error over
empty files on a database holding --people people and on an empty one.
People detection and tag suggestions are on, as in every import.

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


def generate_mixed(folder, count):
    from tests.wire_corpus import generate as generate_archive

    generate_archive(count, seed=20261125, extras=False).write(folder)


PEOPLE_EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures" / "people-eval"


def generate_people_eval(folder, count):
    """Long, name-dense wire stories: the evaluation set's, each copy made a story of its own (its lede
    carries its number), as a day of agency copy on the same events would be."""
    stories = sorted(PEOPLE_EVAL.glob("*.txt"))
    if not stories:
        raise SystemExit(f"no evaluation stories under {PEOPLE_EVAL}")
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        source = stories[number % len(stories)]
        lede, rest = source.read_text(encoding="utf-8").split("\n", 1)
        (folder / f"{number:05}-{source.name}").write_text(f"{lede} (take {number})\n{rest}", encoding="utf-8")


def largest_story(limit):
    """Hard-wrapped agency copy up to `limit` bytes: a long feature, many paragraphs."""
    import textwrap

    rng = random.Random(7)
    parts, size = ["The longest file the import allows\n\n"], 40
    while True:
        story = story_text(rng.randrange(50) * 2, rng, [f"Briefing {n}" for n in range(100)]).split("\n\n")[0]
        paragraph = "\n".join(textwrap.fill(line, 70) for line in story.splitlines() if line) + "\n\n"
        if size + len(paragraph.encode()) > limit:
            return "".join(parts)
        parts.append(paragraph)
        size += len(paragraph.encode())


def cpu_seconds():
    # The machine may be shared: CPU time says what the import itself cost, wall time what a user waits.
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def resident_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--corpus", choices=["mixed", "uniform", "people-eval"], default="mixed")
    parser.add_argument("--largest-file", action="store_true", help="import one file of the largest allowed size")
    parser.add_argument("--bad-files", type=int, default=0, help="time --continue-on-error over this many bad files")
    parser.add_argument("--people", type=int, default=6000, help="people in the database for --bad-files")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-import-") as scratch:
        scratch = Path(scratch)
        os.environ["MEDIA_ROOT"] = str(scratch / "media")
        django.setup()
        from django.conf import settings
        from django.db import connection
        from django.test.utils import setup_test_environment

        from articles.importer import MAX_FILE_BYTES, Importer, find_sources
        from articles.models import Article, Person, RelatedHeadline

        if connection.vendor == "sqlite":
            connection.settings_dict["TEST"]["NAME"] = str(scratch / "bench.sqlite3")
        else:
            # Beside, never on top of, the test suite's test_<name> database.
            connection.settings_dict["TEST"]["NAME"] = f"test_{connection.settings_dict['NAME']}_bench"
        setup_test_environment()
        test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        settings.DEBUG = False  # production mode: no query log kept in memory
        try:
            print(f"backend: {connection.vendor}")
            if options.largest_file:
                path = scratch / "largest.txt"
                path.write_text(largest_story(MAX_FILE_BYTES), encoding="utf-8")
                start_rss = resident_mb()
                started = time.perf_counter()
                report = Importer().run(find_sources([str(path)]))
                elapsed = time.perf_counter() - started
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                article = Article.objects.get()
                print(
                    f"largest allowed file: {path.stat().st_size / 2**20:.2f} MB, "
                    f"{len(article.paragraphs)} paragraphs, "
                    f"{report.created} created in {elapsed:.1f}s; resident memory {start_rss:.0f} MB before, "
                    f"peak {peak:.0f} MB"
                )
                return
            if options.bad_files:
                bad = scratch / "bad"
                for number in range(options.bad_files):
                    (bad / f"{number:04}.txt").parent.mkdir(parents=True, exist_ok=True)
                    (bad / f"{number:04}.txt").write_bytes(b"")
                for people in (0, options.people):
                    Person.objects.all().delete()
                    Person.objects.bulk_create(
                        Person(name=f"Person Number{n}", slug=f"person-number{n}", aliases=f"Number{n}")
                        for n in range(people)
                    )
                    started = time.perf_counter()
                    Importer(continue_on_error=True).run([])  # what any run costs: loading who is known
                    setup = time.perf_counter() - started
                    started = time.perf_counter()
                    report = Importer(continue_on_error=True).run(find_sources([str(bad)]))
                    elapsed = time.perf_counter() - started
                    per_file = (elapsed - setup) / options.bad_files * 1000
                    print(
                        f"--continue-on-error, {len(report.failures)} bad files, {people} people in the database: "
                        f"{elapsed:.2f}s, of which {setup:.2f}s loading people once; {per_file:.1f} ms per bad file"
                    )
                return
            wire = scratch / "wire"
            started = time.perf_counter()
            generators = {"mixed": generate_mixed, "uniform": generate, "people-eval": generate_people_eval}
            generators[options.corpus](wire, options.files)
            print(
                f"generated {options.files} {options.corpus} files in {time.perf_counter() - started:.1f}s under {wire}"
            )

            samples = []

            def sample(source):
                sample.done += 1
                if sample.done % max(options.files // 10, 1) == 0:
                    samples.append((sample.done, resident_mb()))

            sample.done = 0
            start_rss = resident_mb()
            started, cpu_started = time.perf_counter(), cpu_seconds()
            report = Importer(on_file=sample).run(find_sources([str(wire)]))
            elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

            print(
                f"imported {report.files} files in {elapsed:.1f}s wall, {cpu:.1f}s CPU: "
                f"{report.files / elapsed:.0f} files/s wall, {report.files / cpu:.0f} files per CPU-second"
            )
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

            started, cpu_started = time.perf_counter(), cpu_seconds()
            again = Importer().run(find_sources([str(wire)]))
            elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
            print(
                f"re-import: {again.unchanged} unchanged, {again.created} created, {again.updated} updated "
                f"in {elapsed:.2f}s wall, {cpu:.2f}s CPU: {again.files / elapsed:.0f} files/s wall, "
                f"{again.files / cpu:.0f} files per CPU-second"
            )
            print(f"held for review (derived headlines): {report.held_for_review}")
        finally:
            connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
