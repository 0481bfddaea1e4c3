"""Staff never meet a word in a language they did not choose: every admin screen each role reaches, in kk, ru and en.

Each role signs in with its admin language set to kk, ru or en and walks the admin from /admin/: every admin address
found on a page (links, chooser and modal URLs in data attributes and JSON props, filtered listings), one address per
URL shape (ids and query values do not count, filter names do). The visible text of each screen (tests/admin_text.py)
must have no Latin-script word in kk and ru, no Kazakh word in ru and no Cyrillic word in en, once the platform's
stored content is taken out: what staff typed (names, titles, codes, file names) is shown as written, in the language
the screen asks for when the field names an object. Anything else left in the wrong script is a UI string without a
translation. The report (printed, and kept in test-artifacts/admin-language-crawl-<lang>.txt) counts the screens
each role read and sorts what it found: Wagtail/Django strings (ours to fix in locale/vendor), project strings
without a translation, and project strings not yet in the catalogue (added by a change whose msgids are merged
into locale/ when the catalogues are regenerated)."""

import re
import time
import zoneinfo
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import wagtail_factories
from django.apps import apps
from django.conf import settings
from django.db import models
from django.template import Template
from django.test import TestCase
from django.test.utils import _TestState
from django.utils import translation
from modeltranslation.translator import NotRegistered, translator
from wagtail.models import Page
from wagtail.users.models import UserProfile

from facilitation.factories import ConsentFormVersionFactory
from facilitation.families.invitations import create_invitation
from facilitation.models import Submission
from stories.models import StoryPage

from .admin_text import links_in, visible_texts
from .facilitation.world import build_world
from .stories.site_tree import build_site_tree

BASE = Path(settings.BASE_DIR)
ROLES = ["admin", "editor", "facilitator_a", "safeguarding", "evaluator"]
MAX_SCREENS = 160  # per role and language: a bound against a runaway crawl, far above what a role reaches

# Addresses not to open: they act on GET, leave the admin, or return files rather than screens.
SKIP = re.compile(
    r"/logout/|/admin/jsi18n/|/preview/|/(export|download|serve)(/|$)|[?&]export=|/private/|/static/|/media/"
    r"|/admin/sprite|/autocomplete/"
    # A listing's results fragment (/results/, ?_w_filter_fragment) repeats the words of the listing it belongs to.
    r"|/results/|_w_filter_fragment"
)
# Query parameters that change the listing's order/page, not what the screen says; `next` only says where to return.
IGNORED_PARAMS = {"next", "p", "ordering", "q", "_", "page"}

CYRILLIC = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]+")
LATIN = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")
# A word with a letter of the Kazakh alphabet that Russian lacks: Kazakh text on a Russian screen.
KAZAKH_WORD = re.compile(r"\w*[ӘәҒғҚқҢңӨөҰұҮүҺһІі]\w*")

# Words that stay in Latin script in Kazakh and Russian text, each for a reason.
LATIN_ALLOWED = {
    # Technical abbreviations and file formats written in Latin in Kazakh and Russian technical writing.
    "URL", "API", "JSON", "CSV", "TSV", "XLSX", "UTC", "HTML", "PDF", "MP", "WAV", "JPEG", "JPG", "PNG", "GIF", "WEBP",
    "AVIF", "SVG", "HEIC", "ID", "UUID", "IP", "IPv", "HTTP", "HTTPS", "ZIP", "OGG", "MB", "KB", "GB",
    # The name of the technology, written so in every language ("JavaScript is required...").
    "JavaScript",
    # The language picker names each language in itself (LANGUAGES): the English option reads "English".
    "English",
    # The example of a region code in the region form's help text.
    "AKT",
    # Keyboard keys, as printed on Kazakh and Russian keyboards.
    "Ctrl", "Cmd", "Alt", "Shift", "Enter", "Esc", "Tab", "Option",
}  # fmt: skip
CYRILLIC_ALLOWED = {
    # The language picker names each language in itself (LANGUAGES).
    "Қазақша", "Русский", "Қазақ",
}  # fmt: skip
# Not words: e-mail addresses, web addresses, file names, codes such as FAM-7K2Q, sizes such as 640x480.
# Placeholders of strings the admin's JavaScript fills in (%(objects)s, {count}); random tokens (CSRF); the request
# header the admin's scripts send; content type labels (app.model) of the page types report; modeltranslation's
# language-code suffix on per-language field labels ("Атауы [ru]"), the same code the language toggles show.
NOT_WORDS = re.compile(
    r"\S+@\S+|https?://\S+|\b[\w.-]+\.(?:jpe?g|png|gif|webp|avif|svg|pdf|mp3|m4a|wav|ogg|webm|txt|csv|xlsx|docx?)\b"
    r"|\b[A-Z0-9]{2,}(?:-[A-Z0-9]+)+\b|\b\d+x\d+\b"
    r"|%\(\w+\)[sd]|\{\w*\}|\b(?=\w*\d)(?=\w*[A-Za-z])\w{20,}\b|\bX-CSRFToken\b|\b(?:wagtailcore|stories|facilitation|media_tools)\.[a-z]+\b"
    r"|\[(?:kk|ru|en)\]",
    re.IGNORECASE,
)


