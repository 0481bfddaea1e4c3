"""Pilot indicators for a period and an area, aggregated in the database and suppressed before anyone sees them.

A fixed handful of grouped queries (per site), whatever the number of sessions; sites are rolled up to regions and
the country in Python (a few dozen rows). Counts of people are grouped by the *family's* site, so a region is
exactly the sum of its sites and the country the sum of its regions: the lines suppression protects. Suppression is
always computed over the whole country, whatever area is chosen, so that drilling down from a region to its sites
cannot undo it. Only participants whose current consent includes the evaluation scope are counted.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import (
    Aggregate,
    Avg,
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from .. import policy
from ..models import ObservationRating, Participant, Recording, Region, Scope, Site, StorySession
from . import suppression
from .suppression import PUBLISHED, TOO_FEW, Line, Shown

ALL = ("all",)
RATING_FIELDS = [
    ("engagement", _("Engagement")),
    ("comfort", _("Comfort")),
    ("belonging", _("Sense of belonging")),
]
COVERAGE_SCOPES = [scope for scope in Scope if scope != Scope.EVALUATION]  # everyone counted has that one


def min_cell() -> int:
    """k from the settings. k = 2 cannot be protected ("<2" and a hidden total >= 2 pin two 1s), so it means 3."""
    k = int(getattr(settings, "EVALUATION_MIN_CELL", 5))
    return 3 if k == 2 else k


def held_q(prefix: str = "", now: datetime.datetime | None = None) -> Q:
    """Sessions that were held: marked so, and already begun. A "held" session dated in the future (written before
    the form refused it, or imported) has not happened: it counts as planned, never as held."""
    now = now or timezone.now()
    return Q(**{f"{prefix}status": StorySession.Status.HELD, f"{prefix}starts_at__lte": now})


def planned_q(prefix: str = "", now: datetime.datetime | None = None) -> Q:
    now = now or timezone.now()
    return Q(**{f"{prefix}status": StorySession.Status.PLANNED}) | Q(
        **{f"{prefix}status": StorySession.Status.HELD, f"{prefix}starts_at__gt": now}
    )


def effective_status(now: datetime.datetime | None = None) -> Case:
    """The status as the indicators count it (see `held_q`), computed by the database."""
    return Case(
        When(planned_q(now=now), then=Value(StorySession.Status.PLANNED.value)),
        default=F("status"),
        output_field=CharField(),
    )


def month_start(day: datetime.date, shift: int = 0) -> datetime.date:
    """The first day of the month `shift` months after `day`'s month."""
    index = day.year * 12 + day.month - 1 + shift
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Filters:
    """Whole months only (`start` inclusive, `end` exclusive first days): finer periods invite differencing."""

    start: datetime.date | None = None
    end: datetime.date | None = None
    region: Region | None = None
    site: Site | None = None
    status: str = ""

    @classmethod
    def default(cls, today: datetime.date | None = None) -> Filters:
        """The last twelve months and the next two (planned sessions)."""
        today = today or timezone.localdate()
        return cls(start=month_start(today, -11), end=month_start(today, 3))

    def session_q(self, prefix: str = "") -> Q:
        """Sessions in the period (and of the status), wherever they were."""
        q = Q()
        if self.start:
            q &= Q(**{f"{prefix}starts_at__gte": _aware(self.start)})
        if self.end:
            q &= Q(**{f"{prefix}starts_at__lt": _aware(self.end)})
        if self.status == StorySession.Status.HELD:
            q &= held_q(prefix)
        elif self.status == StorySession.Status.PLANNED:
            q &= planned_q(prefix)
        elif self.status:
            q &= Q(**{f"{prefix}status": self.status})
        return q

    def area_q(self, site_path: str) -> Q:
        if self.site:
            return Q(**{f"{site_path}_id": self.site.pk})
        if self.region:
            return Q(**{f"{site_path}__region_id": self.region.pk})
        return Q()


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# --- Areas ---------------------------------------------------------------------------------------------------------


