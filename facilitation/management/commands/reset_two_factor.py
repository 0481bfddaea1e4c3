"""Reset a person's two-step sign-in when they lost their phone and their recovery codes."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from facilitation import policy


class Command(BaseCommand):
    help = "Remove a person's authenticator and recovery codes: at their next sign-in they set up a new authenticator."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account named {username!r}.")
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        policy.audit(policy.SYSTEM, "account.two_factor", user, True, [], {"step": "reset", "username": username})
        self.stdout.write(
            self.style.SUCCESS(f"Two-step sign-in reset for {username}: they set it up again at sign-in.")
        )
