"""A file a family is sending in pieces (the tus protocol), before it joins their draft.

It is bound to one invitation and one browser session, holds no name and no personal detail, and is never a
recording: once every byte has arrived and the intake accepted the content, the checked file joins the session's
draft (drafts/ in private storage); it becomes a Recording only when the family gives consent. An upload nobody
finishes is swept (`facilitation.families.uploads.sweep_abandoned_uploads`).
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from .submissions import Invitation


class DraftUpload(models.Model):
    class State(models.TextChoices):
        RECEIVING = "receiving", _("Being sent")
        ACCEPTED = "accepted", _("Received and checked")
        REFUSED = "refused", _("Refused")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False, verbose_name=_("identifier"))
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="+", verbose_name=_("invitation"))
    # SHA-256 of the browser session's key: only the browser that started an upload can continue or see it.
    session_digest = models.CharField(max_length=64, db_index=True, verbose_name=_("session digest"))
    length = models.BigIntegerField(verbose_name=_("size (bytes)"))
    offset = models.BigIntegerField(default=0, verbose_name=_("offset"))
    # Every byte that arrived, resent ones included: shows that a resumed upload did not start over.
    bytes_received = models.BigIntegerField(default=0, verbose_name=_("bytes received"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVING, verbose_name=_("state"))
    refusal = models.CharField(max_length=300, blank=True, verbose_name=_("reason refused"))
    # The draft's entry for the checked file (path in drafts/, format, codec, duration, size, checksum).
    item = models.JSONField(default=dict, blank=True, verbose_name=_("item"))
    # Taken into the session's draft (which then owns the file). The row stays, so a page that lost the answer to
    # its last piece still learns that the file arrived, instead of sending it a second time.
    in_draft = models.BooleanField(default=False, verbose_name=_("in the draft"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("upload in progress")
        verbose_name_plural = _("uploads in progress")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.pk} · {self.offset}/{self.length}"
