"""Two sites, one facilitator each, a user per role, and a fully consented recording on site A."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from wagtail.users.models import UserProfile

from facilitation.factories import (
    ChildFactory,
    ConsentRecordFactory,
    FamilyFactory,
    ParticipantFactory,
    RecordingFactory,
    SiteFactory,
    StorySessionFactory,
)
from facilitation.roles import EDITOR, EVALUATOR, FACILITATOR, SAFEGUARDING, ensure_role_groups


@dataclass
class World:
    users: dict
    site_a: object
    site_b: object
    elder_a: object
    child_a: object
    elder_b: object
    recording_a: object
    recording_b: object
    session_a: object
    session_b: object


def build_world() -> World:
    groups = ensure_role_groups()
    User = get_user_model()
    users = {"admin": User.objects.create_superuser("admin", password="x")}
    for name, group in (
        ("editor", EDITOR),
        ("facilitator_a", FACILITATOR),
        ("facilitator_b", FACILITATOR),
        ("safeguarding", SAFEGUARDING),
        ("evaluator", EVALUATOR),
    ):
        users[name] = User.objects.create_user(name, password="x")
        users[name].groups.add(groups[group])
    for user in users.values():
        # The tests read the admin in English; tests/stories/test_admin.py checks Kazakh and Russian.
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = "en"
        profile.save()
    site_a = SiteFactory(facilitators=[users["facilitator_a"]])
    site_b = SiteFactory(facilitators=[users["facilitator_b"]])
    family_a = FamilyFactory(site=site_a)
    elder_a = ParticipantFactory(family=family_a, real_name="Айгүл Серікқызы")
    child_a = ChildFactory(family=family_a, real_name="Нұрлан Асанов")
    ConsentRecordFactory(participant=elder_a)
    ConsentRecordFactory(participant=child_a)
    family_b = FamilyFactory(site=site_b)
    elder_b = ParticipantFactory(family=family_b, real_name="Бақыт Жұмабаев")
    ConsentRecordFactory(participant=elder_b)
    recording_a = RecordingFactory(family=family_a, speakers=[elder_a, child_a])
    recording_b = RecordingFactory(family=family_b, speakers=[elder_b])
    session_a = StorySessionFactory(
        site=site_a,
        safeguarding_concern=True,
        safeguarding_note="Бала ұйықтай алмайды (private)",
        log="The elder told about the river.",
        log_shareable=True,
        observations="Calm and engaged.",
    )
    session_a.attendees.set([elder_a, child_a])
    session_a.save()  # a ParentalManyToManyField is written when the session is saved
    session_b = StorySessionFactory(site=site_b, log="Private log text B", log_shareable=False)
    return World(users, site_a, site_b, elder_a, child_a, elder_b, recording_a, recording_b, session_a, session_b)
