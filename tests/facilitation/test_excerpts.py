"""Excerpts, from the outside: made from reviewed segments in the transcript editor, proposals stored, decisions
audited, publication refused until every proposal is decided, the texts are unchanged and the audio rebuilt, names
muted in the audio, withdrawal empties the excerpt, and every role against every excerpt URL, reads and writes."""

from __future__ import annotations

from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from facilitation import excerpts as service
from facilitation.excerpts import PSEUDONYMS
from facilitation.factories import ConsentRecordFactory
from facilitation.models import AuditEvent, ConsentRecord, Excerpt, ExcerptProposal, private_storage
from facilitation.policy import SYSTEM, Action, may
from facilitation.withdrawal import withdraw_consent
from media_tools.redaction.gender import name_gender
from stories.models import StoryPage

from ..stories.site_tree import build_site_tree
from .excerpt_data import decode, rms, spoken_recording
from .world import build_world

ROLES = ["anonymous", "admin", "editor", "facilitator_a", "facilitator_b", "safeguarding", "evaluator"]
REFUSED = {302, 404}


def make_excerpt(client, transcript, indexes=(0, 1)):
    segments = {s.index: s for s in transcript.segments.all()}
    starts = [f"{segments[i].start:.3f}" for i in indexes]
    return client.post(reverse("media_tools_make_excerpt", args=[transcript.pk]), {"start": starts})


def decide_all(client, excerpt, decision="accepted"):
    data = {f"decision-{p.pk}": decision for p in excerpt.proposals.all()}
    return client.post(reverse("facilitation_excerpt_decide", args=[excerpt.pk]), data)


class ExcerptFlowTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.tree = build_site_tree()
        family = cls.w.elder_a.family
        cls.recording, cls.transcript, cls.spoken = spoken_recording(family, [cls.w.elder_a, cls.w.child_a], "kk")

    def login(self, role):
        self.client.logout()
        if role != "anonymous":
            self.client.force_login(self.w.users[role])

    def create(self, role="facilitator_a", indexes=(0, 1)) -> Excerpt:
        self.login(role)
        response = make_excerpt(self.client, self.transcript, indexes)
        excerpt = Excerpt.objects.order_by("-pk").first()
        self.assertRedirects(
            response, reverse("facilitation_excerpt", args=[excerpt.pk]), fetch_redirect_response=False
        )
        return excerpt

    def test_excerpt_from_reviewed_segments_has_proposals_for_the_family_names_and_numbers(self):
        excerpt = self.create()
        self.assertEqual(excerpt.language, "kk")
        self.assertEqual(excerpt.original_text, " ".join(s["text"] for s in self.spoken.segments[:2]))
        self.assertEqual((excerpt.first_segment, excerpt.last_segment), (0, 1))
        kinds = {p.kind for p in excerpt.proposals.all()}
        found = {p.text for p in excerpt.proposals.filter(kind="family_name")}
        self.assertIn("Айгүлдің", found)
        self.assertIn("Нұрланға", found)
        self.assertIn("phone", kinds)
        self.assertIn("iin", kinds)
        keys = set(excerpt.proposals.filter(kind="family_name").values_list("person_key", flat=True))
        self.assertEqual(keys, {str(self.w.elder_a.pk), str(self.w.child_a.pk)})
        self.assertTrue(excerpt.proposals.filter(decision=ExcerptProposal.Decision.UNDECIDED).exists())
        self.assertTrue(AuditEvent.objects.filter(action="excerpt.created", target_id=str(excerpt.pk)).exists())
        self.assertTrue(AuditEvent.objects.filter(action=Action.CREATE_EXCERPT, allowed=True).exists())

    def test_each_family_member_keeps_their_gender_and_gets_a_name_of_their_own(self):
        excerpt = self.create()
        grandmother = excerpt.proposals.filter(person_key=str(self.w.elder_a.pk)).first()
        grandson = excerpt.proposals.filter(person_key=str(self.w.child_a.pk)).first()
        self.assertEqual(name_gender(self.w.elder_a.real_name), "femn")
        women, men = PSEUDONYMS["kk"]["femn"], PSEUDONYMS["kk"]["masc"]  # replacements carry the case suffix
        self.assertTrue(grandmother.replacement.startswith(women), grandmother.replacement)
        self.assertTrue(grandson.replacement.startswith(men), grandson.replacement)
        self.assertNotEqual(grandmother.replacement, grandson.replacement)

    def test_an_unreviewed_segment_makes_no_excerpt(self):
        self.login("facilitator_a")
        response = make_excerpt(self.client, self.transcript, (1, 2))
        self.assertRedirects(
            response, reverse("media_tools_transcript", args=[self.transcript.pk]), fetch_redirect_response=False
        )
        self.assertFalse(Excerpt.objects.exists())
        self.assertTrue(AuditEvent.objects.filter(action=Action.CREATE_EXCERPT, allowed=False).exists())

    def test_each_decision_is_audited_with_who_and_what(self):
        excerpt = self.create()
        proposal = excerpt.proposals.filter(kind="family_name").first()
        self.client.post(
            reverse("facilitation_excerpt_decide", args=[excerpt.pk]),
            {f"decision-{proposal.pk}": "changed", f"replacement-{proposal.pk}": "Дана"},
        )
        proposal.refresh_from_db()
        self.assertEqual(proposal.decision, "changed")
        self.assertEqual(proposal.final_replacement, "Дана")
        self.assertEqual(proposal.decided_by, self.w.users["facilitator_a"])
        event = AuditEvent.objects.get(action="excerpt.proposal_decided", target_id=str(excerpt.pk))
        self.assertEqual(event.actor, self.w.users["facilitator_a"])
        self.assertEqual(event.detail["proposal"], proposal.pk)
        self.assertEqual(event.detail["decision"], "changed")
        self.assertNotIn(proposal.text, str(event.detail) + event.target_label)  # the log never holds the name
        excerpt.refresh_from_db()
        self.assertIn("Дана", excerpt.pseudonymised["kk"])

    def test_publication_refused_until_decided_unchanged_and_rebuilt(self):
        excerpt = self.create()
        self.login("editor")
        response = self.client.post(reverse("facilitation_excerpt_story", args=[excerpt.pk]))
        page = StoryPage.objects.get(source_excerpt=excerpt)
        self.assertRedirects(
            response, reverse("wagtailadmin_pages:edit", args=[page.pk]), fetch_redirect_response=False
        )
        self.assertFalse(page.live)
        self.assertEqual(page.get_parent().specific, self.tree.index)

        def reasons():
            page.refresh_from_db()
            with translation.override("en"):  # the reasons are read in English here, whatever the last request used
                return " ".join(str(reason) for reason in may(SYSTEM, Action.PUBLISH_STORY, page).reasons)

        self.assertIn("not decided", reasons())
        decide_all(self.client, excerpt)
        self.assertNotIn("not decided", reasons())
        self.assertIn("audio has not been rebuilt", reasons())
        self.client.post(reverse("facilitation_excerpt_rebuild", args=[excerpt.pk]))
        self.assertEqual(reasons(), "")

        # A translation typed afterwards brings new proposals (undecided) and a stale audio.
        self.login("facilitator_a")
        self.client.post(
            reverse("facilitation_excerpt_texts", args=[excerpt.pk]), {"text-ru": "Бабушка Айгуль живёт у реки."}
        )
        self.assertIn("not decided", reasons())
        self.assertIn("audio has not been rebuilt", reasons())
        decide_all(self.client, excerpt)
        self.client.post(reverse("facilitation_excerpt_rebuild", args=[excerpt.pk]))
        self.assertEqual(reasons(), "")

        # A text changed behind the review's back (not through the screen) is refused too.
        excerpt.refresh_from_db()
        excerpt.texts = {**excerpt.texts, "en": "Grandmother Aigul lives by the river."}
        excerpt.save()
        self.assertIn("text changed", reasons())

        # Publishing through Wagtail with a stale excerpt takes the page straight back offline.
        page.refresh_from_db()
        page.save_revision().publish()
        page.refresh_from_db()
        self.assertFalse(page.live)

    def test_a_live_story_plays_the_redacted_excerpt_only_while_it_is_ready(self):
        excerpt = self.create()
        decide_all(self.client, excerpt)
        self.client.post(reverse("facilitation_excerpt_rebuild", args=[excerpt.pk]))
        excerpt.refresh_from_db()
        page = service.request_story_draft(excerpt, self.w.users["editor"])
        page.plays_excerpt_audio = True
        page.save_revision().publish()
        page.refresh_from_db()
        self.assertTrue(page.live)
        url = reverse("stories:excerpt_audio", args=[page.pk])
        self.client.logout()
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        with private_storage().open(excerpt.audio.name, "rb") as handle:
            self.assertEqual(b"".join(response.streaming_content), handle.read())
        self.assertIn(url, self.client.get(page.url).content.decode())
        self.assertEqual(self.client.get(reverse("stories:story_audio", args=[page.pk])).status_code, 404)

        # A decision changed after publication: the audio is stale, so nothing plays (and the page is not shown).
        proposal = excerpt.proposals.first()
        service.decide(proposal, "rejected", self.w.users["facilitator_a"])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.get(page.url).status_code, 404)

    def test_accepted_names_are_silent_in_the_rebuilt_audio(self):
        excerpt = self.create()
        self.login("facilitator_a")
        decide_all(self.client, excerpt)
        self.client.post(reverse("facilitation_excerpt_rebuild", args=[excerpt.pk]))
        excerpt.refresh_from_db()
        self.assertTrue(excerpt.audio)
        with private_storage().open(excerpt.audio.name, "rb") as handle:
            samples = decode(handle.read())
        rate = 16000
        words = [w for s in self.spoken.segments[:2] for w in s["words"]]
        muted = {
            w["word"].strip()
            for w in words
            if w["word"].strip() in ("Айгүлдің", "Нұрланға", "87012345678", "900101300123")
        }
        self.assertEqual(len(muted), 4)
        for word in words:
            t0, t1 = word["start"] - excerpt.start, word["end"] - excerpt.start
            level = rms(samples, rate, t0, t1)
            if word["word"].strip() in muted:
                self.assertLess(level, 0.002, word)
            else:
                self.assertGreater(level, 0.01, word)
        self.assertAlmostEqual(len(samples) / rate, excerpt.end - excerpt.start, delta=0.2)
        # The original recording is untouched.
        self.recording.refresh_from_db()
        with self.recording.file.open("rb") as handle:
            self.assertEqual(handle.read(), self.spoken.wav)

    def test_withdrawal_takes_the_excerpt_and_its_copies_down(self):
        excerpt = self.create()
        decide_all(self.client, excerpt)
        self.client.post(reverse("facilitation_excerpt_rebuild", args=[excerpt.pk]))
        excerpt.refresh_from_db()
        audio_name = excerpt.audio.name
        self.assertTrue(private_storage().exists(audio_name))
        page = service.request_story_draft(excerpt, self.w.users["editor"])
        report = withdraw_consent(
            self.w.child_a, None, given_by=ConsentRecord.GivenBy.GUARDIAN, actor=self.w.users["facilitator_a"]
        )
        excerpt.refresh_from_db()
        self.assertEqual(excerpt.state, Excerpt.State.WITHDRAWN)
        self.assertFalse(private_storage().exists(audio_name))
        self.assertEqual(
            (excerpt.original_text, excerpt.texts, excerpt.pseudonymised, excerpt.segments), ("", {}, {}, [])
        )
        self.assertFalse(excerpt.proposals.exists())
        self.assertTrue(any("Excerpt" in line or str(excerpt.pk) in line for line in report.actions), report.actions)
        self.assertFalse(may(SYSTEM, Action.PUBLISH_STORY, page).allowed)
        self.login("facilitator_a")
        self.assertEqual(self.client.get(reverse("facilitation_excerpt", args=[excerpt.pk])).status_code, 404)

    def test_editor_never_sees_a_family_members_real_name(self):
        excerpt = self.create()
        self.login("facilitator_a")
        html = self.client.get(reverse("facilitation_excerpt", args=[excerpt.pk])).content.decode()
        self.assertIn("Айгүлдің", html)
        self.assertIn(self.w.elder_a.real_name, html)  # who the name is, for the site's facilitator
        self.login("editor")
        response = self.client.get(reverse("facilitation_excerpt", args=[excerpt.pk]))
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        for name in ("Айгүл", "Серікқызы", "Нұрлан", "Асанов"):
            self.assertNotIn(name, html)
        self.assertNotIn('name="text-ru"', html)  # texts hold names: no text boxes for whoever may not see them


