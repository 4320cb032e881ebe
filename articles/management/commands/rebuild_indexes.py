from django.core.management.base import BaseCommand, CommandError

from articles import derived


class Command(BaseCommand):
    help = (
        "Rebuild every derived structure (related-stories index and tag counts, search keywords and index, "
        "headline matching keys, the cached next scheduled publication) from the stories, tags and people. "
        "Writes keep them current by themselves; this is for repair after restoring a backup or raw SQL. "
        "With --check, only report drift, and exit 1 if there is any (for health checks)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Report drift without writing; exit 1 on drift.")

    def handle(self, *args, check=False, verbosity=1, **options):
        found = derived.check() if check else derived.rebuild()
        drifted = {structure: count for structure, count in found.items() if count}
        if verbosity >= 1:
            for structure, count in found.items():
                line = f"{structure}: {count} out of step" + ("" if check or not count else ", rebuilt")
                self.stdout.write(self.style.WARNING(line) if count else line)
        if check and drifted:
            total = sum(drifted.values())
            raise CommandError(
                f"Derived data has drifted ({total} entries in {len(drifted)} structures).", returncode=1
            )
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS("Rebuilt." if not check else "No drift."))
