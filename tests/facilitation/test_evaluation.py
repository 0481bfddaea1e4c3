"""Evaluators' indicators, session log and exports: values against hand-computed ones, suppression, no names."""

import csv
import datetime
import io

import openpyxl
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client, TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from wagtail.models import Page
from wagtail.users.models import UserProfile

from facilitation.evaluation import indicators
from facilitation.evaluation.indicators import Filters
from facilitation.evaluation.suppression import PUBLISHED, Shown
from facilitation.factories import (
    ChildFactory,
    ConsentRecordFactory,
    FamilyFactory,
    ParticipantFactory,
    RecordingFactory,
    RegionFactory,
    SiteFactory,
    StorySessionFactory,
)
from facilitation.models import AuditEvent, ConsentRecord, ObservationRating, SessionPair
from facilitation.roles import EVALUATOR, FACILITATOR, ensure_role_groups
from facilitation.viewsets import StorySessionViewSet
from media_tools.models import Transcript
from stories.factories import SessionGuidePageFactory

TODAY = datetime.date(2025, 6, 1)
PERIOD = Filters(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 4, 1))
NAMES = ("Айгүл", "Нұрлан", "Бақыт", "Секрет")


def at(day: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(day + " 10:00"))


def cells(table, column: str) -> dict[str, object]:
    """{row label: cell} for one column of a Table."""
    index = [str(c) for c in table.columns].index(column)
    return {str(row[0]): row[index] for row in table.rows}


def value(cell):
    return cell.value if isinstance(cell, Shown) else cell