# Wagtail's copies of a page title in the language it was saved in: the admin must show the translated title instead.
DISPLAY_TITLES = {"draft_title"}
# Translated fields that name an object: only the admin language's value (or Kazakh, its fallback) may be shown.
NAMING_FIELDS = {"title", "name"}


def url_shape(url: str) -> str:
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/N", parts.path)
    path = re.sub(r"/[0-9a-f]{8,}(?=/|$)", "/H", path)
    params = sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True)} - IGNORED_PARAMS)
    return path + ("?" + "&".join(params) if params else "")


def content_strings(language: str) -> list[str]:
    """Everything staff or families typed, as the admin shows it in `language`: stored values of our apps' and
    Wagtail's text fields; for translated fields only the value in `language` (or the Kazakh one it falls back to)."""
    found: set[str] = set(zoneinfo.available_timezones())  # the time zone picker lists zone names as they are
    for model in apps.get_models():
        if model._meta.app_label in {"sessions", "contenttypes", "axes", "admin"} or model._meta.proxy:
            continue
        try:
            translated = set(translator.get_options_for_model(model).all_fields)
        except NotRegistered:
            translated = set()
        names = []
        for field in model._meta.concrete_fields:
            if not isinstance(field, (models.CharField, models.TextField, models.FileField)) or field.choices:
                continue
            if field.name in translated or field.name in DISPLAY_TITLES:
                continue  # the base column holds whichever language was active when saved
            lang = getattr(field, "language", None)
            if lang and lang != language:
                continue
            names.append(field.name)
        if not names:
            continue
        for row in model._default_manager.values_list(*names):
            for value in row:
                if value and len(str(value)) >= 3:
                    found.add(str(value))
                    found.add(Path(str(value)).name)
        for base in translated - NAMING_FIELDS:
            # An edit form shows every language of a translated text side by side: all are content.
            for row in model._default_manager.values(*(f"{base}_{code}" for code, _name in settings.LANGUAGES)):
                found.update(v for v in row.values() if isinstance(v, str) and len(v) >= 3)
        for base in translated & NAMING_FIELDS:
            # What names an object (in listings, breadcrumbs, choosers) is shown in the admin's language, falling
            # back to Kazakh as wagtail-modeltranslation does.
            for row in model._default_manager.values(f"{base}_{language}", f"{base}_kk"):
                value = row[f"{base}_{language}"] or row[f"{base}_kk"]
                if isinstance(value, str) and len(value) >= 3:
                    found.add(value)
    return sorted(found, key=len, reverse=True)


def _words(text: str, language: str) -> list[str]:
    text = NOT_WORDS.sub(" ", text)
    if language == "en":
        return [w for w in CYRILLIC.findall(text) if w not in CYRILLIC_ALLOWED]
    words = [w for w in LATIN.findall(text) if w not in LATIN_ALLOWED and len(w) > 1]
    if language == "ru":
        words += [w for w in KAZAKH_WORD.findall(text) if w not in CYRILLIC_ALLOWED]
    return words


def wrong_words(text: str, language: str, content: list[str]) -> list[str]:
    if not _words(text, language):
        return []
    for value in content:
        if value in text:
            text = text.replace(value, " ")
    return _words(text, language)


SOURCE_MSGID = re.compile(
    r"""(?:\b_|\bgettext(?:_lazy)?|\bngettext(?:_lazy)?)\(\s*(["'])((?:\\.|(?!\1).)+)\1"""
    r"""|\{%\s*trans(?:late)?\s+(["'])((?:(?!\3).)+)\3"""
)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|\{\{.*?\}\}")


