"""Demo accounts, one per role, named after it. Password from DEMO_PASSWORD, or generated once and printed."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from facilitation import policy, two_factor
from facilitation.roles import ROLE_ACCOUNTS, ensure_role_groups


def demo_password() -> tuple[str, bool]:
    """The password, and whether it was generated (kept in DATA_DIR so every run prints the same one)."""
    if settings.DEMO_PASSWORD:
        return settings.DEMO_PASSWORD, False
    path = settings.DATA_DIR / "demo_password.txt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip(), True


class Command(BaseCommand):
    help = "Create or update the demo accounts (admin, editor, facilitator, safeguarding, evaluator)."

    def handle(self, *args, **options):
        ensure_role_groups()
        password, generated = demo_password()
        User = get_user_model()
        for username, group_name in ROLE_ACCOUNTS.items():
            user, _created = User.objects.get_or_create(username=username)
            user.is_superuser = user.is_staff = username == "admin"
            user.is_active = True
            user.email = f"{username}@example.org"
            user.set_password(password)
            user.save()
            if group_name:
                user.groups.set([Group.objects.get(name=group_name)])
        names = ", ".join(ROLE_ACCOUNTS)
        source = "generated, kept in DATA_DIR/demo_password.txt" if generated else "from DEMO_PASSWORD"
        self.stdout.write(self.style.SUCCESS(f"Demo accounts: {names}. Password ({source}): {password}"))
        if settings.STAFF_TWO_FACTOR:
            self._two_factor(User)

    def _two_factor(self, User) -> None:
        """Demo only: the accounts that need two-step sign-in get an authenticator key and recovery codes, printed
        here so a tester can sign in (with a recovery code, or by adding the key to an app). Kept across runs."""
        self.stdout.write("Two-step sign-in (demo only): add the key to an authenticator app, or use a recovery code.")
        for username in ROLE_ACCOUNTS:
            user = User.objects.get(username=username)
            if not policy.requires_two_factor(user):
                continue
            device = two_factor.authenticator_of(user)
            if device is None:
                device = two_factor.pending_authenticator(user)
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            codes = two_factor.new_recovery_codes(user, keep_existing=True)
            self.stdout.write(f"  {username}: key {two_factor.secret_of(device)}; recovery codes: {' '.join(codes)}")
