"""Give a staff login an authenticator-app (TOTP) device, for two-factor sign-in (settings.STAFF_TWO_FACTOR)."""

import io

import segno
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = (
        "Create a TOTP device for a staff user and print the QR code (and otpauth:// link) to scan with an "
        "authenticator app. The device counts once the first code from it has been used to sign in."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="Authenticator app", help="What the device is called in the admin.")

    def handle(self, username, name, **options):
        user = get_user_model().objects.filter(username=username, is_staff=True).first()
        if user is None:
            raise CommandError(f"No staff user {username!r}.")
        device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)
        self.stdout.write(f"Scan this with the authenticator app of {username}:\n")
        picture = io.StringIO()
        segno.make(device.config_url, error="m").terminal(out=picture, compact=True)
        self.stdout.write(picture.getvalue())
        self.stdout.write(f"\nOr enter this link by hand: {device.config_url}\n")
