import argparse
import sys
from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.importer import IMPORT_ERRORS, Importer, find_sources
from articles.models import Article

SKIPPED_SHOWN = 20


def moment(value):
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an ISO 8601 date and time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = (
        "Import wire stories (plain text), fixtures (JSON) and agency items (NITF, NewsML-G2, ninjs) from files, "
        "folders (walked in sorted order; read-me, licence, notes, hidden and non-text files are skipped and "
        "listed) or '-' for standard input. One run is all or nothing; importing the same files again changes "
        "nothing. Stories whose headline had to be derived from the lede are held in review unless --status "
        "says otherwise."
    )
    # Tests hand standard input in through call_command(..., stdin=...).
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="a story file, a folder of them, or -")
        parser.add_argument("--dry-run", action="store_true", help="report what would change and write nothing")
        parser.add_argument(
            "--continue-on-error",
            action="store_true",
            help="import the good files and list the bad ones, instead of importing nothing",
        )
        parser.add_argument("--status", choices=Article.Status.values, help="status for every story imported")
        parser.add_argument(
            "--published-at", type=moment, metavar="ISO8601", help="publication time for every story imported"
        )

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        paths, stdin = options["paths"], options.get("stdin") or sys.stdin
        show_progress = self.verbosity > 0 and self.stdout.isatty()
        total = sum(1 for _ in find_sources(paths, stdin)) if show_progress else None
        with tqdm(total=total, unit="file", disable=not show_progress, file=sys.stderr) as self.progress:
            importer = Importer(
                status=options["status"],
                published_at=options["published_at"],
                dry_run=options["dry_run"],
                continue_on_error=options["continue_on_error"],
                on_story=self.story_imported,
                on_file=lambda source: self.progress.update(),
            )
            try:
                report = importer.run(find_sources(paths, stdin))
            except IMPORT_ERRORS as problem:
                raise CommandError(f"{problem}\nNothing was imported.") from problem
        self.summarise(report)
        if report.failures:
            listing = "\n".join(f"  {problem}" for problem in report.failures)
            raise CommandError(f"{len(report.failures)} file(s) refused, the rest imported:\n{listing}")

    def say(self, message, style=None):
        with tqdm.external_write_mode():
            self.stdout.write(style(message) if style else message)

    def story_imported(self, story):
        for warning in story.warnings:
            self.say(f"warning: {warning}", self.style.WARNING)
        if self.verbosity >= 2:
            self.describe(story)
        elif self.verbosity == 1 and story.outcome == "created":
            # What the import made up rather than read, for an editor to check.
            notes = []
            if story.headline_derived:
                notes.append(f"headline derived from the lede: {story.headline!r}")
            if story.tags_suggested and story.tags:
                notes.append(f"tags suggested: {', '.join(story.tags)}")
            if notes:
                self.say(f"{story.source}: {'; '.join(notes)}")

    def describe(self, story):
        if not story.reread:
            self.say(f"unchanged {story.slug} from {story.source} (file unchanged since its last import)")
            return
        changed = f" ({', '.join(story.changed)})" if story.changed else ""
        lines = [f"{story.outcome} {story.slug}{changed} from {story.source}"]
        derived = " (derived from the lede: check it in the admin)" if story.headline_derived else ""
        lines.append(f"  headline: {story.headline}{derived}")
        people = [
            f"{person.name}" + (f", {person.role}" if person.role else "") + (" (new)" if person.created else "")
            for person in story.people
        ]
        lines.append(f"  people: {'; '.join(people) or 'none'}")
        lines.append(f"  tags: {', '.join(story.tags) or 'none'}" + (" (suggested)" if story.tags_suggested else ""))
        for number, link in enumerate(story.links, start=1):
            if link.target:
                where = f"-> {link.target}"
            elif link.url:
                where = f"-> {link.url}"
            elif link.waiting_for:
                where = f"(waiting for {link.waiting_for})"
            else:
                where = "(no story yet)"
            lines.append(f"  related {number}: {link.headline} {where}")
        if story.linked_waiting:
            lines.append(f"  now linked from {story.linked_waiting} waiting headline(s)")
        self.say("\n".join(lines))

    def summarise(self, report):
        if self.verbosity == 0:
            return
        verb = "would be " if report.dry_run else ""
        counts = f"{report.created} {verb}created, {report.updated} {verb}updated, {report.unchanged} unchanged"
        extras = []
        if report.people_created:
            extras.append(f"{report.people_created} new people")
        if report.headlines_linked:
            extras.append(f"{report.headlines_linked} waiting headlines linked")
        if report.held_for_review:
            extras.append(f"{report.held_for_review} held for review (headline derived from the lede)")
        if report.duplicates:
            extras.append(f"{len(report.duplicates)} duplicate file{'s' if len(report.duplicates) != 1 else ''}")
        if report.skipped:
            extras.append(f"{len(report.skipped)} skipped as not stories")
        files = f"{report.files} file{'s' if report.files != 1 else ''}"
        message = f"{files}: {counts}" + (f"; {', '.join(extras)}" if extras else "") + "."
        if report.dry_run:
            message = f"Dry run, nothing written. {message}"
        self.say(message, self.style.SUCCESS)
        for label, original in report.duplicates:
            self.say(f"duplicate: {label} is byte-identical to {original}, imported once", self.style.WARNING)
        shown = report.skipped if self.verbosity >= 2 else report.skipped[:SKIPPED_SHOWN]
        for label, reason in shown:
            self.say(f"skipped: {label} ({reason})")
        if len(report.skipped) > len(shown):
            self.say(f"skipped: {len(report.skipped) - len(shown)} more (-v 2 lists them all)")
        if report.waiting_for:
            slugs = ", ".join(sorted(report.waiting_for))
            self.say(f"Related headlines wait for stories not imported yet: {slugs}", self.style.WARNING)
