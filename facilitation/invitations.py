"""Creating invitations for families: the link, the short code and a QR code for a printable hand-out."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from .models import Invitation


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
    base = (
        settings.WAGTAILADMIN_BASE_URL.rstrip("/") if request is None else request.build_absolute_uri("/").rstrip("/")
    )
    return base + path


def qr_svg(data: str) -> str:
    """The QR code as inline SVG (no image file to store or leak)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()