@dataclass
class Geography:
    """Regions and sites as a tree of totals: ("all",) > ("region", id) > ("site", id)."""

    regions: dict[int, Region]
    sites: dict[int, Site]

    @classmethod
    def load(cls) -> Geography:
        sites = list(Site.objects.select_related("region").order_by("region__code", "pk"))
        regions = {}
        for site in sites:
            regions.setdefault(site.region_id, site.region)
        return cls(regions, {site.pk: site for site in sites})

    def tree(self) -> dict[tuple, list[tuple]]:
        children: dict[tuple, list[tuple]] = {ALL: [("region", pk) for pk in self.regions]}
        for region_id in self.regions:
            children[("region", region_id)] = []
        for site in self.sites.values():
            children[("region", site.region_id)].append(("site", site.pk))
        return children

    def keys(self) -> list[tuple]:
        return [ALL, *(("region", pk) for pk in self.regions), *(("site", pk) for pk in self.sites)]

    def rollup(self, per_site: dict[int, dict[str, float]], measures: list[str]) -> dict[tuple, dict[str, float]]:
        """Sums per site, region and the whole country (zero where nothing happened)."""
        out = {key: dict.fromkeys(measures, 0) for key in self.keys()}
        for site_id, row in per_site.items():
            site = self.sites.get(site_id)
            if site is None:
                continue
            for key in (("site", site_id), ("region", site.region_id), ALL):
                for measure in measures:
                    out[key][measure] += row.get(measure) or 0
        return out

    def label(self, key: tuple) -> str:
        if key == ALL:
            return str(_("All regions"))
        if key[0] == "region":
            return str(self.regions[key[1]])
        return self.sites[key[1]].name

    def rows_for(self, filters: Filters) -> tuple[list[tuple], tuple | None]:
        """The areas shown as rows, and the total row (None when the view is a single site)."""
        if filters.site:
            return [("site", filters.site.pk)], None
        if filters.region:
            return [("site", s.pk) for s in self.sites.values() if s.region_id == filters.region.pk], (
                "region",
                filters.region.pk,
            )
        return [("region", pk) for pk in self.regions], ALL


# --- Tables --------------------------------------------------------------------------------------------------------


@dataclass
class Table:
    """What the screen and the exports show: column labels and rows of strings/Shown cells."""

    name: str
    title: Any
    columns: list[Any]
    rows: list[list[Any]] = field(default_factory=list)
    note: Any = ""


@dataclass
class Dashboard:
    filters: Filters
    k: int
    tables: dict[str, Table]
    months: list[datetime.date]
    series: dict[str, Any]


@dataclass
class Context:
    """What every table builder shares: the filters, k, the areas, who consented, the moment and the months shown.

    Builders add their chart series to `series` (e.g. "ratings")."""

    filters: Filters
    k: int
    geography: Geography
    consenting: QuerySet
    now: datetime.datetime
    months: list[datetime.date]
    today: datetime.date | None = None  # the day consent is judged on (None: today)
    series: dict[str, Any] = field(default_factory=dict)
    rows: list[tuple] = field(init=False)  # the areas shown as rows (`Geography.rows_for`)
    total: tuple | None = field(init=False)  # and their total row
    shown_rows: list[tuple] = field(init=False)

    def __post_init__(self) -> None:
        self.rows, self.total = self.geography.rows_for(self.filters)
        self.shown_rows = [*self.rows, *([self.total] if self.total else [])]

    def held(self, prefix: str = "") -> Q:
        """Held sessions of the period (see `held_q`)."""
        return self.filters.session_q(prefix) & held_q(prefix, self.now)

    def label(self, key: tuple) -> str:
        """The row's area; the total row of a region says so."""
        if key == self.total and key != ALL:
            return str(_("Total: %(area)s") % {"area": self.geography.label(key)})
        return self.geography.label(key)

    def rollup(self, rows: Iterable[dict[str, Any]], measures: list[str]) -> dict[tuple, dict[str, float]]:
        """Rows of per-site sums (each with a "site_id") rolled up to every area."""
        return self.geography.rollup({row["site_id"]: row for row in rows}, measures)

    def protect(self, source: dict[tuple, dict[str, float]], measures: list[str]) -> dict[tuple, str]:
        """Suppress each measure (a count of people) along the geography, one measure at a time."""
        statuses: dict[tuple, str] = {}
        areas = self.geography.keys()
        for measure in measures:
            values = {(measure, key): int(source[key][measure]) for key in areas}
            statuses.update(_protect(values, self.geography, self.k))
        return statuses

    def shown(self, measure: str, key: tuple, source: dict, statuses: dict) -> Shown:
        return Shown(int(source[key][measure]), statuses[(measure, key)], self.k)


