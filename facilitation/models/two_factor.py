"""Setup codes for two-step sign-in: what a person must type before the setup page shows them a QR code.

Without one, whoever first signed in with a stolen or guessed password of a not-yet-enrolled account would enrol their
own phone. An administrator issues the code (the admin's Users area, or `manage.py issue_setup_code` on the server);
it works once, for SETUP_CODE_HOURS, and only its SHA-256 digest is stored (the code is random, 10 characters from a
31-letter alphabet, and each wrong try doubles the wait before the next: django-otp's ThrottlingMixin).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import ThrottlingMixin

from .submissions import digest, random_code

SETUP_CODE_LENGTH = 10


class _AlwaysAllowed(models.Model):
    """The end of ThrottlingMixin's `verify_is_allowed` chain (django-otp's Device plays this part for devices)."""

    class Meta:
        abstract = True

    def verify_is_allowed(self):
        return True, None


class SetupCodeQuerySet(models.QuerySet):
    def usable(self):
        """Issued, not yet used, not cancelled by a newer code, not expired."""
        return self.filter(redeemed_at=None, revoked_at=None, expires_at__gt=timezone.now())


class TwoFactorSetupCode(ThrottlingMixin, _AlwaysAllowed):
    """One administrator-issued, single-use code that opens the two-step sign-in setup page for one person."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="two_factor_setup_codes",
        verbose_name=_("account"),
    )
    code_digest = models.CharField(max_length=64, editable=False)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("issued by"),
    )
    issued_by_label = models.CharField(_("issued by"), max_length=150, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    redeemed_at = models.DateTimeField(_("used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    objects = SetupCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("two-step sign-in setup code")
        verbose_name_plural = _("two-step sign-in setup codes")
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"

    @classmethod
    def issue(cls, user, issued_by=None) -> tuple[TwoFactorSetupCode, str]:
        """A new code for `user` (earlier unused or half-used ones stop working); the code exists only in the
        return value, grouped as people read it aloud (ABCDE-FGHJK)."""
        now = timezone.now()
        cls.objects.filter(user=user, revoked_at=None).update(revoked_at=now)
        code = random_code(SETUP_CODE_LENGTH)
        by_person = issued_by if getattr(issued_by, "pk", None) else None
        row = cls.objects.create(
            user=user,
            code_digest=digest(code),
            issued_at=now,
            issued_by=by_person,
            issued_by_label=str(getattr(issued_by, "username", "") or "system"),
            expires_at=now + timedelta(hours=settings.SETUP_CODE_HOURS),
        )
        half = SETUP_CODE_LENGTH // 2
        return row, f"{code[:half]}-{code[half:]}"

    def matches(self, typed: str) -> bool:
        return secrets.compare_digest(self.code_digest, digest(typed))

    def get_throttle_factor(self) -> float:
        return settings.SETUP_CODE_THROTTLE_FACTOR
