from django.core.management.base import BaseCommand

from articles import kept_uploads


class Command(BaseCommand):
    help = "Delete photos kept for refused admin forms once they are more than a day old."

    def handle(self, *args, **options):
        removed = kept_uploads.clear_expired()
        if options["verbosity"]:
            self.stdout.write(f"Removed {removed} kept upload{'' if removed == 1 else 's'}.")