@dataclass(frozen=True)
class TableBuilder:
    """One table of the dashboard: `build` makes it from the context; tables are shown by `order`.

    Other apps add theirs with the `register_evaluation_tables` hook (stories: the session guides used), returning a
    TableBuilder; facilitation imports nothing of them. A table that counts people suppresses its cells itself
    (`Context.protect`, as the participation table does)."""

    name: str
    order: int
    build: Callable[[Context], Table]


@dataclass(frozen=True)
class RecordingMeasure:
    """A count over the period's recordings, shown after "Recordings" in the sessions table: other apps add theirs
    with the `register_evaluation_recording_measures` hook (media_tools: those transcribed). Recordings are not
    people: not suppressed."""

    name: str
    label: Any
    aggregate: Aggregate


TABLES_HOOK = "register_evaluation_tables"
RECORDING_MEASURES_HOOK = "register_evaluation_recording_measures"


def _protect(
    values: dict[tuple, int], geography: Geography, k: int, *, cross: list[Line] = (), implicit=()
) -> dict[tuple, str]:
    """Suppress one group of measures (keys are (measure, area)) along the geography and any cross lines."""
    measures = sorted({key[0] for key in values})
    lines = []
    for measure in measures:
        for line in suppression.hierarchy_lines(geography.tree()):
            lines.append(Line((measure, line.total), tuple((measure, part) for part in line.parts)))
    return suppression.suppress(values, [*lines, *cross], k, implicit=implicit)


def compute(filters: Filters, k: int | None = None, today: datetime.date | None = None) -> Dashboard:
    """Every indicator of the dashboard, suppressed: each table from its builder. A constant number of queries."""
    context = Context(
        filters=filters,
        k=min_cell() if k is None else k,
        geography=Geography.load(),
        consenting=policy.participants_consenting_to(Scope.EVALUATION, on=today),
        now=timezone.now(),
        months=months_of(filters),
        today=today,
    )
    tables = {builder.name: builder.build(context) for builder in table_builders()}
    return Dashboard(filters, context.k, tables, context.months, {"months": context.months, **context.series})


def table_builders() -> list[TableBuilder]:
    """facilitation's tables and those other apps register, in their order."""
    builders = [*TABLES]
    for hook in hooks.get_hooks(TABLES_HOOK):
        builders.append(hook())
    return sorted(builders, key=lambda builder: builder.order)


def recording_measures() -> list[RecordingMeasure]:
    return [hook() for hook in hooks.get_hooks(RECORDING_MEASURES_HOOK)]


def per_row(q: Q) -> Q:
    """`q`, checked row by row rather than used to drive the query.

    SQLite otherwise starts from the (materialised) list of consenting participants and probes every one of their
    sessions, four times slower than walking the period's sessions by index and checking each row against the list.
    The added `pk < 0` is never true; PostgreSQL's plan (a hashed subplan) is the same either way.
    """
    return q | Q(pk__lt=0)


# --- Sessions: by the session's site (sessions are not people, but stops are about children) ----------------------

SESSION_MEASURES = ["planned", "held", "cancelled", "minutes", "timed", "wished", "not_respected", "follow_ups"]


