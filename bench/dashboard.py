"""Benchmark: the evaluators' indicator dashboard on 100,000 sessions and 20,000 participants.

Not a test. Builds a throwaway database (SQLite in a temporary folder by default; PostgreSQL when DATABASE_URL is
set: Django creates and drops `test_<name>` there), fills it with `bulk_create`, then times, each several times:

- `indicators.compute()` for the default period (12 months back, 2 ahead), for all time, and for one region;
- the whole dashboard request (`/admin/evaluation/indicators/`, template, charts, Wagtail admin) as an evaluator;
- the session-log page and the XLSX indicator export.

Prints the median and best wall time and the number of SQL queries of each (CaptureQueriesContext). The query count
must not depend on the amount of data: a one-month filter is timed too and its query count compared
(`queries_constant`). Last line: `dashboard_ms_per_1k_sessions`, for comparing runs of different sizes.

Usage: python bench/dashboard.py [--sessions 100000] [--participants 20000] [--repeat 5]
       DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/dashboard.py
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def setup_django() -> None:
    os.environ.setdefault("SBG_TEST_DIR", tempfile.mkdtemp(prefix="sbg-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()


def build(n_sessions: int, n_participants: int, seed: int = 6) -> None:
    """Regions, sites, families of four, consent (with withdrawals, a child's no, expiries), sessions and more."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from wagtail.models import Page

    from facilitation.models import (
        ConsentFormVersion,
        ConsentRecord,
        Family,
        ObservationRating,
        Participant,
        Recording,
        Region,
        SessionPair,
        Site,
        StorySession,
    )
    from facilitation.roles import EVALUATOR, ensure_role_groups
    from media_tools.models import Transcript
    from stories.models import SessionGuidePage, Theme

    rng = random.Random(seed)
    groups = ensure_role_groups()
    evaluator = get_user_model().objects.create_user("bench-evaluator", password="x")
    evaluator.groups.add(groups[EVALUATOR])

    regions = Region.objects.bulk_create(
        [Region(code=f"R{i}", name_kk=f"Өңір {i}", name_ru=f"Регион {i}", name_en=f"Region {i}") for i in range(6)]
    )
    sites = Site.objects.bulk_create(
        [
            Site(region=r, name_en=f"{r.code} site {j}", name=f"{r.code} site {j}", ngo_partner="NGO")
            for r in regions
            for j in range(5)
        ]
    )
    n_families = n_participants // 4
    families = Family.objects.bulk_create(
        [Family(site=sites[i % len(sites)], number=i // len(sites) + 1) for i in range(n_families)], batch_size=2000
    )
    this_year = timezone.localdate().year
    people = []
    for family in families:
        people += [
            Participant(family=family, role="elder", index=1, birth_year=1950),
            Participant(family=family, role="guardian", index=1, birth_year=1980),
            Participant(family=family, role="child", index=1, birth_year=this_year - rng.randint(6, 16)),
            Participant(family=family, role="child", index=2, birth_year=this_year - rng.randint(6, 16)),
        ]
    people = Participant.objects.bulk_create(people, batch_size=2000)
    form = ConsentFormVersion.objects.create(
        version="bench", effective_from=datetime.date(2020, 1, 1), text="t", child_text="c"
    )
    today = timezone.localdate()
    now = timezone.now()
    records = []
    for i, person in enumerate(people):
        child = person.role == "child"
        grant = dict(
            participant=person,
            form_version=form,
            form_language="kk",
            given_by="guardian" if child else "participant",
            guardian_relation="grandmother" if child else "",
            child_assent=("no" if rng.random() < 0.05 else "yes") if child else "n/a",
            record_audio=True,
            transcribe=rng.random() < 0.9,
            archive=rng.random() < 0.9,
            publish_text=rng.random() < 0.5,
            publish_audio=rng.random() < 0.3,
            publish_photos=rng.random() < 0.2,
            evaluation=rng.random() < 0.9,
            method="digital",
            given_on=today,
            review_on=today + datetime.timedelta(days=-30 if rng.random() < 0.03 else 700),
            recorded_at=now - datetime.timedelta(days=400),
        )
        records.append(ConsentRecord(**grant))
        if i % 7 == 0:  # a later change: withdraws the evaluation scope
            records.append(ConsentRecord(**{**grant, "kind": "withdrawal", "evaluation": False, "recorded_at": now}))
    ConsentRecord.objects.bulk_create(records, batch_size=5000)

    root = Page.get_first_root_node()
    theme = Theme.objects.create(name="Home", slug="home")
    guides = [
        root.add_child(instance=SessionGuidePage(title=f"Guide {i}", slug=f"bench-guide-{i}", theme=theme))
        for i in range(10)
    ]

    by_site: dict[int, list[Family]] = {}
    for family in families:
        by_site.setdefault(family.site_id, []).append(family)
    members: dict[int, list[Participant]] = {}
    for person in people:
        members.setdefault(person.family_id, []).append(person)

    start = now - datetime.timedelta(days=3 * 365)
    span = int((now + datetime.timedelta(days=60) - start).total_seconds())
    statuses = ["held"] * 8 + ["planned", "cancelled"]
    sessions = []
    for _ in range(n_sessions):
        starts = start + datetime.timedelta(seconds=rng.randrange(span))
        status = "planned" if starts > now else rng.choice(statuses)
        wished = status == "held" and rng.random() < 0.03
        sessions.append(
            StorySession(
                site=sites[rng.randrange(len(sites))],
                starts_at=starts,
                status=status,
                duration_minutes=rng.randint(30, 120) if status == "held" else None,
                child_wished_to_stop=wished,
                wish_respected=("yes" if rng.random() < 0.9 else "no") if wished else "",
                log="Shareable text" if rng.random() < 0.3 else "",
                log_shareable=rng.random() < 0.3,
                follow_up_actions="Call the family" if rng.random() < 0.05 else "",
            )
        )
    sessions = StorySession.objects.bulk_create(sessions, batch_size=5000)

    Attend = StorySession.attendees.through
    Used = StorySession.prompts_used.through
    attend, pairs, used, ratings, recordings = [], [], [], [], []
    for session in sessions:
        used.append(Used(storysession_id=session.pk, sessionguidepage_id=guides[rng.randrange(10)].pk))
        if session.status != "held":
            continue
        family = rng.choice(by_site[session.site_id])
        elder, _guardian, child1, child2 = members[family.pk]
        present = [elder, child1] + ([child2] if rng.random() < 0.5 else [])
        attend += [Attend(storysession_id=session.pk, participant_id=p.pk) for p in present]
        pairs.append(SessionPair(session_id=session.pk, elder_id=elder.pk, child_id=child1.pk))
        ratings.append(
            ObservationRating(
                session_id=session.pk,
                child_id=child1.pk,
                engagement=rng.randint(1, 5),
                comfort=rng.randint(2, 5),
                belonging=rng.randint(1, 5),
            )
        )
        if rng.random() < 0.2:
            recordings.append(Recording(session_id=session.pk, family_id=family.pk, title="bench"))
    Attend.objects.bulk_create(attend, batch_size=10000)
    Used.objects.bulk_create(used, batch_size=10000)
    SessionPair.objects.bulk_create(pairs, batch_size=10000)
    ObservationRating.objects.bulk_create(ratings, batch_size=10000)
    recordings = Recording.objects.bulk_create(recordings, batch_size=5000)
    Transcript.objects.bulk_create([Transcript(recording=r) for r in recordings[::2]], batch_size=5000)
    print(
        f"data: {len(sessions)} sessions, {len(people)} participants, {len(records)} consent records, "
        f"{len(attend)} attendances, {len(ratings)} ratings, {len(recordings)} recordings"
    )


def measure(label: str, fn, repeat: int) -> tuple[float, int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    fn()  # warm caches (templates, translations, the database's own)
    times, queries = [], 0
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        queries = len(captured.captured_queries)
    median = statistics.median(times)
    print(f"{label:<44} median {median * 1000:8.1f} ms   best {min(times) * 1000:8.1f} ms   queries {queries}")
    return median, queries


def run(repeat: int, n_sessions: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from facilitation.evaluation import indicators
    from facilitation.evaluation.indicators import Filters, month_start
    from facilitation.models import Region

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-evaluator"))
    region = Region.objects.first()
    default = Filters.default()
    one_month = Filters(start=month_start(default.start, 6), end=month_start(default.start, 7))
    print(f"database: {connection.vendor}")

    def get(url):
        def fetch():
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return response

        return fetch

    compute_default, q_default = measure(
        "indicators.compute (default period)", lambda: indicators.compute(default), repeat
    )
    measure("indicators.compute (all time)", lambda: indicators.compute(Filters()), repeat)
    measure(
        "indicators.compute (one region)",
        lambda: indicators.compute(Filters(default.start, default.end, region)),
        repeat,
    )
    _t, q_month = measure("indicators.compute (one month)", lambda: indicators.compute(one_month), repeat)
    view, q_view = measure("GET /admin/evaluation/indicators/", get("/admin/evaluation/indicators/"), repeat)
    measure(
        "GET /admin/evaluation/indicators/?start=… (all time)",
        get("/admin/evaluation/indicators/?start=2000-01"),
        repeat,
    )
    measure("GET /admin/evaluation/indicators.xlsx", get("/admin/evaluation/indicators.xlsx"), repeat)
    measure("GET /admin/evaluation/ (session log, page 1)", get("/admin/evaluation/"), repeat)
    measure("GET /admin/evaluation/?p=500 (session log)", get("/admin/evaluation/?p=500"), repeat)
    print(f"queries_constant: {q_default == q_month}")
    print(f"dashboard_request_ms: {view * 1000:.1f}")
    print(f"dashboard_ms_per_1k_sessions: {view * 1000 / (n_sessions / 1000):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--keep", metavar="DIR", help="keep the SQLite database in DIR (or the PostgreSQL one) and reuse it next time"
    )
    args = parser.parse_args()
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        os.environ["SBG_TEST_DIR"] = str(Path(args.keep).resolve())
    setup_django()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    t0 = time.perf_counter()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=bool(args.keep))
    try:
        from facilitation.models import StorySession

        if not StorySession.objects.exists():
            build(args.sessions, args.participants)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # fresh planner statistics, on both engines
        print(f"set-up: {time.perf_counter() - t0:.1f} s")
        run(args.repeat, StorySession.objects.count())
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
