"""What stories adds to the evaluators' indicators (registered in wagtail_hooks.py): the session guides, and their
themes, used in the held sessions of the period and area. Sessions are not people: not suppressed."""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from facilitation.evaluation.indicators import Context, Table, TableBuilder
from facilitation.evaluation.suppression import PUBLISHED, Shown

from .models import SessionGuidePage


def session_guides_table(context: Context) -> Table:
    """Guides by the number of held sessions that used them (most used first)."""
    used = SessionGuidePage.used_in_sessions.through.objects.filter(
        context.held("storysession__") & context.filters.area_q("storysession__site")
    )
    rows = (
        used.values("sessionguidepage_id")
        .annotate(n=Count("storysession_id"))  # (session, guide) is unique in the through table
        .order_by("-n", "sessionguidepage_id")
    )
    counts = {row["sessionguidepage_id"]: row["n"] for row in rows}
    guides = SessionGuidePage.objects.filter(pk__in=list(counts)).select_related("theme")
    table = Table(
        "themes",
        _("Session guides and themes used"),
        [_("Session guide"), _("Theme"), _("Held sessions")],
        note=_("Sessions are not people: not suppressed."),
    )
    by_pk = {guide.pk: guide for guide in guides}
    for pk, n in counts.items():
        guide = by_pk.get(pk)
        if guide is not None:
            table.rows.append([guide.title, str(guide.theme) if guide.theme else "", Shown(n, PUBLISHED, context.k)])
    return table


def session_guides() -> TableBuilder:
    """For the `register_evaluation_tables` hook: after consent coverage, before sessions per month."""
    return TableBuilder("themes", 40, session_guides_table)