def sessions_table(context: Context) -> Table:
    now, held = context.now, held_q(now=context.now)
    rows = (
        StorySession.objects.filter(context.filters.session_q())
        .values("site_id")
        .annotate(
            planned=Count("pk", filter=planned_q(now=now)),
            held=Count("pk", filter=held),
            cancelled=Count("pk", filter=Q(status=StorySession.Status.CANCELLED)),
            minutes=Sum("duration_minutes", filter=held),
            timed=Count("duration_minutes", filter=held),
            wished=Count("pk", filter=held & Q(child_wished_to_stop=True)),
            not_respected=Count(
                "pk",
                filter=held & Q(child_wished_to_stop=True, wish_respected=StorySession.WishRespected.NO),
            ),
            follow_ups=Count("pk", filter=held & ~Q(follow_up_actions="")),
        )
        .order_by()
    )
    sessions = context.rollup(rows, SESSION_MEASURES)
    statuses = context.protect(sessions, ["wished", "not_respected"])
    measures = recording_measures()
    recordings = _recording_counts(context, measures)
    k = context.k
    table = Table(
        "sessions",
        _("Sessions"),
        [
            _("Area"),
            _("Planned"),
            _("Held"),
            _("Cancelled"),
            _("Average duration (minutes)"),
            _("Recordings"),
            *(measure.label for measure in measures),
            _("Held sessions with follow-up actions"),
            _("Sessions where a child wished to stop"),
            _("… and the wish was not respected"),
        ],
        note=_("By the site where the session took place."),
    )
    for key in context.shown_rows:
        s = sessions[key]
        table.rows.append(
            [
                context.label(key),
                Shown(int(s["planned"]), PUBLISHED, k),
                Shown(int(s["held"]), PUBLISHED, k),
                Shown(int(s["cancelled"]), PUBLISHED, k),
                Shown(s["minutes"] / s["timed"] if s["timed"] else None, PUBLISHED, k),
                Shown(int(recordings[key]["recordings"]), PUBLISHED, k),
                *(Shown(int(recordings[key][measure.name]), PUBLISHED, k) for measure in measures),
                Shown(int(s["follow_ups"]), PUBLISHED, k),
                context.shown("wished", key, sessions, statuses),
                context.shown("not_respected", key, sessions, statuses),
            ]
        )
    return table


def _recording_counts(context: Context, measures: list[RecordingMeasure]) -> dict[tuple, dict[str, float]]:
    """Recordings of the period's sessions (and what other apps count of them), by the session's site."""
    rows = (
        Recording.objects.filter(context.filters.session_q("session__"))
        .values(site_id=F("session__site_id"))
        .annotate(recordings=Count("pk"), **{measure.name: measure.aggregate for measure in measures})
        .order_by()
    )
    return context.rollup(rows, ["recordings", *(measure.name for measure in measures)])


# --- Participation: people who attended a held session, by their family's site (additive: totals are sums) --------


def participation_table(context: Context) -> Table:
    attended = StorySession.attendees.through.objects.filter(context.held("storysession__"))
    consenting = context.consenting
    people_rows = (
        consenting.filter(pk__in=attended.values("participant_id"))
        .values(site_id=F("family__site_id"))
        .annotate(
            families=Count("family_id", distinct=True),
            elders=Count("pk", filter=Q(role=Participant.Role.ELDER)),
            children=Count("pk", filter=Q(role=Participant.Role.CHILD)),
        )
        .order_by()
    )
    visit_rows = (
        attended.filter(per_row(Q(participant_id__in=consenting.filter(role=Participant.Role.CHILD).values("pk"))))
        .values(site_id=F("participant__family__site_id"))
        .annotate(child_visits=Count("pk"))
        .order_by()
    )
    per_site: dict[int, dict[str, int]] = defaultdict(dict)
    for row in [*people_rows, *visit_rows]:
        per_site[row["site_id"]].update(row)
    people = context.geography.rollup(per_site, ["families", "elders", "children", "child_visits"])
    statuses = context.protect(people, ["families", "elders", "children"])
    k = context.k
    table = Table(
        "participation",
        _("Participation"),
        [_("Area"), _("Families"), _("Elders"), _("Children"), _("Sessions per child")],
        note=_("People who attended a held session and agreed to the evaluation, by their family's site."),
    )
    for key in context.shown_rows:
        children = context.shown("children", key, people, statuses)
        visits = people[key]["child_visits"]
        if children.hidden:  # the ratio would give the hidden count away
            per_child = Shown(None, suppression.COMPLEMENTARY, k)
        else:
            per_child = Shown(visits / children.value if children.value else None, PUBLISHED, k)
        table.rows.append(
            [
                context.label(key),
                context.shown("families", key, people, statuses),
                context.shown("elders", key, people, statuses),
                children,
                per_child,
            ]
        )
    context.series["participation"] = [
        (context.label(key), list(row[1:4]))
        for key, row in zip(context.shown_rows, table.rows, strict=True)
        if key != context.total
    ]
    return table


