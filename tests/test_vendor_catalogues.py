"""Kazakh for every string Wagtail (and taggit) can show: kept complete when Wagtail is upgraded.

Wagtail ships no Kazakh catalogue; ours is locale/vendor/kk (LOCALE_PATHS). Each msgid of the installed Wagtail's
English catalogues, for the apps in INSTALLED_APPS, must come out of Django's translation machinery in Kazakh. After
an upgrade this test lists the new msgids; translate them in locale/vendor/kk/LC_MESSAGES/django.po (or djangojs.po).
The same goes for the strings Wagtail's own Russian catalogue misses (locale/vendor/ru).
"""

from pathlib import Path

import pytest
import wagtail
from django.apps import apps
from django.utils.translation import trans_real

WAGTAIL = Path(wagtail.__file__).parent
TAGGIT = Path(apps.get_app_config("taggit").path)
# Strings whose Kazakh is the same text: names, codes and punctuation.
SAME_IN_KAZAKH = {"Wagtail API v2", "Wagtail API v3", "URL", "IPv4", "IPv6", "OK", "…", ":", ":?.!"}


def installed_catalogues(domain: str) -> list[Path]:
    """The English catalogues of the Wagtail apps this platform installs (plus taggit, whose tags the admin shows)."""
    found = []
    for config in apps.get_app_configs():
        path = Path(config.path)
        if path == TAGGIT or WAGTAIL in (path, *path.parents):
            po = path / "locale" / "en" / "LC_MESSAGES" / f"{domain}.po"
            if po.exists():
                found.append(po)
    return found


def _unquote(line: str) -> str:
    return line.strip()[1:-1].encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


def po_entries(path: Path) -> list[tuple[str, str, bool]]:
    """(context, msgid, has a plural) of each entry of a .po file (the upstream English catalogue: source only)."""
    entries, current, field = [], {}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith(("msgctxt ", "msgid ", "msgid_plural ", "msgstr")):
            field, _sep, rest = line.partition(" ")
            if field == "msgctxt" or (field == "msgid" and "msgid" in current):
                if "msgid" in current:
                    entries.append(current)
                current = {}
            current[field] = _unquote(rest)
        elif line.startswith('"') and field:
            current[field] += _unquote(line)
        elif not line.strip() and "msgid" in current:
            entries.append(current)
            current, field = {}, None
    return [(e.get("msgctxt", ""), e["msgid"], "msgid_plural" in e) for e in entries if e.get("msgid")]


def untranslated(language: str, domain: str) -> list[str]:
    catalogue = trans_real.DjangoTranslation(language, domain=domain)
    missing = []
    for po in installed_catalogues(domain):
        app = po.parents[3].name
        for context, msgid, plural in po_entries(po):
            if msgid in SAME_IN_KAZAKH:
                continue
            key = f"{context}\x04{msgid}" if context else msgid
            found = catalogue._catalog.get((key, catalogue.plural(5))) if plural else catalogue._catalog.get(key)
            if not found:
                missing.append(f"{app}: {msgid!r}" + (f" [{context}]" if context else ""))
    return sorted(set(missing))


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_wagtail_string_has_a_kazakh_translation(domain):
    missing = untranslated("kk", domain)
    print(f"{len(missing)} Wagtail {domain} msgids without Kazakh", *missing[:200], sep="\n  ")
    assert not missing, f"{len(missing)} msgids without Kazakh (locale/vendor/kk): {missing[:50]}"


def test_every_wagtail_string_has_a_russian_translation():
    missing = untranslated("ru", "django")
    print(f"{len(missing)} Wagtail msgids without Russian", *missing[:200], sep="\n  ")
    assert not missing, f"{len(missing)} msgids without Russian (locale/vendor/ru): {missing[:50]}"