class Programme:
    """Two regions; nine people of whom five may be counted (the others: withdrawn, a child's no, no evaluation
    scope, consent expired); seven sessions, one outside the period."""

    @classmethod
    def build(cls):
        groups = ensure_role_groups()
        User = get_user_model()
        cls.evaluator = User.objects.create_user("evaluator", password="x")
        cls.evaluator.groups.add(groups[EVALUATOR])
        cls.facilitator = User.objects.create_user("facilitator", password="x")
        cls.facilitator.groups.add(groups[FACILITATOR])
        for user in (cls.evaluator, cls.facilitator):
            profile = UserProfile.get_for_user(user)
            profile.preferred_language = "en"
            profile.save()
        cls.region_a = RegionFactory(code="AAA", name_kk="Alpha", name_en="Alpha", name_ru="Alpha")
        cls.region_b = RegionFactory(code="BBB", name_kk="Beta", name_en="Beta", name_ru="Beta")
        cls.a1 = SiteFactory(region=cls.region_a, facilitators=[cls.facilitator])
        cls.a2 = SiteFactory(region=cls.region_a)
        cls.b1 = SiteFactory(region=cls.region_b)
        fa1, fa2, fa3 = FamilyFactory(site=cls.a1), FamilyFactory(site=cls.a1), FamilyFactory(site=cls.a2)
        fb1 = FamilyFactory(site=cls.b1)
        cls.e1 = ParticipantFactory(family=fa1, real_name="Айгүл Серікқызы")
        cls.c1 = ChildFactory(family=fa1, real_name="Нұрлан Асанов", birth_year=2014)
        cls.c2 = ChildFactory(family=fa1, birth_year=2015)
        cls.e2 = ParticipantFactory(family=fa2, real_name="Бақыт Жұмабаев")
        cls.c3 = ChildFactory(family=fa2, birth_year=2013)
        cls.e3 = ParticipantFactory(family=fb1)
        cls.c4 = ChildFactory(family=fb1, birth_year=2016)
        cls.e4 = ParticipantFactory(family=fa3)
        cls.c5 = ChildFactory(family=fa3, birth_year=2012)
        for person in (cls.e1, cls.c1, cls.e3, cls.c4):
            ConsentRecordFactory(participant=person)
        ConsentRecordFactory(participant=cls.e2, publish_photos=False)
        ConsentRecordFactory(participant=cls.c2)
        ConsentRecordFactory(participant=cls.c2, kind=ConsentRecord.Kind.WITHDRAWAL, evaluation=False)
        ConsentRecordFactory(participant=cls.c3, child_assent=ConsentRecord.Assent.NO)
        ConsentRecordFactory(participant=cls.e4, evaluation=False)
        ConsentRecordFactory(participant=cls.c5, review_on=TODAY - datetime.timedelta(days=1))
        root = Page.get_first_root_node()
        cls.g1 = SessionGuidePageFactory(parent=root, title_kk="Guide one", title_en="Guide one")
        cls.g2 = SessionGuidePageFactory(parent=root, title_kk="Guide two", title_en="Guide two")
        held, planned, cancelled = "held", "planned", "cancelled"
        cls.s1 = cls.session(cls.a1, "2025-01-10", held, 60, [cls.e1, cls.c1, cls.c2], wished="yes")
        cls.s1.prompts_used.set([cls.g1])
        cls.s1.log, cls.s1.observations, cls.s1.log_shareable = "They sang a lullaby.", "Calm.", True
        cls.s1.follow_up_actions = "Visit again in May."
        cls.s1.safeguarding_note = "Секрет: private note"
        cls.s1.save()
        SessionPair.objects.create(session=cls.s1, elder=cls.e1, child=cls.c1)
        SessionPair.objects.create(session=cls.s1, elder=cls.e1, child=cls.c2)  # c2 withdrew: not shown
        cls.s2 = cls.session(cls.a1, "2025-02-10", held, 90, [cls.e2, cls.c3, cls.e1, cls.c1], wished="no")
        cls.s2.log, cls.s2.log_shareable, cls.s2.follow_up_actions = "Секрет private log", False, "Call the aunt."
        cls.s2.save()
        cls.s3 = cls.session(cls.b1, "2025-02-20", held, None, [cls.e3, cls.c4])
        cls.s3.prompts_used.set([cls.g1, cls.g2])
        cls.s3.save()
        cls.s4 = cls.session(cls.a2, "2025-03-05", held, 30, [cls.e4, cls.c5])
        cls.s5 = cls.session(cls.a1, "2025-03-15", cancelled, None, [])
        cls.s6 = cls.session(cls.b1, "2025-03-30", planned, None, [])
        cls.s7 = cls.session(cls.a1, "2024-12-31", held, 45, [cls.e1, cls.c1])
        ObservationRating.objects.create(session=cls.s1, child=cls.c1, engagement=4, comfort=3, belonging=5)
        ObservationRating.objects.create(session=cls.s1, child=cls.c2, engagement=1, comfort=1, belonging=1)
        ObservationRating.objects.create(session=cls.s2, child=cls.c1, engagement=2, comfort=3, belonging=None)
        RecordingFactory(family=fa1, session=cls.s1, speakers=[cls.e1, cls.c1])
        recording = RecordingFactory(family=fb1, session=cls.s3, speakers=[cls.e3, cls.c4])
        Transcript.objects.create(recording=recording)
        RecordingFactory(family=fa1, session=cls.s7, speakers=[cls.e1])

    @classmethod
    def session(cls, site, day, status, minutes, attendees, wished=""):
        session = StorySessionFactory(
            site=site,
            starts_at=at(day),
            status=status,
            duration_minutes=minutes,
            child_wished_to_stop=bool(wished),
            wish_respected=wished,
        )
        session.attendees.set(attendees)
        session.save()  # a ParentalManyToManyField is written on save
        return session


class InEnglish(TestCase):
    """Column labels are compared in English (the autouse fixture starts each test in Kazakh)."""

    def setUp(self):
        self.enterContext(translation.override("en"))


