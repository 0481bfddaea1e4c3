"""Creating invitations for families: the link, the short code and a QR code for a printable hand-out."""

from __future__ import annotations

import io
import re

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe

from ..models import Invitation


def create_invitation(family, *, language: str, session=None, actor=None) -> tuple[Invitation, str, str]:
    """A new invitation and its secrets (link token, short code). The secrets exist only in this return value."""
    invitation = Invitation(
        family=family, session=session, language=language, created_by=actor if getattr(actor, "pk", None) else None
    )
    token, code = invitation.issue_secrets()
    invitation.save()
    return invitation, token, code


def invitation_url(request, token: str, language: str) -> str:
    with translation.override(language):
        path = reverse("family_who", kwargs={"token": token})
    return site_address(request, path)


def qr_svg(data: str) -> str:
    """The QR code as inline SVG (no image file to store or leak), sized by its viewBox so CSS can scale it.

    The XML declaration is dropped (inline in HTML it is not allowed) and the size in millimetres replaced by a
    `viewBox`, so the code fills the box the hand-out gives it, on screen and on paper."""
    image = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathImage,
        box_size=10,
        border=2,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r'\s(width|height)="[^"]*mm"', "", svg, count=2)
    return svg.replace("<svg ", '<svg role="img" class="invitation-qr" ', 1)


def site_address(request, path: str) -> str:
    base = (
        settings.WAGTAILADMIN_BASE_URL.rstrip("/") if request is None else request.build_absolute_uri("/").rstrip("/")
    )
    return base + path


def handout(request, invitation: Invitation, token: str, code: str) -> dict:
    """What the printed hand-out shows, in the family's language: the link (and its QR code), the short code with the
    page where it is typed, and the page where consent is taken back."""
    language = invitation.language
    url = invitation_url(request, token, language)
    with translation.override(language):
        start_path = reverse("family_start")
        withdraw_path = reverse("family_withdraw")
    return {
        "invitation": invitation,
        "language": language,
        "url": url,
        "code": code,
        "qr": mark_safe(qr_svg(url)),  # noqa: S308 (our own SVG, generated from our own URL)
        "start_url": site_address(request, start_path),
        "withdraw_url": site_address(request, withdraw_path),
    }
