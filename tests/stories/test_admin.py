from django.contrib.auth import get_user_model
from django.test import TestCase
from django.utils import translation
from wagtail.users.models import UserProfile

from facilitation.roles import EDITOR, ensure_role_groups

from .site_tree import build_site_tree


class EditorAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = build_site_tree()
        groups = ensure_role_groups()
        cls.editor = get_user_model().objects.create_user("editor", password="x")
        cls.editor.groups.add(groups[EDITOR])

    def setUp(self):
        self.client.force_login(self.editor)

    def test_editor_edits_a_page_in_all_three_languages(self):
        url = f"/admin/pages/{self.tree.story.pk}/edit/"
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        for lang in ("kk", "ru", "en"):
            self.assertIn(f'name="title_{lang}"', html)
            self.assertIn(f'name="slug_{lang}"', html)
            self.assertIn(f'name="summary_{lang}"', html)
            self.assertIn(f'"fieldName": "body_{lang}"', html)

    def test_admin_makes_no_calls_to_the_internet(self):
        html = self.client.get("/admin/").content.decode()
        self.assertNotIn("gravatar.com", html)
        self.assertNotIn("releases.wagtail.io", html)

    def test_admin_speaks_russian_and_kazakh_for_our_own_screens(self):
        for lang, word in (("ru", "<title>Темы"), ("kk", "<title>Тақырыптар")):
            profile = UserProfile.get_for_user(self.editor)
            profile.preferred_language = lang
            profile.save()
            with translation.override(lang):
                html = self.client.get("/admin/snippets/stories/theme/").content.decode()
            self.assertIn(word, html, lang)