# --- Consent coverage: of the participants registered in each area who agreed to the evaluation (as of today) ------


def consent_table(context: Context) -> Table:
    rows = (
        policy.valid_current_consents(on=context.today)
        .filter(evaluation=True)
        .values(site_id=F("participant__family__site_id"))
        .annotate(n=Count("pk"), **{s.value: Count("pk", filter=Q(**{s.value: True})) for s in COVERAGE_SCOPES})
        .order_by()
    )
    coverage = context.rollup(rows, ["n", *(s.value for s in COVERAGE_SCOPES)])
    statuses = _protect_coverage(context, coverage)
    k = context.k
    labels = dict(Scope.choices)
    table = Table(
        "consent",
        _("Consent coverage"),
        [_("Area"), _("Participants who agreed to the evaluation")]
        + [label_ for s in COVERAGE_SCOPES for label_ in (labels[s.value], _("%% %(scope)s") % {"scope": labels[s]})],
        note=_("Current consent of the participants registered in the area, as of today."),
    )
    for key in context.shown_rows:
        n = context.shown("n", key, coverage, statuses)
        row: list[Any] = [context.label(key), n]
        for scope in COVERAGE_SCOPES:
            has = context.shown(scope.value, key, coverage, statuses)
            if has.hidden or n.hidden or not n.value:
                share = Shown(None, suppression.COMPLEMENTARY if (has.hidden or n.hidden) else PUBLISHED, k)
            else:
                share = Shown(round(100 * has.value / n.value), PUBLISHED, k)
            row += [has, share]
        table.rows.append(row)
    return table


def _protect_coverage(context: Context, coverage: dict[tuple, dict[str, float]]) -> dict[tuple, str]:
    """Each scope's count jointly with its complement (who did not agree to it) and the total who agreed."""
    values: dict[tuple, int] = {}
    cross = []
    implicit = []
    areas = context.geography.keys()
    for key in areas:
        n = int(coverage[key]["n"])
        values[("n", key)] = n
        for scope in COVERAGE_SCOPES:
            has = int(coverage[key][scope.value])
            values[(scope.value, key)] = has
            values[("not_" + scope.value, key)] = n - has
            implicit.append(("not_" + scope.value, key))
            cross.append(Line(("n", key), ((scope.value, key), ("not_" + scope.value, key))))
    return _protect(values, context.geography, context.k, cross=cross, implicit=implicit)


MAX_MONTHS = 120


def months_of(filters: Filters) -> list[datetime.date]:
    """The months shown: the period's, clipped to the months that have sessions (the latest MAX_MONTHS at most).

    One query, always (the query count must not depend on the filters or the data).
    """
    bounds = StorySession.objects.filter(filters.session_q()).aggregate(first=Min("starts_at"), last=Max("starts_at"))
    if bounds["first"] is None:
        return []
    first = month_start(timezone.localtime(bounds["first"]).date())
    end = month_start(timezone.localtime(bounds["last"]).date(), 1)
    first = max(first, filters.start) if filters.start else first
    end = min(end, filters.end) if filters.end else end
    first = max(first, month_start(end, -MAX_MONTHS))
    months = []
    while first < end:
        months.append(first)
        first = month_start(first, 1)
    return months


def month_index(field: str, months: list[datetime.date]) -> Case:
    """The month a datetime falls in, as its index in `months`, computed by the database with plain comparisons.

    (TruncMonth would call a Python function per row on SQLite, ten times slower at 100,000 sessions.)
    """
    whens = [
        When(**{f"{field}__lt": _aware(month_start(month, 1)), "then": Value(i)}) for i, month in enumerate(months)
    ]
    return Case(*whens, default=Value(-1), output_field=IntegerField())


