"""Demo programme data: a site per region, families with pseudonymous participants, consents in several states,
and sessions, so every role has something to look at. Idempotent; needs `create_demo_accounts` first."""

import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from facilitation.factories import (
    ChildFactory,
    ConsentFormVersionFactory,
    ConsentRecordFactory,
    FamilyFactory,
    ParticipantFactory,
    SiteFactory,
    StorySessionFactory,
)
from facilitation.models import ConsentRecord, Region, SessionPair, Site, StorySession
from facilitation.withdrawal import withdraw_consent

SITES = [
    ("AKT", {"kk": "Ақтөбе қаласы", "ru": "г. Актобе", "en": "Aktobe city"}, "«Бірлік» қоғамдық қоры"),
    ("ZKO", {"kk": "Орал қаласы", "ru": "г. Уральск", "en": "Uralsk city"}, "«Жаңа қадам» ҮЕҰ"),
]


class Command(BaseCommand):
    help = "Create demo sites, families, consents (given, partial, child's no, withdrawn) and sessions."

    @transaction.atomic
    def handle(self, *args, **options):
        if Site.objects.exists():
            self.stdout.write("Demo programme data already present.")
            return
        User = get_user_model()
        facilitator = User.objects.filter(username="facilitator").first()
        form = ConsentFormVersionFactory()
        for code, names, ngo in SITES:
            region = Region.objects.get(code=code)
            site = SiteFactory(
                region=region,
                ngo_partner=ngo,
                facilitators=[facilitator] if facilitator else [],
                **{f"name_{lang}": name for lang, name in names.items()},
            )
            self._families(site, form, facilitator)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo programme: {Site.objects.count()} sites, {StorySession.objects.count()} sessions."
            )
        )

    def _families(self, site, form, facilitator):
        today = timezone.localdate()
        for n in range(3):
            family = FamilyFactory(site=site, preferred_language="kk" if n % 2 == 0 else "ru")
            elder = ParticipantFactory(family=family, relation="әже" if n % 2 == 0 else "бабушка")
            child = ChildFactory(
                family=family, relation="немересі" if n % 2 == 0 else "внук", birth_year=today.year - 9 - n
            )
            ConsentRecordFactory(participant=elder, form_version=form, witness=facilitator)
            if n == 0:  # everything consented
                ConsentRecordFactory(participant=child, form_version=form, witness=facilitator)
            elif n == 1:  # archive and transcription, no publication
                ConsentRecordFactory(
                    participant=child,
                    form_version=form,
                    witness=facilitator,
                    form_language="ru",
                    publish_text=False,
                    publish_audio=False,
                    publish_photos=False,
                    publish_languages=[],
                )
            else:  # the child said no, then the guardian's consent was withdrawn too
                ConsentRecordFactory(
                    participant=child, form_version=form, witness=facilitator, child_assent=ConsentRecord.Assent.NO
                )
                withdraw_consent(child, None, given_by=ConsentRecord.GivenBy.GUARDIAN, actor=facilitator)
            for days, status in (
                (-21, StorySession.Status.HELD),
                (-7, StorySession.Status.HELD),
                (7 + n, StorySession.Status.PLANNED),
            ):
                held = status == StorySession.Status.HELD
                session = StorySessionFactory(
                    site=site,
                    status=status,
                    starts_at=timezone.now() + datetime.timedelta(days=days, hours=n),
                    duration_minutes=45 + 5 * n if held else 60,
                    log="Әже көктемгі өзен туралы айтты; бала сұрақтар қойды." if held else "",
                    observations="Бала белсенді, көңілді болды." if held else "",
                    log_shareable=held and n != 1,
                    child_wished_to_stop=held and n == 2 and days == -7,
                    wish_respected="yes" if held and n == 2 and days == -7 else "",
                )
                if facilitator:
                    session.facilitators.set([facilitator])
                SessionPair.objects.create(session=session, elder=elder, child=child)
                if held:
                    session.attendees.set([elder, child])
                    session.save()  # a ParentalManyToManyField is written when the session is saved
