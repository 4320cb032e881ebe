from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from articles import demo

DEMO_STORIES = settings.BASE_DIR / "demo" / "stories.json"
DEMO_LOGIN = ("admin", "admin")


class Command(BaseCommand):
    help = "Load the demo stories and create a local admin login (development only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("The demo set-up is for local development only: run it with DJANGO_DEBUG=1.")
        desk = demo.read_demo_newsroom()
        demo.set_up_desk(desk)
        call_command("import_articles", str(DEMO_STORIES), verbosity=options["verbosity"])
        demo.apply_after_import(desk)
        username, password = DEMO_LOGIN
        User = get_user_model()
        if not User.objects.filter(username=username).exists():
            User.objects.create_superuser(username, "admin@example.com", password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready. Admin: http://127.0.0.1:8000/admin/ — user “{username}”, password “{password}”."
            )
        )
