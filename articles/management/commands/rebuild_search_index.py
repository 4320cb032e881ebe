from django.core.management.base import BaseCommand

from articles import search


class Command(BaseCommand):
    help = (
        "Re-index every story for search: tag and people names, and on SQLite the full-text mirror. "
        "Run after bulk changes made outside the models (raw SQL, queryset.update(), bulk_create)."
    )

    def handle(self, *args, **options):
        count = search.rebuild_index()
        if options["verbosity"] >= 1:
            self.stdout.write(self.style.SUCCESS(f"Indexed {count} stor{'y' if count == 1 else 'ies'} for search."))
