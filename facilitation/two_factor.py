"""Two-factor sign-in (django-otp) for the staff who can see real names or recordings.

A password alone opens nothing for them: until the session has passed a one-time code (`request.user.is_verified()`,
set by django-otp's OTPMiddleware), every admin or private-file request goes to the setup page (no authenticator yet:
a QR code, then 10 recovery codes shown once) or to the verify page (a code from the app, or one recovery code).
Who needs it is the policy's answer (`policy.requires_two_factor`); attempts are throttled by django-otp's exponential
back-off on each device and written to the audit log.

The setup page shows its QR code only after a setup code an administrator issued (`TwoFactorSetupCode`: single use,
SETUP_CODE_HOURS, stored as a digest, throttled, audited): a password alone never enrols a phone, so a stolen password
of an account not yet set up does not get anyone in. Administrators issue codes from the admin's Users area (and are
sent there after creating an account that needs one); on the server `manage.py issue_setup_code` and
`manage.py reset_two_factor` print one, which is how the first administrator gets theirs.
"""

from __future__ import annotations

import re
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.admin import messages as admin_messages
from wagtail.admin.widgets import Button

from . import policy
from .formats import headed
from .models import TwoFactorSetupCode
from .policy import Action
from .views import not_found

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"
AUDIT_ACTION = "account.two_factor"
# The setup code this session typed (a TwoFactorSetupCode's pk): the QR code is shown only while it holds one.
SETUP_SESSION_KEY = "two_factor_setup_code"


# --- Devices ---------------------------------------------------------------------------------------------------


def authenticator_of(user, *, confirmed: bool | None = True) -> TOTPDevice | None:
    devices = TOTPDevice.objects.devices_for_user(user, confirmed=confirmed)
    return devices.order_by("-confirmed", "pk").first()


def has_authenticator(user) -> bool:
    return authenticator_of(user) is not None


def pending_authenticator(user) -> TOTPDevice:
    """The authenticator being set up: one unconfirmed device per person, kept until confirmed with a code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def secret_of(device: TOTPDevice) -> str:
    """The key as people type it into an authenticator app (base32, in groups of four)."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def new_recovery_codes(user, *, keep_existing: bool = False) -> list[str]:
    """Up to RECOVERY_CODE_COUNT single-use codes; without keep_existing, earlier codes stop working."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    if not keep_existing:
        device.token_set.all().delete()
    existing = list(device.token_set.values_list("token", flat=True))
    fresh = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT - len(existing))]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=token) for token in fresh])
    return existing + fresh


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// link as an inline SVG QR code (the admin's CSP allows inline SVG; no request leaves the site)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def remove_devices(user) -> None:
    """The person's authenticator (confirmed or not) and recovery codes: a session verified with them stops being so."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


# --- Setup codes -------------------------------------------------------------------------------------------------


@dataclass
class IssuedCode:
    """The answer to issuing a setup code: the code (shown once, never stored) or the policy's refusal."""

    decision: policy.Decision
    code: str = ""
    expires_at: datetime | None = None

    def __bool__(self) -> bool:
        return self.decision.allowed


def issue_setup_code(account, actor, *, reset: bool = False, via: str = "admin") -> IssuedCode:
    """A new setup code for `account`, if the policy allows `actor` to issue one (audited either way). Earlier codes
    stop working; with `reset`, the account's authenticator and recovery codes are removed first (a lost phone)."""
    decision = policy.may(actor, Action.ISSUE_SETUP_CODE, account)
    detail = {"username": account.username, "reset": reset, "via": via}
    if not decision:
        policy.audit(actor, Action.ISSUE_SETUP_CODE, account, False, decision.reasons, detail)
        return IssuedCode(decision)
    with transaction.atomic():
        if reset:
            remove_devices(account)
        row, code = TwoFactorSetupCode.issue(account, actor)
        policy.audit(
            actor, Action.ISSUE_SETUP_CODE, account, True, [], {**detail, "expires_at": row.expires_at.isoformat()}
        )
    return IssuedCode(decision, code, row.expires_at)


