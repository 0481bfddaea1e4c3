from django.db import router
from django.db.models.deletion import Collector, ProtectedError
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import ListingButton
from wagtail.snippets.models import register_snippet

from . import (
    admin_views,
    consent_views,
    dashboard,
    excerpt_views,
    notifications,
    policy,
    roles,
    safeguarding,
    subject_access_views,
    submission_review,
    two_factor,
)
from .consent_views import may_print_forms, print_url, record_consent_url
from .evaluation import urls as evaluation_urls
from .family_page import family_url
from .models import LANGUAGE_CHOICES, Concern, ConsentFormVersion, ConsentRecord, Participant, Recording, StorySession
from .signals import recording_added
from .viewsets import ProgrammeViewSetGroup

register_snippet(ProgrammeViewSetGroup)


@hooks.register("construct_homepage_panels")
def add_dashboard_panels(request, panels):
    """What needs this user, and the facilitator's upcoming sessions (facilitation/dashboard.py)."""
    panels.extend(dashboard.homepage_panels(request.user))


@hooks.register("register_admin_viewset")
def register_concern_queue():
    return safeguarding.ConcernViewSet()


@hooks.register("before_edit_snippet")
def remember_session_flag(request, instance):
    if isinstance(instance, StorySession):
        request.session_flag_before = instance.safeguarding_concern  # as stored, before the form changes it


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def concern_from_session_flag(request, instance):
    """Newly ticking "safeguarding concern" on a session tells the lead too (a concern in their queue, an e-mail)."""
    if isinstance(instance, StorySession):
        was_flagged = getattr(request, "session_flag_before", False)
        safeguarding.concern_from_session_flag(request.user, instance, was_flagged=was_flagged)


@hooks.register("register_snippet_listing_buttons")
def recording_listen_button(snippet, user, next_url=None):
    """Listen to a recording (media_tools adds its transcription buttons through the same hook)."""
    if isinstance(snippet, Recording) and policy.may(user, policy.Action.STREAM_RECORDING, snippet):
        yield ListingButton(_("Listen"), reverse("facilitation:recording_file", args=[snippet.pk]), priority=20)


@hooks.register("after_create_snippet")
def announce_new_recording(request, instance):
    """A recording uploaded by staff is announced (`recording_added`): media_tools transcribes it where allowed."""
    if isinstance(instance, Recording):
        recording_added.send(sender=Recording, recording=instance, actor=request.user)


@hooks.register("before_delete_snippet")
def keep_records_that_stay(request, instances):
    """Deleting a record that stays, alone or in bulk, says why and goes back to its listing, instead of a server
    error or a silent deletion. Each reason is asked of every chosen record in turn (`_KEPT_BECAUSE`)."""
    for reason_kept in _KEPT_BECAUSE:
        for instance in instances:
            reason = reason_kept(request, instance)
            if reason:
                messages.error(request, reason)
                return redirect(type(instance).snippet_viewset.get_url_name("list"))
    return None


def _kept_with_a_concern(request, instance):
    """A session a safeguarding concern was raised on stays with the concern (`Concern.session` is PROTECT)."""
    if isinstance(instance, StorySession) and Concern.objects.filter(session=instance).exists():
        return _("A session on which a safeguarding concern was raised is kept with the concern: not deleted.")
    return None


def _kept_for_others(request, instance):
    """Programme records other records protect (a site with families, a participant with consent records, a consent
    form version with signed records): what depends on them, by kind and count only. The confirmation page still
    opens; deleting is what is refused."""
    if request.method != "POST" or instance._meta.app_label != "facilitation":
        return None
    try:
        Collector(using=router.db_for_write(type(instance))).collect([instance])
    except ProtectedError as protected:
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in protected.protected_objects})
        return _("“%(record)s” is kept: %(count)s other records depend on it (%(kinds)s).") % {
            "record": instance,
            "count": len(protected.protected_objects),
            "kinds": ", ".join(kinds),
        }
    return None


def _never_deleted(request, instance):
    """Records the policy never deletes (`policy.NEVER_DELETED`): their viewsets have no delete view, and the
    listings' bulk "Delete" does not reach them either."""
    if policy.never_deleted(type(instance)):
        return _("%(records)s are never deleted: they stay as the record of what happened.") % {
            "records": capfirst(instance._meta.verbose_name_plural)
        }
    return None


_KEPT_BECAUSE = (_kept_with_a_concern, _kept_for_others, _never_deleted)


@hooks.register("register_account_settings_panel")
def notification_settings_panel(request, user, profile):
    return notifications.NotificationSettingsPanel(request, user, profile)


@hooks.register("register_admin_urls")
def register_role_views():
    return [
        path("evaluation/", include(evaluation_urls, namespace="evaluation")),
        *safeguarding.urlpatterns(),
        path("dashboard/consents-due/", dashboard.consents_due_view, name="facilitation_consents_due"),
        path("invitations/new/", admin_views.new_invitation, name="facilitation_new_invitation"),
        path(
            "consent/withdraw/<int:participant_id>/",
            admin_views.withdraw_consent_view,
            name="facilitation_withdraw_consent",
        ),
    ]


