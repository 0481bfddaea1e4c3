"""Print a two-step sign-in setup code for one account: how the first administrator (createsuperuser) gets in.

Whoever can run commands on the server is the trust anchor; the code is audited like one issued in the admin."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from facilitation import policy, two_factor


def print_code(command: BaseCommand, issued: two_factor.IssuedCode, username: str) -> None:
    if not issued:
        raise CommandError(" ".join(str(reason) for reason in issued.decision.reasons))
    expires = timezone.localtime(issued.expires_at).strftime("%Y-%m-%d %H:%M %Z")
    command.stdout.write(command.style.SUCCESS(f"Setup code for {username}: {issued.code}"))
    command.stdout.write(
        f"Shown only now; works once, until {expires}. At their next sign-in {username} types it on the setup page, "
        "then adds the authenticator app. Earlier setup codes for this account no longer work."
    )


class Command(BaseCommand):
    help = (
        "Print a single-use setup code (shown once) that lets an account without an authenticator set up two-step "
        "sign-in; earlier codes stop working. For a lost phone use reset_two_factor."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account named {username!r}.")
        if two_factor.has_authenticator(user):
            raise CommandError(
                f"{username} already has an authenticator. If they lost it, run: manage.py reset_two_factor {username}"
            )
        print_code(self, two_factor.issue_setup_code(user, policy.SYSTEM, via="manage.py issue_setup_code"), username)
