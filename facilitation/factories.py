"""Factories for programme data; the tests and the demo command build from these."""

import datetime
import io
import math
import struct
import wave

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from .models import (
    ConsentFormVersion,
    ConsentRecord,
    Family,
    Participant,
    Recording,
    Region,
    Scope,
    Site,
    StorySession,
)

ALL_SCOPES = {scope.value: True for scope in Scope}


def tone_wav(seconds: float = 1.0, frequency: float = 440.0, rate: int = 16000) -> bytes:
    """A short real WAV file (a sine tone), for recordings that must exist on disk."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = (int(12000 * math.sin(2 * math.pi * frequency * n / rate)) for n in range(int(seconds * rate)))
        out.writeframes(b"".join(struct.pack("<h", f) for f in frames))
    return buffer.getvalue()


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"R{n:02d}")
    name_kk = factory.LazyAttribute(lambda o: f"Өңір {o.code}")
    name_ru = factory.LazyAttribute(lambda o: f"Регион {o.code}")
    name_en = factory.LazyAttribute(lambda o: f"Region {o.code}")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        skip_postgeneration_save = True

    region = factory.SubFactory(RegionFactory)
    name_kk = factory.Sequence(lambda n: f"Аудан {n}")
    name_ru = factory.Sequence(lambda n: f"Район {n}")
    name_en = factory.Sequence(lambda n: f"District {n}")
    ngo_partner = "Bolashak NGO"

    @factory.post_generation
    def facilitators(self, create, extracted, **kwargs):
        if create and extracted:
            self.facilitators.set(extracted)


class FamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Family

    site = factory.SubFactory(SiteFactory)
    preferred_language = "kk"


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    family = factory.SubFactory(FamilyFactory)
    role = Participant.Role.ELDER
    birth_year = 1955
    age_band = Participant.AgeBand.SENIOR
    relation = "grandmother"


class ChildFactory(ParticipantFactory):
    role = Participant.Role.CHILD
    birth_year = factory.LazyFunction(lambda: timezone.localdate().year - 11)
    age_band = Participant.AgeBand.AGE_10_13
    relation = "grandson"


class ConsentFormVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentFormVersion
        django_get_or_create = ("version",)

    version = "2026.1"
    effective_from = datetime.date(2026, 1, 1)
    text_kk = "Мен әңгімені жазуға, сақтауға және төменде белгіленген мақсаттарда пайдалануға келісемін."
    text_ru = "Я согласен(на) на запись, хранение и использование истории для отмеченных ниже целей."
    text_en = "I agree to the recording, keeping and use of the story for the purposes ticked below."
    child_text_kk = "Сенің әңгімең жазылады. Қаласаң, кез келген уақытта тоқтата аласың."
    child_text_ru = "Твой рассказ запишут. Если захочешь, можешь остановиться в любой момент."
    child_text_en = "Your story will be recorded. You can stop at any moment if you want."


class ConsentRecordFactory(factory.django.DjangoModelFactory):
    """A full grant by default; pass scope fields (e.g. `publish_audio=False`) to narrow it."""

    class Meta:
        model = ConsentRecord

    participant = factory.SubFactory(ParticipantFactory)
    form_version = factory.SubFactory(ConsentFormVersionFactory)
    form_language = "kk"
    given_by = factory.LazyAttribute(
        lambda o: ConsentRecord.GivenBy.GUARDIAN if o.participant.is_child else ConsentRecord.GivenBy.PARTICIPANT
    )
    guardian_relation = factory.LazyAttribute(lambda o: "grandmother" if o.participant.is_child else "")
    child_assent = factory.LazyAttribute(
        lambda o: ConsentRecord.Assent.YES if o.participant.is_child else ConsentRecord.Assent.NOT_APPLICABLE
    )
    record_audio = True
    transcribe = True
    archive = True
    publish_text = True
    publish_audio = True
    publish_photos = True
    evaluation = True
    publish_languages = factory.LazyFunction(lambda: ["kk", "ru", "en"])
    method = ConsentRecord.Method.DIGITAL
    given_on = factory.LazyFunction(timezone.localdate)
    review_on = factory.LazyAttribute(
        lambda o: o.participant.eighteenth_birthday() or (timezone.localdate() + datetime.timedelta(days=730))
    )


class StorySessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StorySession

    site = factory.SubFactory(SiteFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    duration_minutes = 60
    status = StorySession.Status.PLANNED


class RecordingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recording
        skip_postgeneration_save = True

    family = factory.SubFactory(FamilyFactory)
    source = Recording.Source.SESSION
    file = factory.LazyFunction(lambda: ContentFile(tone_wav(1.0), name="session.wav"))
    original_format = "wav"
    codec = "pcm_s16le"
    duration_seconds = 1.0

    @factory.post_generation
    def speakers(self, create, extracted, **kwargs):
        if create and extracted:
            self.speakers.set(extracted)
