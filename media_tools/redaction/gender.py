"""A person's likely grammatical gender from their full name, so a pseudonym never changes a grandmother into a man.

Patronymics and surnames say it most reliably (Серікқызы / Серікұлы, -овна / -ович, -ова / -ов); then the gazetteer's
Kazakh given names; then pymorphy3's Russian name dictionary. "" when nothing says.
"""

from __future__ import annotations

import re

from media_tools.redaction import gazetteer, morph

_FEMININE_ENDINGS = ("қызы", "кызы", "kyzy", "qyzy", "овна", "евна", "ична", "инична", "ова", "ева", "ина", "ская")
_MASCULINE_ENDINGS = ("ұлы", "улы", "uly", "ovich", "ович", "евич", "ич", "ов", "ев", "ин", "ский")
_KAZAKH = {name.lower(): gender for name, gender in gazetteer.KAZAKH_NAMES.items()}


def name_gender(full_name: str) -> str:
    """ "femn", "masc" or "" for a real name as staff typed it ("Айгүл Серікқызы", "Ерлан Абдуллаев")."""
    words = [w for w in re.split(r"[\s\-]+", full_name.strip()) if w]
    for word in reversed(words[1:]):  # patronymic and surname first
        lowered = word.lower()
        if lowered.endswith(_FEMININE_ENDINGS):
            return "femn"
        if lowered.endswith(_MASCULINE_ENDINGS):
            return "masc"
    for word in words:
        if gender := _KAZAKH.get(word.lower(), ""):
            return gender
    for word in words:
        if gender := morph.russian_gender(word.capitalize()):
            return gender
    return ""
