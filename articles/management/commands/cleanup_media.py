"""Remove stored pictures no story or person uses: what an import killed half-way or a failed save left."""

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.template.defaultfilters import filesizeformat

from articles.media_files import orphaned_files


class Command(BaseCommand):
    help = (
        "Find media files (originals and their renditions) that no story or person refers to, and delete "
        "them. Files younger than --min-age minutes are left alone: a running import may still commit them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be deleted; delete nothing.")
        parser.add_argument(
            "--min-age",
            type=float,
            default=60,
            metavar="MINUTES",
            help="Only files last written at least this long ago (default 60).",
        )

    def handle(self, *args, dry_run, min_age, **options):
        count = size = 0
        for orphan in orphaned_files(min_age_seconds=min_age * 60):
            count += 1
            size += orphan.size
            if options["verbosity"] >= 2 or dry_run:
                self.stdout.write(f"{'would delete' if dry_run else 'deleted'} {orphan.name}")
            if not dry_run:
                default_storage.delete(orphan.name)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            self.style.SUCCESS(f"{verb} {count} orphaned file{'' if count == 1 else 's'} ({filesizeformat(size)}).")
        )