def months_table(context: Context) -> Table:
    """Sessions per month and status, in the area (sessions are not people: not suppressed)."""
    filters, months, k = context.filters, context.months, context.k
    rows = (
        StorySession.objects.filter(filters.session_q() & filters.area_q("site"))
        .annotate(month=month_index("starts_at", months), counted_status=effective_status(context.now))
        .values("month", "counted_status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        counts[row["month"]][row["counted_status"]] = row["n"]
    statuses = ("planned", "held", "cancelled")
    table = Table("months", _("Sessions per month"), [_("Month"), _("Planned"), _("Held"), _("Cancelled")])
    for i, month in enumerate(months):
        c = counts.get(i, {})
        table.rows.append([month.strftime("%Y-%m")] + [Shown(c.get(status, 0), PUBLISHED, k) for status in statuses])
    context.series["sessions_by_month"] = {
        status: [row[i + 1].value for row in table.rows] for i, status in enumerate(statuses)
    }
    return table


def ratings_table(context: Context) -> Table:
    """Average ratings per area and month; an average over fewer than k children is not shown at all."""
    filters, consenting, geography, k, months = (
        context.filters,
        context.consenting,
        context.geography,
        context.k,
        context.months,
    )
    by_site = bool(filters.region or filters.site)
    area_field = "session__site_id" if by_site else "session__site__region_id"
    held = context.held("session__")
    annotations: dict[str, Any] = {}
    for name, _label in RATING_FIELDS:
        annotations[f"{name}_n"] = Count("child_id", distinct=True, filter=Q(**{f"{name}__isnull": False}))
        annotations[f"{name}_avg"] = Avg(name)
    rows = (
        ObservationRating.objects.filter(
            held & filters.area_q("session__site") & per_row(Q(child_id__in=consenting.values("pk")))
        )
        .annotate(month=month_index("session__starts_at", months))
        .values("month", area=F(area_field))
        .annotate(**annotations)
        .order_by()
    )
    cells: dict[tuple, dict[str, Shown]] = {}
    for row in rows:
        if row["month"] < 0:
            continue
        key = (("site" if by_site else "region", row["area"]), months[row["month"]])
        cells[key] = {
            name: Shown(row[f"{name}_avg"], PUBLISHED if row[f"{name}_n"] >= k else TOO_FEW, k)
            for name, _label in RATING_FIELDS
        }
    areas, _total = geography.rows_for(filters)
    if not by_site:
        areas = [("region", pk) for pk in geography.regions]
    table = Table(
        "ratings",
        _("Observation ratings (average, 1–5)"),
        [_("Area"), _("Month"), *(label for _name, label in RATING_FIELDS)],
        note=_("Averages over fewer than %(k)s children are not shown.") % {"k": k},
    )
    series: dict[str, list[tuple[str, list[float | None]]]] = {name: [] for name, _label in RATING_FIELDS}
    empty = {name: Shown(None, PUBLISHED, k) for name, _label in RATING_FIELDS}
    for area in areas:
        any_row = False
        for month in months:
            values = cells.get((area, month))
            if values is None:
                continue
            any_row = True
            table.rows.append([geography.label(area), month.strftime("%Y-%m"), *(values[n] for n, _l in RATING_FIELDS)])
        if any_row:
            for name, _label in RATING_FIELDS:
                points = []
                for month in months:
                    cell = cells.get((area, month), empty)[name]
                    points.append(None if cell.hidden or cell.value is None else float(cell.value))
                series[name].append((geography.label(area), points))
    context.series["ratings"] = series
    return table


TABLES = [
    TableBuilder("sessions", 10, sessions_table),
    TableBuilder("participation", 20, participation_table),
    TableBuilder("consent", 30, consent_table),
    TableBuilder("months", 50, months_table),
    TableBuilder("ratings", 60, ratings_table),
]
