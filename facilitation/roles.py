"""The programme's roles, as Wagtail groups. Who may do what with which artefact is decided in `policy`."""

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

ADMINISTRATOR = "Administrators"
EDITOR = "Programme editors"
FACILITATOR = "Facilitators"
SAFEGUARDING = "Safeguarding leads"
EVALUATOR = "Evaluators"

ROLE_LABELS = {
    ADMINISTRATOR: _("Administrator"),
    EDITOR: _("Programme editor"),
    FACILITATOR: _("Facilitator"),
    SAFEGUARDING: _("Safeguarding lead"),
    EVALUATOR: _("Evaluator"),
}


def held_by(user: Any) -> set[str]:
    """The programme roles an account holds: none for an anonymous or inactive one, only Administrator for a
    superuser, else its role groups (cached on the user object for the request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    if user.is_superuser:
        return {ADMINISTRATOR}
    cached = getattr(user, "_sbg_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True)) & set(ROLE_LABELS)
        user._sbg_roles = cached
    return cached


# Demo account name -> group. `admin` is a superuser, the others get exactly their role's group.
ROLE_ACCOUNTS = {
    "admin": ADMINISTRATOR,
    "editor": EDITOR,
    "facilitator": FACILITATOR,
    "safeguarding": SAFEGUARDING,
    "evaluator": EVALUATOR,
}

# Model permissions per group ("app_label.codename"). Row-level limits (a facilitator's own sites, pseudonymised
# evaluator views) are applied on top by `policy` and the admin viewsets' querysets.
_FACILITATION_MODELS = ("storysession", "family", "participant", "recording", "consentrecord", "submission")
GROUP_PERMISSIONS: dict[str, list[str]] = {
    ADMINISTRATOR: [],  # granted every permission below
    EDITOR: [
        "wagtailadmin.access_admin",
        "wagtailimages.add_image",
        "wagtailimages.change_image",
        "wagtailimages.choose_image",
        "stories.add_theme",
        "stories.change_theme",
        "stories.view_theme",
    ],
    FACILITATOR: [
        "wagtailadmin.access_admin",
        *[f"facilitation.{verb}_{model}" for model in _FACILITATION_MODELS for verb in ("add", "change", "view")],
        "facilitation.view_site",
        "facilitation.view_consentformversion",
        "media_tools.view_transcript",
        "media_tools.change_transcript",
    ],
    SAFEGUARDING: [
        "wagtailadmin.access_admin",
        "facilitation.view_storysession",
        "facilitation.view_safeguarding_note",
    ],
    EVALUATOR: [
        "wagtailadmin.access_admin",
        "facilitation.view_evaluation",
    ],
}


def _permissions(names: list[str]) -> list[Permission]:
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
    return found


@transaction.atomic
def ensure_role_groups() -> dict[str, Group]:
    """Create the groups with exactly their permissions (idempotent); editors also get page permissions."""
    groups = {}
    every = sorted({p for names in GROUP_PERMISSIONS.values() for p in names})
    for name, perms in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions(every if name == ADMINISTRATOR else perms))
        groups[name] = group
    root = Page.get_first_root_node()
    if root is not None:
        for group_name in (EDITOR, ADMINISTRATOR):
            for permission in ("add_page", "change_page", "publish_page", "lock_page", "unlock_page"):
                GroupPagePermission.objects.get_or_create(
                    group=groups[group_name],
                    page=root,
                    permission=Permission.objects.get(content_type__app_label="wagtailcore", codename=permission),
                )
    _grant_image_collections(groups)
    return groups


def _grant_image_collections(groups: dict[str, Group]) -> None:
    """Wagtail checks image permissions per collection: without these rows editors could not upload any image."""
    root = Collection.get_first_root_node()
    if root is None:
        return
    for group_name in (EDITOR, ADMINISTRATOR):
        for codename in ("add_image", "change_image", "choose_image"):
            GroupCollectionPermission.objects.get_or_create(
                group=groups[group_name],
                collection=root,
                permission=Permission.objects.get(content_type__app_label="wagtailimages", codename=codename),
            )