class RoleMenuItem(MenuItem):
    def __init__(self, *args, allowed_roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed_roles = set(allowed_roles)

    def is_shown(self, request):
        return policy.is_admin(request.user) or bool(policy.role_names(request.user) & self.allowed_roles)


@hooks.register("register_admin_menu_item")
def evaluation_menu_item():
    return RoleMenuItem(
        _("Session logs (evaluation)"),
        reverse("evaluation:session_log"),
        icon_name="table",
        order=210,
        allowed_roles={roles.EVALUATOR},
    )


@hooks.register("register_admin_menu_item")
def indicators_menu_item():
    return RoleMenuItem(
        _("Indicators (evaluation)"),
        reverse("evaluation:indicators"),
        icon_name="table",
        order=211,
        allowed_roles={roles.EVALUATOR},
    )


@hooks.register("register_admin_menu_item")
def invitation_menu_item():
    return RoleMenuItem(
        _("Invite a family"),
        reverse("facilitation_new_invitation"),
        icon_name="mail",
        order=205,
        allowed_roles={roles.FACILITATOR},
    )


@hooks.register("register_admin_menu_item")
def raise_concern_menu_item():
    return RoleMenuItem(
        _("Raise a safeguarding concern"),
        reverse("facilitation_raise_concern"),
        icon_name="warning",
        order=221,
        allowed_roles={roles.FACILITATOR},
    )


@hooks.register("register_snippet_listing_buttons")
def session_safeguarding_buttons(snippet, user, next_url=None):
    """On each session: "Raise a concern" for its facilitators, "Open (read-only)" for the safeguarding lead."""
    if not isinstance(snippet, StorySession):
        return
    if policy.may(user, policy.Action.RAISE_CONCERN, snippet):
        url = reverse("facilitation_raise_concern") + f"?session={snippet.pk}"
        yield ListingButton(_("Raise a safeguarding concern"), url, priority=60)
    if policy.handles_concerns(user) and not policy.may(user, policy.Action.EDIT_SESSION, snippet):
        url = reverse("facilitation_safeguarding_session", args=[snippet.pk])
        yield ListingButton(_("Open (read-only)"), url, priority=10)


@hooks.register("register_snippet_listing_buttons")
def withdraw_consent_button(snippet, user, next_url=None):
    if isinstance(snippet, Participant) and policy.may(user, policy.Action.MANAGE_CONSENT, snippet):
        yield ListingButton(
            _("Withdraw consent"), reverse("facilitation_withdraw_consent", args=[snippet.pk]), priority=50
        )


# --- Family page, submission review, consent records (facilitation/family_page.py, submission_review.py,
# consent_views.py) -----------------------------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_family_staff_urls():
    return [
        path(
            "programme/families/<int:pk>/export/", subject_access_views.export_view, name="facilitation_family_export"
        ),
        path(
            "programme/submissions/<int:pk>/accept/",
            submission_review.accept_view,
            name="facilitation_submission_accept",
        ),
        path(
            "programme/submissions/<int:pk>/decline/",
            submission_review.decline_view,
            name="facilitation_submission_decline",
        ),
        path("programme/photos/<int:pk>/", submission_review.photo_file, name="facilitation_submission_photo"),
        path("programme/consent/<int:pk>/evidence/", consent_views.evidence_file, name="facilitation_consent_evidence"),
        path("programme/consent-forms/", consent_views.consent_forms, name="facilitation_consent_forms"),
        path(
            "programme/consent-forms/<int:pk>/<str:language>/",
            consent_views.print_consent_form,
            name="facilitation_consent_form_print",
        ),
    ]


class ConsentFormsMenuItem(MenuItem):
    """Shown to whoever the printable forms open for (administrators, facilitators assigned to a site): a facilitator
    not yet assigned to any site would only meet a 404."""

    def is_shown(self, request):
        return may_print_forms(request.user)


@hooks.register("register_admin_menu_item")
def consent_forms_menu_item():
    return ConsentFormsMenuItem(
        _("Printable consent forms"),
        reverse("facilitation_consent_forms"),
        icon_name="doc-full",
        order=206,
    )


@hooks.register("register_snippet_listing_buttons")
def family_page_buttons(snippet, user, next_url=None):
    """Participants, recordings and consent records lead to their family's page; participants to their consent."""
    if isinstance(snippet, ConsentFormVersion) and may_print_forms(user):
        for priority, (code, name) in enumerate(LANGUAGE_CHOICES, start=60):
            label = _("Print (%(language)s)") % {"language": name}
            yield ListingButton(label, print_url(snippet, code), priority=priority)
        return
    family = None
    if isinstance(snippet, Participant | Recording):
        family = snippet.family
    elif isinstance(snippet, ConsentRecord):
        family = snippet.participant.family
    if family is None or not policy.may(user, policy.Action.VIEW_FAMILY, family):
        return
    yield ListingButton(_("Family page"), family_url(family), priority=40)
    if isinstance(snippet, Participant) and policy.may(user, policy.Action.MANAGE_CONSENT, snippet):
        label = _("Change consent") if snippet.consent_records.exists() else _("Record consent")
        yield ListingButton(label, record_consent_url(snippet), priority=45)


@hooks.register("register_admin_urls")
def register_excerpt_urls():
    return excerpt_views.urlpatterns()


@hooks.register("register_admin_menu_item")
def excerpts_menu_item():
    return RoleMenuItem(
        _("Excerpts for stories"),
        reverse("facilitation_excerpts"),
        icon_name="openquote",
        order=206,
        allowed_roles={roles.FACILITATOR, roles.EDITOR},
    )


@hooks.register("register_admin_urls")
def register_two_factor_urls():
    return two_factor.admin_urls()


@hooks.register("register_user_listing_buttons")
def two_factor_setup_code_button(user, request_user):
    return two_factor.listing_buttons(user, request_user)


@hooks.register("after_create_user")
def issue_setup_code_for_new_account(request, user):
    return two_factor.after_create_user(request, user)


@hooks.register("after_edit_user")
def remind_setup_code(request, user):
    return two_factor.after_edit_user(request, user)
