from django.core.management.base import BaseCommand

from articles.models import TaggedArticle, TagUsage


class Command(BaseCommand):
    help = (
        "Rebuild the related-stories index from scratch: every tag row's publication time and every tag's "
        "story count. Run it after bulk changes made outside the app (imports call the refresh themselves)."
    )

    def handle(self, *args, **options):
        rows = TaggedArticle.rebuild_index()
        tags = TagUsage.refresh()
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(f"Indexed {rows} tag rows and counted stories for {tags} tags."))
