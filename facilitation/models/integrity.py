"""Which site each record belongs to, and the check that records chosen together belong to the same one.

Data integrity, not permission: the models' `clean` methods ask it, and `policy` re-exports it (who may do what with
a record stays in `policy`). It imports nothing of `policy`, so models import it at the top of their module.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from .. import roles
from .programme import Site

# Path from each site-scoped model (by label) to its facilitation Site. Labels, so media_tools need not be imported.
SITE_LOOKUPS: dict[str, str] = {
    "facilitation.site": "",
    "facilitation.family": "site",
    "facilitation.participant": "family__site",
    "facilitation.storysession": "site",
    "facilitation.recording": "family__site",
    "facilitation.consentrecord": "participant__family__site",
    "facilitation.submission": "family__site",
    "facilitation.invitation": "family__site",
    "facilitation.sessionpair": "session__site",
    "facilitation.observationrating": "session__site",
    "media_tools.transcriptionjob": "recording__family__site",
    "media_tools.transcript": "recording__family__site",
    "facilitation.excerpt": "recording__family__site",
}


def is_site_scoped(model: Any) -> bool:
    return model._meta.label_lower in SITE_LOOKUPS


def site_lookup_for(model: Any) -> str:
    """The path from `model` to its Site ("" for Site itself); a model without one is a programming error."""
    return SITE_LOOKUPS[model._meta.label_lower]


def site_of(obj: Any) -> Site | None:
    """The Site a record belongs to (following its site lookup), or None while it has none."""
    if isinstance(obj, Site):
        return obj
    current = obj
    for part in site_lookup_for(type(obj)).split("__"):
        current = getattr(current, f"{part}", None) if current is not None else None
    return current


def site_mismatches(site: Site, chosen: Any) -> list[str]:
    """Why records chosen for something of `site` cannot go with it: each must belong to that same site.

    `chosen` is an iterable of records (site-scoped models, sites, or users who must be facilitators of the site).
    Messages name records by their pseudonymous label only.
    """
    user_model = get_user_model()
    reasons = []
    for item in chosen:
        if isinstance(item, user_model):
            if not (roles.FACILITATOR in roles.held_by(item) and site.facilitators.filter(pk=item.pk).exists()):
                reasons.append(_("%(user)s is not a facilitator of this site.") % {"user": item.get_username()})
        elif site_of(item) != site:
            reasons.append(_("%(item)s belongs to another site.") % {"item": _label(item)})
    return reasons


def _label(item: Any) -> str:
    return getattr(item, "code", None) or str(item)
