"""Human formats for staff screens: what a person reads instead of raw values (`True`, `15.108`, `1.0`, `faster`, `kk`).

Dates go through Django's localisation (`config/formats/<lang>/formats.py`: 24-hour in kk, ru and en); these helpers
cover the rest. Pure functions, also registered as template filters (`{% load human %}`).
"""

from __future__ import annotations

import re
import unicodedata

from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.timezone import is_aware, localtime
from django.utils.translation import gettext_lazy as _

from .languages import LANGUAGE_CHOICES

ENGINE_NAMES = {"faster": "faster-whisper", "openai": "openai-whisper"}


def yes_no(value) -> str:
    """Yes / No (and an empty string for "not known")."""
    if value is None or value == "":
        return ""
    return str(_("Yes") if value else _("No"))


def duration(seconds) -> str:
    """15.108 -> "0:15", 754 -> "12:34", 3725 -> "1:02:05" (hours only when there are any)."""
    if seconds in (None, ""):
        return ""
    total = round(float(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def percent(fraction) -> str:
    """1.0 -> "100 %", 0.456 -> "46 %" (a progress bar's words)."""
    if fraction in (None, ""):
        return ""
    return f"{round(float(fraction) * 100)}\N{NO-BREAK SPACE}%"


def engine_name(engine: str) -> str:
    return ENGINE_NAMES.get(engine or "", engine or "")


def language_name(code: str) -> str:
    """A language code as its name in the reader's language ("kk" -> "Kazakh"/"Қазақ тілі"...); "auto" as words."""
    if code in ("", None):
        return ""
    if code == "auto":
        return str(_("Detect automatically"))
    return str(dict(LANGUAGE_CHOICES).get(code, code))


def datetime_short(value) -> str:
    """A date and time in the reader's format (SHORT_DATETIME_FORMAT, 24-hour), in the site's time zone."""
    if value is None:
        return ""
    if is_aware(value):
        value = localtime(value)
    return date_format(value, "SHORT_DATETIME_FORMAT")


def decimal(value, places: int = 1) -> str:
    return "" if value is None else number_format(value, places)


def participant_label(participant) -> str:
    """More than a bare code: "AKT-014-C1 · Child · 10–13 years · grandson" (pseudonymous: never the real name)."""
    parts = [participant.code, str(participant.get_role_display())]
    if participant.age_band:
        parts.append(str(participant.get_age_band_display()))
    if participant.relation:
        parts.append(participant.relation)
    return " · ".join(parts)


def family_label(family) -> str:
    """ "AKT-014 · Site name" """
    return f"{family.code} · {family.site.name}"


# --- Codes and keys people type ------------------------------------------------------------------------------------

# Cyrillic letters that look like the Latin letters of our codes (a Kazakh or Russian keyboard layout types these).
_LOOKALIKES = str.maketrans("АВЕКМНОРСТУХавекмнорстух", "ABEKMHOPCTYXABEKMHOPCTYX")


_DASHES = re.compile(r"[\u2010-\u2015\u2212]")


def typed_code(value: str) -> str:
    """A code as typed: upper case, Cyrillic look-alike letters read as Latin, spaces gone, any dash a "-"."""
    value = unicodedata.normalize("NFKC", value or "").translate(_LOOKALIKES).upper()
    return re.sub(r"\s+", "", _DASHES.sub("-", value))


def compact_code(value: str) -> str:
    """A code or key as typed from paper, made comparable: spaces and dashes removed, upper case, Cyrillic look-alike
    letters read as Latin ("sbg abcd-efgh", "SBG–ABCD EFGH" -> "SBGABCDEFGH"). Link tokens keep their other
    characters, so their stored digests still match."""
    return typed_code(value).replace("-", "")


_PARTICIPANT_CODE = re.compile(r"^([A-Z]+\d*?)(\d{3})([EGCO])(\d+)$")


def participant_code(value: str) -> str:
    """A participant's code as typed ("akt 014 c1", "AKT014C1", "akt-014-c1") written as printed ("AKT-014-C1")."""
    value = unicodedata.normalize("NFKC", value or "").translate(_LOOKALIKES).upper().strip()
    parts = [part for part in re.split(r"[\s\-\u2010-\u2015\u2212]+", value) if part]
    if len(parts) > 1:
        return "-".join(parts)
    match = _PARTICIPANT_CODE.match(value)
    return "{}-{}-{}{}".format(*match.groups()) if match else value


def grouped_code(value: str, prefix: str = "") -> str:
    """`compact_code`, then written the way it is printed: "SBG-ABCD-EFGH" (groups of four after the prefix)."""
    compact = compact_code(value)
    head = ""
    if prefix and compact.startswith(prefix):
        head, compact = prefix + "-", compact[len(prefix) :]
    return head + "-".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def headed(title, *parents: tuple) -> dict:
    """The context a custom admin screen needs for a visible heading under breadcrumbs
    (`facilitation/admin_screen.html`): the title, and (label, url) of the screens above it."""
    crumbs = [{"url": reverse("wagtailadmin_home"), "label": _("Home")}]
    crumbs += [{"url": url, "label": label} for label, url in parents]
    return {"header_title": title, "page_title": title, "breadcrumbs_items": [*crumbs, {"url": "", "label": title}]}
