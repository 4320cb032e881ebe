from django.core.management.base import BaseCommand
from tqdm import tqdm

from articles.models import Article, Person


class Command(BaseCommand):
    help = "Write the responsive renditions of every stored lead image and person photo that lacks them."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Rewrite renditions that already exist.")

    def handle(self, *args, **options):
        jobs = [
            ("lead images", Article.objects.exclude(lead_image="").order_by("pk")),
            ("person photos", Person.objects.exclude(photo="").order_by("pk")),
        ]
        for label, queryset in jobs:
            items = queryset.iterator(chunk_size=200)
            total = queryset.count()
            if options["verbosity"] >= 1 and total:
                items = tqdm(items, total=total, desc=label, unit="image", file=self.stderr)
            count = 0
            for item in items:
                item.build_renditions(rebuild=options["rebuild"])
                count += 1
            if options["verbosity"] >= 1:
                self.stdout.write(self.style.SUCCESS(f"Renditions ready for {count} {label}."))