class IndicatorValueTests(InEnglish):
    """k = 1 (nothing hidden): every number against the hand count in `Programme`'s docstring."""

    @classmethod
    def setUpTestData(cls):
        Programme.build()
        cls.p = Programme

    def dashboard(self, filters=PERIOD, k=1):
        return indicators.compute(filters, k=k, today=TODAY)

    def test_sessions(self):
        table = self.dashboard().tables["sessions"]
        self.assertEqual([str(r[0]) for r in table.rows], ["Alpha", "Beta", "All regions"])
        expect = {
            "Planned": {"Alpha": 0, "Beta": 1, "All regions": 1},
            "Held": {"Alpha": 3, "Beta": 1, "All regions": 4},
            "Cancelled": {"Alpha": 1, "Beta": 0, "All regions": 1},
            "Average duration (minutes)": {"Alpha": 60.0, "Beta": None, "All regions": 60.0},
            "Recordings": {"Alpha": 1, "Beta": 1, "All regions": 2},
            "Recordings transcribed": {"Alpha": 0, "Beta": 1, "All regions": 1},
            "Held sessions with follow-up actions": {"Alpha": 2, "Beta": 0, "All regions": 2},
            "Sessions where a child wished to stop": {"Alpha": 2, "Beta": 0, "All regions": 2},
            "… and the wish was not respected": {"Alpha": 1, "Beta": 0, "All regions": 1},
        }
        for column, rows in expect.items():
            got = {label: value(cell) for label, cell in cells(table, column).items()}
            self.assertEqual(got, rows, column)

    def test_participation_counts_only_consenting_people(self):
        table = self.dashboard().tables["participation"]
        expect = {
            "Families": {"Alpha": 2, "Beta": 1, "All regions": 3},
            "Elders": {"Alpha": 2, "Beta": 1, "All regions": 3},
            "Children": {"Alpha": 1, "Beta": 1, "All regions": 2},
            "Sessions per child": {"Alpha": 2.0, "Beta": 1.0, "All regions": 1.5},
        }
        for column, rows in expect.items():
            got = {label: value(cell) for label, cell in cells(table, column).items()}
            self.assertEqual(got, rows, column)

    def test_consent_coverage(self):
        table = self.dashboard().tables["consent"]
        n = {label: value(c) for label, c in cells(table, "Participants who agreed to the evaluation").items()}
        self.assertEqual(n, {"Alpha": 3, "Beta": 2, "All regions": 5})
        photos = {label: value(c) for label, c in cells(table, "Publish photos").items()}
        self.assertEqual(photos, {"Alpha": 2, "Beta": 2, "All regions": 4})
        share = {label: value(c) for label, c in cells(table, "% Publish photos").items()}
        self.assertEqual(share, {"Alpha": 67, "Beta": 100, "All regions": 80})

    def test_themes_months_and_ratings(self):
        board = self.dashboard()
        themes = {str(row[0]): value(row[2]) for row in board.tables["themes"].rows}
        self.assertEqual(themes, {"Guide one": 2, "Guide two": 1})
        months = {row[0]: [value(c) for c in row[1:]] for row in board.tables["months"].rows}
        self.assertEqual(months, {"2025-01": [0, 1, 0], "2025-02": [0, 2, 0], "2025-03": [1, 1, 1]})
        ratings = {(str(r[0]), r[1]): [value(c) for c in r[2:]] for r in board.tables["ratings"].rows}
        # c2 withdrew: only c1's ratings count.
        self.assertEqual(ratings, {("Alpha", "2025-01"): [4, 3, 5], ("Alpha", "2025-02"): [2, 3, None]})
        self.assertEqual(board.series["ratings"]["engagement"], [("Alpha", [4.0, 2.0, None])])

    def test_a_region_shows_its_sites_with_the_region_as_total(self):
        board = self.dashboard(Filters(PERIOD.start, PERIOD.end, region=self.p.region_a))
        children = {label: value(c) for label, c in cells(board.tables["participation"], "Children").items()}
        self.assertEqual(children, {self.p.a1.name: 1, self.p.a2.name: 0, "Total: Alpha": 1})

    def test_a_period_outside_everything_counts_nothing(self):
        board = self.dashboard(Filters(datetime.date(2020, 1, 1), datetime.date(2020, 2, 1)))
        held = {label: value(c) for label, c in cells(board.tables["sessions"], "Held").items()}
        self.assertEqual(held, {"Alpha": 0, "Beta": 0, "All regions": 0})


