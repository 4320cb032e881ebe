import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles.roles import ROLES

PASSWORD_VARIABLE = "NEWSROOM_STAFF_PASSWORD"


class Command(BaseCommand):
    help = (
        "Create a staff login in a newsroom role (reporter or editor), or move an existing user to that role. "
        f"The password comes from --password, the {PASSWORD_VARIABLE} environment variable, or a prompt."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(ROLES))
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help=f"Prefer {PASSWORD_VARIABLE} or the prompt: arguments end up in logs.")
        parser.add_argument("--no-input", action="store_false", dest="interactive", help="Never prompt.")

    def handle(self, *args, username, role, email, password, interactive, **options):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        password = password or os.environ.get(PASSWORD_VARIABLE) or self.prompt_password(user, interactive)
        try:
            group = Group.objects.get(name=ROLES[role])
        except Group.DoesNotExist as error:
            raise CommandError(f"The {ROLES[role]} group is missing: run `manage.py migrate` first.") from error
        candidate = user or User(username=username, email=email)
        if password:
            try:
                validate_password(password, candidate)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error

        with transaction.atomic():
            created = user is None
            user = candidate
            user.is_staff = True
            if email:
                user.email = email
            if password:
                user.set_password(password)
            user.save()
            # One role at a time: moving someone to editor takes them out of reporter, and back.
            user.groups.remove(*Group.objects.filter(name__in=ROLES.values()))
            user.groups.add(group)

        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} {username} as {ROLES[role].lower()}."))

    def prompt_password(self, user, interactive):
        if user is not None:
            return None  # keep the existing password
        if not interactive:
            raise CommandError(f"A new user needs a password: pass --password or set {PASSWORD_VARIABLE}.")
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The passwords did not match.")
        if not first:
            raise CommandError("The password may not be empty.")
        return first