def outstanding_code(user) -> TwoFactorSetupCode | None:
    """The person's usable setup code, if one was issued and not yet used, cancelled or expired."""
    return TwoFactorSetupCode.objects.usable().filter(user=user).select_related("issued_by").first()


def redeem_setup_code(user, typed: str) -> tuple[TwoFactorSetupCode | None, datetime | None]:
    """(the code row, now used, or None; and when the code was still in its back-off, the time until which it
    refuses every try). A wrong code counts against the usable code's back-off, as a wrong app code does on a device."""
    with transaction.atomic():
        row = TwoFactorSetupCode.objects.usable().select_for_update().filter(user=user).first()
        if row is None:
            return None, None
        until = _throttled_until(row)
        if until is not None:
            return None, until
        if not row.matches(typed):
            row.throttle_increment()
            return None, None
        row.redeemed_at = timezone.now()
        row.throttle_reset(commit=False)
        row.save(update_fields=["redeemed_at", "throttling_failure_timestamp", "throttling_failure_count"])
        return row, None


def _redeemed_in_session(request) -> bool:
    """Whether this session typed a setup code for this person that no newer code has since cancelled."""
    pk = request.session.get(SETUP_SESSION_KEY)
    return bool(
        pk
        and TwoFactorSetupCode.objects.filter(
            pk=pk, user=request.user, redeemed_at__isnull=False, revoked_at=None
        ).exists()
    )


