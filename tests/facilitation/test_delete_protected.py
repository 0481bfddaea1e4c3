"""Deleting a programme record others depend on says why and goes back, instead of a server error (a dead end)."""

from django.test import TestCase
from django.utils import translation

from facilitation.models import Participant, Site

from .world import build_world


class DeleteProtectedTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def setUp(self):
        self.enterContext(translation.override("en"))
        self.client.force_login(self.w.users["admin"])

    def delete(self, model: str, pk: int):
        return self.client.post(f"/admin/snippets/facilitation/{model}/delete/{pk}/", follow=True)

    def test_a_site_with_families_is_kept_with_a_reason(self):
        response = self.delete("site", self.w.site_a.pk)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(Site.objects.filter(pk=self.w.site_a.pk).exists())
        self.assertContains(response, "other records depend on it")
        self.assertNotContains(response, self.w.elder_a.real_name)

    def test_a_participant_with_consent_records_is_kept_with_a_reason(self):
        response = self.delete("participant", self.w.child_a.pk)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(Participant.objects.filter(pk=self.w.child_a.pk).exists())
        self.assertContains(response, "other records depend on it")