def project_msgids() -> dict[str, str]:
    """The project's own msgids (from its code and templates), each with its longest fixed part, to tell a project
    string from a Wagtail or Django one."""
    found = {}
    for folder in ("facilitation", "stories", "media_tools", "config", "templates"):
        for path in (BASE / folder).rglob("*"):
            if path.suffix not in {".py", ".html", ".txt"} or "migrations" in path.parts:
                continue
            for m in SOURCE_MSGID.finditer(path.read_text(encoding="utf-8", errors="ignore")):
                msgid = m.group(2) or m.group(4)
                fixed = max(PLACEHOLDER.split(msgid), key=len).strip(" :.")
                if len(fixed) >= 4:
                    found[msgid] = fixed
    return found


def catalogue_msgids(language: str) -> set[str]:
    path = BASE / "locale" / language / "LC_MESSAGES" / "django.po"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return {
        m.replace('"\n"', "") for m in re.findall(r'^msgid "((?:[^"\\]|\\.)*(?:"\n"(?:[^"\\]|\\.)*)*)"', text, re.M)
    }


def origin(text: str, language: str, msgids: dict[str, str], catalogue: set[str]) -> str:
    """Where an untranslated text comes from: a project string not yet in the catalogue (added by a change still in
    progress; the catalogues are regenerated before release), a project string in the catalogue without a
    translation, or Wagtail/Django (our locale/vendor catalogue)."""
    matches = [(len(fixed), msgid) for msgid, fixed in msgids.items() if fixed in text]
    if not matches:
        return "Wagtail/Django UI"
    _length, msgid = max(matches)
    if msgid not in catalogue:
        return "project string not yet in the catalogue"
    return "project string without a translation"


class AdminLanguageCrawlTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = build_world()
        cls.tree = build_site_tree()
        # Wagtail's migrations leave a page titled "Welcome to your new Wagtail site!" (content, in English only);
        # the platform's demo content replaces it, and so does this world.
        Page.objects.filter(depth=2).exclude(pk=cls.tree.home.pk).delete()
        ConsentFormVersionFactory()

        # Images and documents: one of each, with a Cyrillic title (content), so their screens have a row to open.
        wagtail_factories.ImageFactory(title="Әженің үйі")
        wagtail_factories.DocumentFactory(title="Келісім үлгісі")
        invitation, _token, _code = create_invitation(cls.world.elder_a.family, language="kk")
        submission = Submission(invitation=invitation, family=invitation.family, title="Көктем", language="kk")
        submission.issue_secrets()
        submission.save()
        submission.participants.set([cls.world.elder_a])
        cls.story = StoryPage.objects.get(pk=cls.tree.story.pk)

    def seeds(self) -> list[str]:
        """Where each crawl starts: the dashboard, plus screens reached only through a form or a script."""
        story = self.story.pk
        home = self.tree.home.pk
        return [
            "/admin/",
            "/admin/pages/",
            f"/admin/pages/{home}/",
            f"/admin/pages/{story}/edit/",
            f"/admin/pages/add/stories/storypage/{self.tree.index.pk}/",
            f"/admin/pages/{story}/history/",
            f"/admin/pages/{story}/usage/",
            "/admin/choose-page/",
            f"/admin/choose-page/{home}/",
            "/admin/images/",
            "/admin/images/chooser/",
            "/admin/images/multiple/add/",
            "/admin/documents/",
            "/admin/documents/chooser/",
            "/admin/documents/multiple/add/",
            "/admin/snippets/",
            "/admin/reports/",
            "/admin/reports/locked/",
            "/admin/reports/site-history/",
            "/admin/reports/aging-pages/",
            "/admin/reports/page-types-usage/",
            "/admin/workflows/list/",
            "/admin/workflows/tasks/index/",
            "/admin/account/",
            "/admin/users/",
            "/admin/groups/",
            "/admin/sites/",
            "/admin/collections/",
            "/admin/redirects/",
            "/admin/forms/",
            "/admin/locales/",
        ]

    def setUp(self):
        # The test client records every template it renders (a copy of each context): hundreds per admin screen.
        # The crawl reads only the HTML, so it renders as production does, several times faster.

        instrumented = Template._render
        Template._render = _TestState.saved_data.template_render
        self.addCleanup(setattr, Template, "_render", instrumented)

    def crawl(self, role: str, language: str, content: list[str], checked: set[str] | None = None) -> tuple[int, dict]:
        """One role's walk. With `checked` (shared by the roles of one language), a screen shape another role
        already showed is not opened again, except the dashboard, where each role's own menu starts."""
        user = self.world.users[role]
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = language
        profile.save()
        self.client.force_login(user)
        self.client.raise_request_exception = False  # a broken screen is reported, and the crawl goes on
        seen_shapes: set[str] = set()
        queue = list(self.seeds())
        found: dict[tuple[str, str], set[str]] = defaultdict(set)  # (word, text) -> url shapes
        screens = 0
        with translation.override(language):
            while queue and screens < MAX_SCREENS:
                url = queue.pop(0)
                shape = url_shape(url)
                if shape in seen_shapes or SKIP.search(url):
                    continue
                seen_shapes.add(shape)
                if checked is not None:
                    if shape in checked and url != "/admin/":
                        continue
                    checked.add(shape)
                response = self.client.get(url)
                if hasattr(response, "streaming_content"):
                    b"".join(response.streaming_content)
                    continue
                kind = response.get("Content-Type", "")
                if response.status_code >= 500:
                    self.server_errors.add(f"{role} {language} {url}")
                if response.status_code != 200 or not ("html" in kind or "json" in kind):
                    continue
                body = response.content.decode()
                if "json" in kind:
                    try:
                        data = response.json()
                    except ValueError:
                        continue
                    if not isinstance(data, dict) or not isinstance(data.get("html"), str):
                        continue
                    body = data["html"]
                screens += 1
                # A screen may declare another language on purpose (a printable consent form in the family's
                # language): it is checked against the language it declares.
                declared = re.search(r"<html[^>]*\blang=\"([a-z]{2})", body[:2000])
                expected = declared.group(1) if declared else language
                if expected not in self.contents:
                    self.contents[expected] = content_strings(expected)
                for text in visible_texts(body):
                    for word in wrong_words(text, expected, self.contents[expected]):
                        found[(word, text[:160])].add(shape)
                for link in links_in(body):
                    if url_shape(link) not in seen_shapes and not SKIP.search(link):
                        queue.append(link)
        self.client.logout()
        return screens, found

    def check_language(self, language: str):
        started = time.monotonic()
        self.contents = {}
        content = self.contents[language] = content_strings(language)
        msgids = project_msgids()
        catalogue = catalogue_msgids(language)
        counts = {}
        self.server_errors = set()
        groups: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
        # Kazakh and Russian, the staff's languages, are walked in full by every role; in English each screen shape
        # is read once, by the first role that reaches it (the test's time budget).
        checked = None if language in ("kk", "ru") else set()
        for role in ROLES:
            screens, found = self.crawl(role, language, content, checked)
            counts[role] = (screens, len(found))
            for (_word, text), shapes in found.items():
                groups[origin(text, language, msgids, catalogue)][text].update(f"{role} {s}" for s in shapes)
        lines = [f"admin language crawl [{language}] in {time.monotonic() - started:.1f}s"]
        for role, (screens, n) in counts.items():
            lines.append(f"  {role:14} {screens:4} screens read, {n:3} texts in the wrong language")
        lines.extend(
            f"  SERVER ERROR (not a language problem; reported apart): {e}" for e in sorted(self.server_errors)
        )
        lines.append("  " + "; ".join(f"{title}: {len(group)}" for title, group in sorted(groups.items())))
        for title, group in sorted(groups.items()):
            for text, where in sorted(group.items()):
                sample = Counter(w.split(" ", 1)[1] for w in where).most_common(2)
                lines.append(f"  {title}: {text!r} on {len(where)} screen(s), e.g. {[s for s, _n in sample]}")
        report = "\n".join(lines)
        print(report)
        Path(BASE / "test-artifacts").mkdir(exist_ok=True)
        (BASE / "test-artifacts" / f"admin-language-crawl-{language}.txt").write_text(report + "\n", encoding="utf-8")
        # Each role reaches its own screens (in kk and ru, where every role walks in full); the crawl did not stall.
        walked_in_full = counts if language in ("kk", "ru") else {"admin": counts["admin"]}
        self.assertTrue(all(screens > 5 for screens, _n in walked_in_full.values()), counts)
        self.assertEqual(sum(len(group) for group in groups.values()), 0, report)

    def test_kazakh_admin_has_no_latin_text(self):
        self.check_language("kk")

    def test_russian_admin_has_no_latin_text(self):
        self.check_language("ru")

    def test_english_admin_has_no_cyrillic_text(self):
        self.check_language("en")
