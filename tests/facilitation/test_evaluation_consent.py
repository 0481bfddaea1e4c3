"""`policy.participants_consenting_to` (SQL, for aggregates) must agree with `policy.consent_state` (per person)."""

import datetime
import random

from django.test import TestCase
from django.utils import timezone

from facilitation import policy
from facilitation.factories import ConsentFormVersionFactory, FamilyFactory, SiteFactory
from facilitation.models import ConsentRecord, Participant, Scope


class ConsentingToAgreesWithConsentState(TestCase):
    def random_programme(self, rng: random.Random, today: datetime.date) -> list[Participant]:
        form = ConsentFormVersionFactory()
        family = FamilyFactory(site=SiteFactory())
        people = []
        base = timezone.now() - datetime.timedelta(days=100)
        for _ in range(40):
            role = rng.choice(["elder", "child", "child", "guardian"])
            birth_year = rng.choice([None, today.year - 17, today.year - 18, today.year - 10, 1950])
            person = Participant.objects.create(family=family, role=role, birth_year=birth_year)
            people.append(person)
            for _n in range(rng.choice([0, 1, 1, 2, 3])):
                scopes = {scope.value: rng.random() < 0.7 for scope in Scope}
                ConsentRecord.objects.create(
                    participant=person,
                    form_version=form,
                    form_language="kk",
                    kind=rng.choice(["grant", "grant", "withdrawal"]),
                    given_by=rng.choice(["guardian", "participant"]),
                    child_assent=rng.choice(["yes", "yes", "no", "n/a"]),
                    method="digital",
                    review_on=rng.choice([None, today, today - datetime.timedelta(days=1), today.replace(year=2100)]),
                    # Ties on recorded_at are decided by id, as in consent_state.
                    recorded_at=base + datetime.timedelta(days=rng.choice([0, 0, 1, 2])),
                    **scopes,
                )
        return people

    def test_on_random_programmes(self):
        for seed in range(4):
            rng = random.Random(seed)
            today = timezone.localdate()
            people = self.random_programme(rng, today)
            for on in (today, today + datetime.timedelta(days=1), datetime.date(today.year + 1, 1, 1)):
                for scope in Scope:
                    expected = {p.pk for p in people if scope.value in policy.consent_state(p, on=on).scopes}
                    got = set(
                        policy.participants_consenting_to(scope, on=on)
                        .filter(pk__in=[p.pk for p in people])
                        .values_list("pk", flat=True)
                    )
                    self.assertEqual(got, expected, (seed, on, scope))

    def test_an_unknown_scope_is_an_error(self):
        with self.assertRaises(ValueError):
            policy.participants_consenting_to("everything")