def _normalised(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _throttled_until(device):
    allowed, data = device.verify_is_allowed()
    return None if allowed else (data or {}).get("locked_until")


def check_code(user, code: str, *, device: TOTPDevice | None = None):
    """(the device that accepted `code` or None, and when a device was still in its back-off and so refused to
    check the code at all, the time until which it refuses; None when the code was checked and is wrong).

    Six or eight digits are a code from the app, anything else a recovery code (used once, then deleted). Each
    device counts its own failures and refuses any code, right or wrong, while its back-off runs."""
    code = _normalised(code)
    with transaction.atomic():
        if device is not None:
            candidates = TOTPDevice.objects.select_for_update().filter(pk=device.pk)
        elif code.isdigit() and len(code) in (6, 8):
            candidates = TOTPDevice.objects.devices_for_user(user, confirmed=True).select_for_update()
        else:
            candidates = StaticDevice.objects.devices_for_user(user, confirmed=True).select_for_update()
        locked_until = None
        for candidate in candidates:
            until = _throttled_until(candidate)
            if until is not None:
                locked_until = max(locked_until or until, until)
                continue
            if candidate.verify_token(code):
                return candidate, None
        return None, locked_until


def _audit(user, allowed: bool, step: str, **detail) -> None:
    policy.audit(
        user, AUDIT_ACTION, None, allowed, [] if allowed else [_("Wrong or expired code.")], {"step": step, **detail}
    )


# --- Middleware --------------------------------------------------------------------------------------------------


def needs_code(request) -> bool:
    user = getattr(request, "user", None)
    return bool(
        settings.STAFF_TWO_FACTOR
        and user is not None
        and user.is_authenticated
        and not (hasattr(user, "is_verified") and user.is_verified())
        and policy.requires_two_factor(user)
    )


class TwoFactorMiddleware:
    """Holds a signed-in person who needs two-factor sign-in at the two-factor pages until the session passed a code,
    for every staff path (the admin, private files, documents). After django-otp's OTPMiddleware.

    Also keeps staff sessions on the site-wide idle limit (SESSION_COOKIE_AGE, pushed back by every request): a
    longer expiry set for a family's draft in the same browser never carries over to a signed-in session."""

    PROTECTED = ("/admin/", "/private/", "/documents/")
    EXEMPT = (
        "/admin/two-factor/",
        "/admin/login/",
        "/admin/logout/",
        "/admin/password_reset/",
        "/admin/jsi18n/",
        "/admin/sprite",  # the admin's icons, fetched by every admin page (the code pages included)
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path_info = request.path_info
        if path_info.startswith(self.PROTECTED) and not path_info.startswith(self.EXEMPT) and needs_code(request):
            return redirect(_two_factor_url(request.user, request.get_full_path() if request.method == "GET" else ""))
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            expiry = request.session.get("_session_expiry")
            if expiry not in (None, 0):
                request.session.set_expiry(None)
        return self.get_response(request)


def _two_factor_url(user, next_url: str = "") -> str:
    name = "facilitation_two_factor_verify" if has_authenticator(user) else "facilitation_two_factor_setup"
    url = reverse(name)
    if next_url and next_url.startswith("/admin/"):
        url += "?" + urlencode({"next": next_url})
    return url


# --- Views -------------------------------------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )


class SetupCodeForm(forms.Form):
    setup_code = forms.CharField(
        label=gettext_lazy("Setup code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autofocus": True, "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}):
        return candidate
    return reverse("wagtailadmin_home")


def _refusal(form, locked_until, field: str = "code") -> None:
    if locked_until is not None:
        when = formats.time_format(timezone.localtime(locked_until), "H:i:s")
        form.add_error(field, _("Too many wrong codes. Wait until %(time)s, then try again.") % {"time": when})
    else:
        form.add_error(field, _("This code is not right, or it has expired. Try again."))


def _page(request, template: str, title: str, **context) -> TemplateResponse:
    return TemplateResponse(
        request, template, {"page_title": title, "header_title": title, "next": _next_url(request), **context}
    )


def _setup_code_step(request):
    """Before any QR code: the setup code an administrator issued. Used once; a wrong one is throttled and audited."""
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        row, locked_until = redeem_setup_code(request.user, form.cleaned_data["setup_code"])
        if row is not None:
            # A key shown before setup codes existed (an unconfirmed device) is never the one enrolled.
            TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
            request.session[SETUP_SESSION_KEY] = row.pk
            _audit(request.user, True, "setup_code")
            return redirect(_two_factor_url(request.user, _next_url(request)))
        _audit(request.user, False, "setup_code", throttled=locked_until is not None)
        _refusal(form, locked_until, field="setup_code")
    return _page(request, "facilitation/two_factor/setup_code.html", _("Set up two-step sign-in"), form=form)


def setup_view(request):
    """First sign-in: the administrator's setup code, then an authenticator app added by QR code or key, confirmed
    with a code from it, then the recovery codes."""
    if not (settings.STAFF_TWO_FACTOR and policy.requires_two_factor(request.user)):
        return redirect("wagtailadmin_home")
    if has_authenticator(request.user):
        return redirect(_two_factor_url(request.user, _next_url(request)))
    if not _redeemed_in_session(request):
        return _setup_code_step(request)
    device = pending_authenticator(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verified, locked_until = check_code(request.user, form.cleaned_data["code"], device=device)
        if verified is not None:
            verified.confirmed = True
            verified.save(update_fields=["confirmed"])
            codes = new_recovery_codes(request.user)
            otp_login(request, verified)
            request.session.pop(SETUP_SESSION_KEY, None)
            _audit(request.user, True, "setup")
            return _page(
                request,
                "facilitation/two_factor/recovery_codes.html",
                _("Your recovery codes"),
                codes=codes,
            )
        _audit(request.user, False, "setup", throttled=locked_until is not None)
        _refusal(form, locked_until)
    return _page(
        request,
        "facilitation/two_factor/setup.html",
        _("Set up two-step sign-in"),
        form=form,
        qr=mark_safe(qr_svg(device)),  # noqa: S308 - generated here from our own key, no user input
        secret=secret_of(device),
    )


def verify_view(request):
    """Every sign-in after the first: a code from the app, or one recovery code."""
    if not needs_code(request):
        return redirect(_next_url(request))
    if not has_authenticator(request.user):
        return redirect(_two_factor_url(request.user, _next_url(request)))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verified, locked_until = check_code(request.user, form.cleaned_data["code"])
        if verified is not None:
            otp_login(request, verified)
            recovery = isinstance(verified, StaticDevice)
            left = verified.token_set.count() if recovery else None
            _audit(request.user, True, "verify", method="recovery" if recovery else "app", recovery_codes_left=left)
            if recovery:
                messages.warning(
                    request,
                    _("You signed in with a recovery code; %(count)s left. Each code works once.") % {"count": left},
                )
            return redirect(_next_url(request))
        _audit(request.user, False, "verify", throttled=locked_until is not None)
        _refusal(form, locked_until)
    return _page(request, "facilitation/two_factor/verify.html", _("Enter your sign-in code"), form=form)


# --- Administrators: issuing setup codes -------------------------------------------------------------------------


class IssueForm(forms.Form):
    reset = forms.BooleanField(
        label=gettext_lazy("Remove their authenticator app and recovery codes (a lost or replaced phone)"),
        required=True,
    )


def issue_setup_code_url(account) -> str:
    return reverse("facilitation_issue_setup_code", args=[account.pk])


def issue_setup_code_view(request, user_pk: int):
    """An administrator issues a setup code (resetting a lost phone first where there is one) and sees it once.

    Outside /admin/two-factor/, so the administrator's own session must have passed two-step sign-in."""
    account = get_object_or_404(get_user_model(), pk=user_pk)
    if not (settings.STAFF_TWO_FACTOR and policy.may(request.user, Action.ISSUE_SETUP_CODE, account)):
        if request.method == "POST":
            issue_setup_code(account, request.user)  # audits the refusal
        return not_found(request)
    enrolled = has_authenticator(account)
    form = IssueForm(request.POST or None) if enrolled else None
    name = account.get_full_name() or account.get_username()
    context = {
        "account": account,
        "account_name": name,
        "enrolled": enrolled,
        "outstanding": outstanding_code(account),
        "form": form,
        **headed(
            _("Two-step sign-in setup code for %(name)s") % {"name": name},
            (_("Users"), reverse("wagtailusers_users:index")),
        ),
    }
    if request.method == "POST" and (form is None or form.is_valid()):
        issued = issue_setup_code(account, request.user, reset=enrolled)
        if not issued:
            return not_found(request)
        context.update(issued=issued, enrolled=False, outstanding=None)
        response = TemplateResponse(request, "facilitation/two_factor/issue_setup_code.html", context)
        add_never_cache_headers(response)
        return response
    return TemplateResponse(request, "facilitation/two_factor/issue_setup_code.html", context)


def listing_buttons(user, request_user):
    """The Users list's "More" menu: a setup code, for each account the policy lets this administrator issue one."""
    if settings.STAFF_TWO_FACTOR and policy.may(request_user, Action.ISSUE_SETUP_CODE, user):
        yield Button(_("Two-step sign-in setup code"), issue_setup_code_url(user), icon_name="key", priority=60)


def after_create_user(request, user):
    """A new account that needs two-step sign-in cannot sign in without a setup code: go straight to issuing one."""
    if settings.STAFF_TWO_FACTOR and policy.may(request.user, Action.ISSUE_SETUP_CODE, user):
        return redirect(issue_setup_code_url(user))
    return None


def after_edit_user(request, user) -> None:
    """An account that now needs two-step sign-in (a role added) and has neither an authenticator nor a usable code:
    say so, with the way to issue one."""
    if (
        settings.STAFF_TWO_FACTOR
        and policy.may(request.user, Action.ISSUE_SETUP_CODE, user)
        and not has_authenticator(user)
        and outstanding_code(user) is None
    ):
        admin_messages.warning(
            request,
            _(
                "%(name)s has not set up two-step sign-in and has no setup code: "
                "they cannot sign in until you issue one."
            )
            % {"name": user.get_full_name() or user.get_username()},
            buttons=[admin_messages.button(issue_setup_code_url(user), _("Issue a setup code"))],
        )


def admin_urls():
    return [
        path("two-factor/setup/", setup_view, name="facilitation_two_factor_setup"),
        path("two-factor/verify/", verify_view, name="facilitation_two_factor_verify"),
        # Not under two-factor/ (which a password-only session may open): only a verified administrator gets here.
        path("setup-codes/<int:user_pk>/", issue_setup_code_view, name="facilitation_issue_setup_code"),
    ]
