"""Reset a person's two-step sign-in when they lost their phone and their recovery codes, and print a setup code."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from facilitation import policy, two_factor

from .issue_setup_code import print_code


class Command(BaseCommand):
    help = (
        "Remove a person's authenticator and recovery codes and print a new setup code (shown once): at their next "
        "sign-in they type it and set up a new authenticator."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account named {username!r}.")
        two_factor.remove_devices(user)
        policy.audit(policy.SYSTEM, "account.two_factor", user, True, [], {"step": "reset", "username": username})
        self.stdout.write(self.style.SUCCESS(f"Two-step sign-in reset for {username}."))
        if not policy.requires_two_factor(user):
            self.stdout.write(f"{username} does not use two-step sign-in: no setup code needed.")
            return
        print_code(self, two_factor.issue_setup_code(user, policy.SYSTEM, via="manage.py reset_two_factor"), username)
