from django.core.management.base import BaseCommand
from tqdm import tqdm

from pictures.models import Picture


class Command(BaseCommand):
    help = (
        "Write the renditions of every library picture (stories' leads, people's photos, pictures in bodies) "
        "that lacks them, here and now rather than by the task worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Rewrite renditions that already exist.")

    def handle(self, *args, **options):
        pictures = Picture.objects.exclude(file="").order_by("pk")
        total = pictures.count()
        items = pictures.iterator(chunk_size=200)
        if options["verbosity"] >= 1 and total:
            items = tqdm(items, total=total, desc="pictures", unit="picture", file=self.stderr)
        count = 0
        for picture in items:
            if options["rebuild"] or not picture.is_ready:
                picture.build_renditions(rebuild=options["rebuild"])
            count += 1
        if options["verbosity"] >= 1:
            self.stdout.write(self.style.SUCCESS(f"Renditions ready for {count} pictures."))