class ExcerptAccessTests(TestCase):
    """Every role against every excerpt URL of site A's and site B's excerpts, reads and writes."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        build_site_tree()
        cls.recording_a, transcript_a, _ = spoken_recording(cls.w.elder_a.family, [cls.w.elder_a, cls.w.child_a])
        cls.recording_b, transcript_b, _ = spoken_recording(cls.w.elder_b.family, [cls.w.elder_b])
        segments = lambda t: [  # noqa: E731
            {**{k: getattr(s, k) for k in ("index", "start", "end", "text", "words", "language", "reviewed")}}
            for s in t.segments.filter(reviewed=True)
        ]
        cls.excerpt_a = service.create_excerpt(cls.recording_a, segments(transcript_a), cls.w.users["facilitator_a"])
        service.rebuild_audio(cls.excerpt_a, cls.w.users["facilitator_a"])
        cls.excerpt_b = service.create_excerpt(cls.recording_b, segments(transcript_b), cls.w.users["facilitator_b"])
        service.rebuild_audio(cls.excerpt_b, cls.w.users["facilitator_b"])
        cls.transcript_a, cls.transcript_b = transcript_a, transcript_b

    def request(self, role, method, url, data=None):
        self.client.logout()
        if role != "anonymous":
            self.client.force_login(self.w.users[role])
        response = getattr(self.client, method)(url, data or {})
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        return response.status_code

    def check(self, method, name, excerpt, allowed, ok=200, data=None):
        url = reverse(name, args=[excerpt.pk])
        for role in ROLES:
            code = self.request(role, method, url, data)
            with self.subTest(role=role, url=url, method=method):
                if role in allowed:
                    self.assertEqual(code, ok, f"{role} should reach {url}")
                else:
                    self.assertIn(code, REFUSED, f"{role} must not reach {url}")
                    if role != "anonymous":
                        self.assertEqual(code, 404)

    def test_reads(self):
        for excerpt, staff in ((self.excerpt_a, "facilitator_a"), (self.excerpt_b, "facilitator_b")):
            self.check("get", "facilitation_excerpt", excerpt, {"admin", "editor", staff})
            self.check("get", "facilitation_excerpt_audio", excerpt, {"admin", "editor", staff})

    def test_writes(self):
        for excerpt, staff in ((self.excerpt_a, "facilitator_a"), (self.excerpt_b, "facilitator_b")):
            for name in ("facilitation_excerpt_decide", "facilitation_excerpt_find", "facilitation_excerpt_rebuild"):
                self.check("post", name, excerpt, {"admin", "editor", staff}, ok=302)
            self.check("post", "facilitation_excerpt_story", excerpt, {"admin", "editor"}, ok=302)
            self.check(
                "post", "facilitation_excerpt_texts", excerpt, {"admin", staff}, ok=302, data={"text-ru": "Текст"}
            )

    def test_making_an_excerpt_from_another_sites_transcript(self):
        for transcript, staff in ((self.transcript_a, "facilitator_a"), (self.transcript_b, "facilitator_b")):
            reviewed = [f"{s.start:.3f}" for s in transcript.segments.filter(reviewed=True)]
            url = reverse("media_tools_make_excerpt", args=[transcript.pk])
            for role in ROLES:
                before = Excerpt.objects.count()
                code = self.request(role, "post", url, {"start": reviewed})
                with self.subTest(role=role, transcript=transcript.pk):
                    if role in {"admin", staff}:
                        self.assertEqual(code, 302)
                        self.assertEqual(Excerpt.objects.count(), before + 1)
                    else:
                        self.assertIn(code, REFUSED)
                        self.assertEqual(Excerpt.objects.count(), before)

    def test_listing_shows_only_what_each_role_may_see(self):
        expected = {
            "admin": {self.excerpt_a.pk, self.excerpt_b.pk},
            "editor": {self.excerpt_a.pk, self.excerpt_b.pk},
            "facilitator_a": {self.excerpt_a.pk},
            "facilitator_b": {self.excerpt_b.pk},
        }
        for role in ROLES:
            self.client.logout()
            if role != "anonymous":
                self.client.force_login(self.w.users[role])
            response = self.client.get(reverse("facilitation_excerpts"))
            with self.subTest(role=role):
                if role in ("anonymous",):
                    self.assertEqual(response.status_code, 302)
                    continue
                if response.status_code != 200:
                    self.assertNotIn(role, expected)
                    continue
                html = response.content.decode()
                for excerpt in (self.excerpt_a, self.excerpt_b):
                    shown = f'data-excerpt="{excerpt.pk}"' in html
                    self.assertEqual(shown, excerpt.pk in expected.get(role, set()), role)

    def test_editor_needs_publication_consent(self):
        ConsentRecordFactory(participant=self.w.elder_b, publish_text=False)
        self.assertEqual(self.request("editor", "get", reverse("facilitation_excerpt", args=[self.excerpt_b.pk])), 404)
        self.assertEqual(
            self.request("facilitator_b", "get", reverse("facilitation_excerpt", args=[self.excerpt_b.pk])), 200
        )