class SuppressionInTheDashboardTests(InEnglish):
    @classmethod
    def setUpTestData(cls):
        Programme.build()

    def test_small_counts_are_hidden_everywhere_people_are_counted(self):
        board = indicators.compute(PERIOD, k=5, today=TODAY)
        for name, column in [
            ("participation", "Families"),
            ("participation", "Elders"),
            ("participation", "Children"),
            ("consent", "Participants who agreed to the evaluation"),
            ("consent", "Publish photos"),
            ("sessions", "Sessions where a child wished to stop"),
        ]:
            for label, cell in cells(board.tables[name], column).items():
                self.assertTrue(cell.hidden, (name, column, label))
                self.assertEqual(str(cell), "<5" if cell.value < 5 else "×")
        for label, cell in cells(board.tables["participation"], "Sessions per child").items():
            self.assertTrue(cell.hidden, label)  # the ratio would give the number of children away
        for row in board.tables["ratings"].rows:
            self.assertEqual([str(c) for c in row[2:]], ["n<5"] * 3)
        self.assertEqual(board.series["ratings"]["engagement"], [("Alpha", [None, None, None])])

    def test_no_hidden_count_can_be_recovered_from_any_published_total(self):
        """Larger numbers, k = 3: at every level, subtract the published rows from every published total."""
        for k in (3, 4, 5):
            for filters in (PERIOD, Filters(PERIOD.start, PERIOD.end, region=Programme.region_a)):
                board = indicators.compute(filters, k=k, today=TODAY)
                for table in (board.tables["participation"], board.tables["consent"], board.tables["sessions"]):
                    for index in range(1, len(table.columns)):
                        column = [row[index] for row in table.rows]
                        if not all(isinstance(c, Shown) for c in column) or column[-1].hidden:
                            continue
                        *parts, total = column
                        hidden = [c for c in parts if c.hidden]
                        if hidden:
                            recovered = total.value - sum(c.value for c in parts if not c.hidden)
                            self.assertGreaterEqual(len(hidden), 2, (k, table.name, table.columns[index]))
                            self.assertFalse(
                                len(hidden) == 1 and recovered == hidden[0].value,
                                (k, table.name, table.columns[index]),
                            )

    def test_drilling_down_does_not_reveal_a_region_hidden_in_the_national_view(self):
        board = indicators.compute(PERIOD, k=3, today=TODAY)
        national = cells(board.tables["participation"], "Families")
        region = cells(
            indicators.compute(Filters(PERIOD.start, PERIOD.end, region=Programme.region_a), k=3, today=TODAY).tables[
                "participation"
            ],
            "Families",
        )
        self.assertEqual(national["Alpha"].status, region["Total: Alpha"].status)

    @override_settings(EVALUATION_MIN_CELL=7)
    def test_k_comes_from_the_settings(self):
        board = indicators.compute(PERIOD, today=TODAY)
        self.assertEqual(str(cells(board.tables["participation"], "Families")["Alpha"]), "<7")


class EvaluatorScreenTests(InEnglish):
    @classmethod
    def setUpTestData(cls):
        Programme.build()
        cls.p = Programme

    def setUp(self):
        super().setUp()
        self.client.force_login(self.p.evaluator)

    def body(self, url: str) -> str:
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        if response["Content-Type"].startswith("application/vnd.openxml"):
            book = openpyxl.load_workbook(io.BytesIO(response.content))
            return "\n".join(
                "\t".join("" if v is None else str(v) for v in row)
                for sheet in book.worksheets
                for row in sheet.iter_rows(values_only=True)
            )
        return response.content.decode("utf-8-sig")

    def test_session_log_is_pseudonymous_and_shows_only_shareable_text(self):
        for url in (
            "/admin/evaluation/?start=2025-01&end=2025-03",
            "/admin/evaluation/session-log.csv?start=2025-01&end=2025-03",
            "/admin/evaluation/session-log.xlsx?start=2025-01&end=2025-03",
        ):
            body = self.body(url)
            for name in NAMES:
                self.assertNotIn(name, body, url)
            self.assertIn(f"{self.p.e1.code}+{self.p.c1.code}", body, url)
            self.assertNotIn(self.p.c2.code, body, url)  # withdrew from the evaluation
            self.assertNotIn(self.p.c3.code, body, url)  # the child said no
            self.assertIn("They sang a lullaby.", body, url)
            # Follow-ups: whether there are any, never their text (it sits beside the safeguarding note).
            self.assertNotIn("Visit again in May.", body, url)
            self.assertNotIn("Call the aunt.", body, url)
            self.assertIn("Guide one", body, url)
            self.assertNotIn("recording", body.lower().replace("recordings", ""), url)

    def test_session_log_csv_columns(self):
        rows = list(csv.reader(io.StringIO(self.body("/admin/evaluation/session-log.csv?start=2025-01&end=2025-01"))))
        self.assertEqual(len(rows), 2)
        row = dict(zip(rows[0], rows[1], strict=True))
        self.assertEqual(row["Region"], "AAA")
        self.assertEqual(row["Duration (minutes)"], "60")
        self.assertEqual(row["Elders attending"], "1")
        self.assertEqual(row["Children attending"], "1")
        self.assertEqual(row["A child wished to stop"], "yes")
        self.assertEqual(row["Follow-up actions planned"], "yes")

    def test_indicator_exports_respect_suppression_and_hold_no_names(self):
        for url in ("/admin/evaluation/indicators.csv?start=2025-01&end=2025-03", "/admin/evaluation/indicators.xlsx"):
            body = self.body(url)
            for name in NAMES:
                self.assertNotIn(name, body)
            for code in (self.p.e1.code, self.p.c1.code):
                self.assertNotIn(code, body)
            self.assertIn("<5", body)
        rows = list(csv.reader(io.StringIO(self.body("/admin/evaluation/indicators.csv?start=2025-01&end=2025-03"))))
        header = next(i for i, r in enumerate(rows) if r[:2] == ["Area", "Families"])
        self.assertEqual(rows[header + 1], ["Alpha", "<5", "<5", "<5", "×"])

    def test_dashboard_has_charts_and_tables(self):
        body = self.body("/admin/evaluation/indicators/?start=2025-01&end=2025-03")
        self.assertIn('role="img"', body)
        self.assertIn("<title", body)
        self.assertIn("Sessions over time", body)
        self.assertIn("Participation", body)
        self.assertNotIn("Айгүл", body)

    def test_exports_are_audited(self):
        self.body("/admin/evaluation/indicators.xlsx")
        self.body("/admin/evaluation/session-log.csv")
        actions = set(AuditEvent.objects.filter(actor=self.p.evaluator).values_list("action", flat=True))
        self.assertEqual(actions, {"evaluation.export_indicators", "session.export_log"})

    def test_a_bad_filter_falls_back_to_the_defaults(self):
        self.assertEqual(self.client.get("/admin/evaluation/indicators/?start=nonsense").status_code, 200)
        response = self.client.get(f"/admin/evaluation/?region={self.p.region_b.pk}&site={self.p.a1.pk}")
        self.assertContains(response, "This site is not in the chosen region.")

    def test_facilitators_do_not_reach_the_evaluation_screens(self):
        self.client.force_login(self.p.facilitator)
        for url in ("/admin/evaluation/indicators/", "/admin/evaluation/indicators.csv", "/admin/evaluation/"):
            self.assertEqual(self.client.get(url).status_code, 404, url)


class ConstantQueryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        Programme.build()

    def count(self, fn) -> int:
        with CaptureQueriesContext(connection) as captured:
            fn()
        return len(captured.captured_queries)

    def test_queries_do_not_grow_with_the_data(self):
        client = Client()
        client.force_login(Programme.evaluator)
        small = (
            self.count(lambda: indicators.compute(PERIOD, k=5, today=TODAY)),
            self.count(lambda: client.get("/admin/evaluation/indicators/?start=2025-01&end=2025-03")),
            self.count(lambda: client.get("/admin/evaluation/?start=2025-01&end=2025-03")),
        )
        for i in range(30):
            site = [Programme.a1, Programme.a2, Programme.b1][i % 3]
            family = FamilyFactory(site=site)
            elder, child = ParticipantFactory(family=family), ChildFactory(family=family)
            ConsentRecordFactory(participant=elder)
            ConsentRecordFactory(participant=child)
            session = Programme.session(site, f"2025-0{1 + i % 3}-0{1 + i % 9}", "held", 40, [elder, child])
            SessionPair.objects.create(session=session, elder=elder, child=child)
            session.prompts_used.set([Programme.g1])
            session.save()
            ObservationRating.objects.create(session=session, child=child, engagement=3)
        large = (
            self.count(lambda: indicators.compute(PERIOD, k=5, today=TODAY)),
            self.count(lambda: client.get("/admin/evaluation/indicators/?start=2025-01&end=2025-03")),
            self.count(lambda: client.get("/admin/evaluation/?start=2025-01&end=2025-03")),
        )
        self.assertEqual(small, large)
        self.assertLessEqual(small[0], 12)


class ObservationRatingTests(TestCase):
    def test_ratings_are_one_to_five_or_empty(self):
        site = SiteFactory()
        session = StorySessionFactory(site=site)
        child = ChildFactory(family=FamilyFactory(site=site))
        rating = ObservationRating(session=session, child=child, engagement=6)
        with self.assertRaises(ValidationError):
            rating.full_clean()
        rating.engagement, rating.comfort = 5, None
        rating.full_clean()
        rating.save()
        self.assertEqual(session.ratings.get().engagement, 5)

    def test_the_session_form_has_a_ratings_panel(self):
        panels = StorySessionViewSet.panels
        self.assertIn("ratings", [getattr(p, "relation_name", None) for p in panels])


class PublishedCellTests(TestCase):
    def test_shown_labels(self):
        self.assertEqual(str(Shown(3.25, PUBLISHED, 5)), "3.2")
        self.assertEqual(str(Shown(None, PUBLISHED, 5)), "–")
