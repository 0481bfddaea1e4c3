"""The evaluators' screens in the Wagtail admin: session-log review, indicators with charts, and their exports.

Read-only. Each view asks `policy` first (refusals are 404s, exports are audited). Evaluators see pseudonymous
codes only, and only of participants whose current consent includes the evaluation; never names, recordings,
transcripts or safeguarding notes, and free text only where the facilitator marked it shareable.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import policy
from ..models import Participant, Scope, SessionPair, StorySession
from ..policy import Action
from ..views import not_found
from . import charts, exports, indicators
from .forms import FilterForm
from .indicators import Filters, month_start


def _allowed(request: HttpRequest) -> bool:
    return bool(policy.may(request.user, Action.VIEW_EVALUATION, None))


def _form(request: HttpRequest, default: Filters, *, with_status: bool) -> tuple[FilterForm, Filters]:
    data = request.GET if any(key in request.GET for key in ("region", "site", "start", "end", "status")) else None
    initial = {"start": default.start, "end": month_start(default.end, -1) if default.end else None}
    form = FilterForm(data, initial=initial, with_status=with_status)
    return form, form.filters(default)


# --- Session log ---------------------------------------------------------------------------------------------------

LOG_COLUMNS = [
    _("Region"),
    _("Site"),
    _("Date"),
    _("Status"),
    _("Duration (minutes)"),
    _("Elder–child pairs"),
    _("Session guides used"),
    _("Elders attending"),
    _("Children attending"),
    _("A child wished to stop"),
    _("Wish respected"),
    _("Follow-up actions planned"),
    _("Session log (shareable only)"),
]


def log_sessions(filters: Filters):
    """Sessions for the log, with everything prefetched: a constant number of queries however many rows.

    Pairs and attendance only include participants whose current consent covers the evaluation (in SQL).
    """
    q = filters.session_q() & filters.area_q("site")
    return (
        StorySession.objects.filter(q)
        .select_related("site__region")
        .prefetch_related(
            Prefetch(
                "pairs",
                SessionPair.objects.filter(_consenting("elder_id"), _consenting("child_id"))
                .select_related("elder__family__site__region", "child__family__site__region")
                .order_by("pk"),
            ),
            Prefetch("attendees", Participant.objects.filter(_consenting("pk")).only("pk", "role")),
            "prompts_used",
        )
        .order_by("-starts_at", "-pk")
    )


def _consenting(field: str) -> Exists:
    """Row by row (a page holds few people): the participant's current consent includes the evaluation.

    The same SQL as `policy.participants_consenting_to`, correlated instead of listing every consenting person.
    """
    current = policy.valid_current_consents().filter(**{Scope.EVALUATION.value: True}, participant=OuterRef(field))
    return Exists(current)


def log_row(session: StorySession) -> list[Any]:
    """One session as the evaluator sees it. No names, recordings, transcripts or safeguarding notes, ever."""
    attendees = list(session.attendees.all())
    shareable = session.log_shareable
    follow_up = session.follow_up_actions.strip()
    return [
        session.site.region.code,
        session.site.name,
        session.starts_at.date().isoformat(),
        session.get_status_display(),
        session.duration_minutes if session.duration_minutes is not None else "",
        ", ".join(f"{pair.elder.code}+{pair.child.code}" for pair in session.pairs.all()),
        ", ".join(sorted(page.title for page in session.prompts_used.all())),
        sum(1 for p in attendees if p.role == Participant.Role.ELDER),
        sum(1 for p in attendees if p.role == Participant.Role.CHILD),
        gettext("yes") if session.child_wished_to_stop else gettext("no"),
        session.get_wish_respected_display() if session.child_wished_to_stop else "",
        # Only whether there are follow-ups: the text sits beside the safeguarding note and the facilitator's
        # "shareable" tick covers the log and observations, not it.
        gettext("yes") if follow_up else gettext("no"),
        "\n".join(filter(None, [session.log, session.observations])) if shareable else "",
    ]


def session_log(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return not_found(request)
    form, filters = _form(request, Filters(), with_status=True)
    paginator = Paginator(log_sessions(filters), 50)
    page = paginator.get_page(request.GET.get("p"))
    query = request.GET.copy()
    query.pop("p", None)
    return TemplateResponse(
        request,
        "facilitation/evaluation/session_log.html",
        {
            "header_title": _("Session logs"),
            "form": form,
            "columns": LOG_COLUMNS,
            "rows": [log_row(session) for session in page.object_list],
            "page": page,
            "query": query.urlencode(),
        },
    )


def session_log_export(request: HttpRequest, fmt: str = "csv") -> HttpResponse:
    if fmt not in exports.CONTENT_TYPES:
        return not_found(request)
    form, filters = _form(request, Filters(), with_status=True)
    detail = {"format": fmt, "filters": _describe(filters)}
    if not policy.authorize(request.user, Action.EXPORT_SESSION_LOG, None, detail=detail):
        return not_found(request)
    rows = (log_row(s) for s in log_sessions(filters).iterator(chunk_size=2000))
    data = exports.rows_dataset(LOG_COLUMNS, rows, str(_("Session logs")))
    return _attachment(exports.render([data], fmt), fmt, "session-log")


# --- Indicators ----------------------------------------------------------------------------------------------------


def indicator_dashboard(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return not_found(request)
    form, filters = _form(request, Filters.default(), with_status=False)
    dashboard = indicators.compute(filters)
    query = request.GET.urlencode()
    return TemplateResponse(
        request,
        "facilitation/evaluation/indicators.html",
        {
            "header_title": _("Indicators"),
            "form": form,
            "dashboard": dashboard,
            "tables": list(dashboard.tables.values()),
            "charts": _charts(dashboard),
            "query": query,
            "k": dashboard.k,
        },
    )


def indicator_export(request: HttpRequest, fmt: str = "csv") -> HttpResponse:
    if fmt not in exports.CONTENT_TYPES:
        return not_found(request)
    form, filters = _form(request, Filters.default(), with_status=False)
    detail = {"format": fmt, "filters": _describe(filters)}
    if not policy.authorize(request.user, Action.EXPORT_INDICATORS, None, detail=detail):
        return not_found(request)
    dashboard = indicators.compute(filters)
    datasets = [exports.dataset(table) for table in dashboard.tables.values()]
    return _attachment(exports.render(datasets, fmt), fmt, "indicators")


def _charts(dashboard: indicators.Dashboard) -> list[dict[str, Any]]:
    months = [m.strftime("%Y-%m") for m in dashboard.months]
    by_month = dashboard.series["sessions_by_month"]
    status_labels = dict(StorySession.Status.choices)
    out = [
        {
            "title": gettext("Sessions over time"),
            "svg": charts.line_chart(
                gettext("Sessions over time"),
                gettext("Sessions per month by status; the table “Sessions per month” has the numbers."),
                months,
                [(str(status_labels[s]), by_month[s]) for s in ("planned", "held", "cancelled")],
            ),
        }
    ]
    participation = dashboard.series["participation"]
    if participation:
        names = [gettext("Families"), gettext("Elders"), gettext("Children")]
        out.append(
            {
                "title": gettext("Participation by area"),
                "svg": charts.bar_chart(
                    gettext("Participation by area"),
                    gettext("Families, elders and children taking part per area; hidden small counts are labelled."),
                    [label for label, _cells in participation],
                    [(name, [cells[i] for _label, cells in participation]) for i, name in enumerate(names)],
                ),
            }
        )
    for name, label in indicators.RATING_FIELDS:
        series = dashboard.series["ratings"][name]
        if series:
            title = gettext("%(rating)s over time (average, 1–5)") % {"rating": label}
            out.append(
                {
                    "title": title,
                    "svg": charts.line_chart(
                        title,
                        gettext("One line per area; months with ratings of fewer than %(k)s children are gaps.")
                        % {"k": dashboard.k},
                        months,
                        series,
                        y_max=5,
                    ),
                }
            )
    return out


def _describe(filters: Filters) -> dict[str, Any]:
    def iso(day: datetime.date | None) -> str:
        return day.isoformat() if day else ""

    return {
        "start": iso(filters.start),
        "end": iso(filters.end),
        "region": filters.region.pk if filters.region else None,
        "site": filters.site.pk if filters.site else None,
        "status": filters.status,
    }


def _attachment(content: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
