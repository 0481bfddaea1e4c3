"""E-mails to staff about what needs them: a safeguarding concern, a family's story, a withdrawal.

E-mails leave the platform, so they carry no names, no codes and no words of anyone concerned: the site, a count
and a link into the admin, where the policy decides what the reader may see. Each reader gets it in their admin
language, and only if their `NotificationPreference` says so. Sent through Django's mail backend (the console in
development, the environment's SMTP in production), after the change that caused it has been committed.
"""

from __future__ import annotations

import logging

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models.signals import post_save
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.views.account import BaseSettingsPanel
from wagtail.users.models import UserProfile

from . import dashboard, policy
from .models import NotificationPreference, Site, Submission
from .policy import Action
from .signals import consent_withdrawn

log = logging.getLogger(__name__)


def absolute(url: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + url


def _language_of(user) -> str:
    language = UserProfile.get_for_user(user).get_preferred_language()
    return language or settings.LANGUAGE_CODE


def _wants(user, preference: str) -> bool:
    return bool(user.email) and getattr(NotificationPreference.for_user(user), preference)


def send(users, preference: str, subject, body) -> int:
    """Send `subject`/`body` (callables, evaluated in each reader's language) to those of `users` who want them."""
    sent = 0
    for user in users:
        if not _wants(user, preference):
            continue
        with translation.override(_language_of(user)):
            message_subject, message_body = str(subject()), str(body())
        try:
            sent += send_mail(message_subject, message_body, None, [user.email])
        except OSError as error:  # an unreachable mail server must not undo or block the change that caused it
            log.error("notification e-mail %r not sent: %s", preference, error)
    return sent


def concern_raised(concern) -> int:
    """Tell the safeguarding leads and administrators: the site and the link, nothing else."""
    link = absolute(reverse("facilitation_concern", args=[concern.pk]))
    site = concern.site

    def subject():
        return _("Safeguarding concern raised at %(site)s") % {"site": site.name}

    def body():
        return "\n\n".join(
            [
                _("A facilitator raised a safeguarding concern at %(site)s.") % {"site": site.name},
                _("Open it in the admin (you will be asked to sign in):"),
                link,
                _("This e-mail holds no details on purpose: read them only in the admin."),
            ]
        )

    return send(policy.concern_handlers(), "concerns", subject, body)


def submission_received(submission) -> int:
    """Tell the site's facilitators how many family submissions wait for review, with the link to the queue."""
    site = Site.objects.get(pk=submission.family.site_id)
    waiting = Submission.objects.filter(family__site=site, status=Submission.Status.RECEIVED).count()
    link = absolute(reverse("wagtailsnippets_facilitation_submission:list") + "?status=received")

    def subject():
        return _("A family sent a story to %(site)s") % {"site": site.name}

    def body():
        return "\n\n".join(
            [
                _("Family submissions waiting for review at %(site)s: %(count)s.")
                % {"site": site.name, "count": waiting},
                link,
            ]
        )

    return send(policy.facilitators_of([site]), "submissions", subject, body)


def withdrawal_recorded(participant, actor=None) -> int:
    """Tell the site's facilitators (not the one who recorded it) that consent was withdrawn, with the link."""
    site = Site.objects.get(pk=participant.family.site_id)
    link = absolute(reverse("wagtailsnippets_facilitation_consentrecord:list") + "?kind=withdrawal")
    users = policy.facilitators_of([site])
    if getattr(actor, "pk", None):
        users = users.exclude(pk=actor.pk)

    def subject():
        return _("Consent withdrawn at %(site)s") % {"site": site.name}

    def body():
        return "\n\n".join(
            [
                _(
                    "A consent was withdrawn at %(site)s. What relied on it has already been taken down; "
                    "check whether the family needs a call or a visit."
                )
                % {"site": site.name},
                link,
            ]
        )

    return send(users, "withdrawals", subject, body)


def send_daily_digests(now=None) -> int:
    """Once a day, from DIGEST_HOUR (local time), each member of staff who wants it gets the counts and links of their
    admin home page ("what needs me"), only when something waits. Run hourly by beat; idempotent per day."""
    now = timezone.localtime(now)
    if now.hour < settings.DIGEST_HOUR:
        return 0
    today, sent = now.date(), 0
    for user in get_user_model().objects.filter(is_active=True).exclude(email="").order_by("pk"):
        if not (policy.handles_concerns(user) or policy.may(user, Action.FOLLOW_SITE_WORK, None)):
            continue
        preference = NotificationPreference.for_user(user)
        if not preference.digest or preference.last_digest_on == today:
            continue
        items = [item for item in dashboard.items_for(user) if item.count]
        if items:
            home = absolute(reverse("wagtailadmin_home"))

            def body(items=items, home=home):  # evaluated in the reader's language: the labels are lazy
                return "\n\n".join([*(f"{item.label}: {item.count}\n{absolute(item.url)}" for item in items), home])

            sent += send([user], "digest", lambda: _("What needs you today"), body)
        preference.last_digest_on = today
        preference.save()
    return sent


def connect() -> None:
    """Called from FacilitationConfig.ready: e-mails follow submissions and withdrawals once they are committed."""

    def on_submission(sender, instance, created, raw=False, **kwargs):
        if created and not raw:
            transaction.on_commit(lambda: submission_received(instance), robust=True)

    def on_withdrawal(sender, participant, actor=None, **kwargs):
        transaction.on_commit(lambda: withdrawal_recorded(participant, actor), robust=True)
        return []

    post_save.connect(on_submission, sender=Submission, dispatch_uid="notify_submission", weak=False)
    consent_withdrawn.connect(on_withdrawal, dispatch_uid="notify_withdrawal", weak=False)


# --- The user's choice, in their account settings -------------------------------------------------------------------


def _preference_form_class(user):
    fields = []
    if policy.handles_concerns(user):
        fields.append("concerns")
    if policy.may(user, Action.FOLLOW_SITE_WORK, None):
        fields += ["submissions", "withdrawals"]
    if fields:
        fields.append("digest")

    return forms.modelform_factory(NotificationPreference, fields=fields)


class NotificationSettingsPanel(BaseSettingsPanel):
    """ "E-mail me when…" in the user's account settings (Wagtail's account view saves it with the other panels)."""

    name = "programme_notifications"
    title = gettext_lazy("Programme e-mails")
    help_text = gettext_lazy("E-mails carry no names or details: only the site, a count and a link.")
    order = 350

    def is_active(self):
        return bool(_preference_form_class(self.user)._meta.fields)

    def get_form(self):
        form_class = _preference_form_class(self.user)
        instance = NotificationPreference.for_user(self.user)
        if self.request.method == "POST":
            return form_class(self.request.POST, instance=instance, prefix=self.name)
        return form_class(instance=instance, prefix=self.name)
