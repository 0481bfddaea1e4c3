"""Identifiers found by pattern: Kazakh phone numbers, IIN, e-mail, street addresses, school numbers."""

from __future__ import annotations

import re
from collections.abc import Iterator

_SEP = r"[\s\-–.]*"

# +7 7xx xxx xx xx, 8 (7xx) xxx-xx-xx, 87011234567, 7 701 ..., also without the country prefix (701 123 45 67).
PHONE = re.compile(
    rf"(?<![\w+])(?:(?:\+\s*7|8|7){_SEP}\(?{_SEP}[67]\d\d{_SEP}\)?|\(?[67]\d\d\)?){_SEP}\d{_SEP}\d{_SEP}\d{_SEP}\d{_SEP}\d{_SEP}\d{_SEP}\d(?!\w)"
)
# Short local landline numbers are too ambiguous (years, sums); a 5-7 digit number split like a phone is kept.
LOCAL_PHONE = re.compile(r"(?<![\w.,-])\d{2,3}-\d{2}-\d{2}(?![\w.,-])")
# 12 digits, optionally grouped (ASR often writes "850101 300123" or "8501 0130 0123").
IIN = re.compile(r"(?<![\w+])\d(?:[\s\-]?\d){11}(?![\w])")
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?!\w)")

_NUM = r"(?i:№|N|No\.?|\#|номер|нөмір|number)?\s*\d+\s*[а-яa-z]?(?:/\d+)?"
_STREET_RU = (
    r"(?i:улиц[аеыуой]|ул\.|проспект[аеу]?|пр-т|пр\.|переул(?:ок|ка|ке)|пер\.|бульвар[аеу]?|шоссе"
    r"|микрорайон[аеу]?|мкр\.?|мкрн\.?|квартал[аеу]?)"
)
_STREET_KK = (
    r"(?i:көшесі(?:нде|нің|не|нен)?|даңғылы(?:нда|нің|на)?|шағын\s+аудан(?:ы|ында)?|ықшамауданы(?:нда)?|тұйығы(?:нда)?)"
)
_STREET_EN = r"(?i:street|st\.|avenue|ave\.|road|rd\.|lane|microdistrict)"
_HOUSE = (
    r"(?i:дом[аеу]?|д\.|үй(?:і|де|ге)?|house|кв\.?|квартир[аеуы]|пәтер(?:і|де)?|apartment|apt\.?|корпус|корп\.|блок)"
)
_NAME = r"[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][\w\-]*(?:\s+[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][\w\-]*){0,2}"

ADDRESS = re.compile(
    rf"""(?x)
    (?:
        {_STREET_RU}\s+(?:{_NAME}\s*,?\s*)?(?:{_NUM})?        # улица Абая 12, мкр. Самал-2, ул. Ленина
        | (?:{_NAME}|\d+[-\s]?\w*)\s+{_STREET_KK}(?:\s*,?\s*{_NUM}(?:[-\s]?үй(?:і|де)?)?)?  # Абай көшесі 5-үй
        | \d+\s+{_NAME}\s+{_STREET_EN}                       # 12 Abay Street
        | {_NAME}\s+{_STREET_EN}(?:\s*,?\s*{_NUM})?            # Abay street 12
        | (?:{_STREET_RU}|{_STREET_KK}|{_STREET_EN})?\s*{_HOUSE}\s*{_NUM}  # дом 5, кв 12, үй 7, apartment 3
        | \d+[-\s]?(?:үй|пәтер)(?:і|де|ге|ден)?                # 5-үй, 12 пәтер
    )
    (?:\s*,?\s*{_HOUSE}\s*{_NUM})*                           # ..., кв. 12
    """
)

_SCHOOL_RU = r"(?:школ[аеыуой]|школами|гимнази[яиюей]|лице[йяюе]|лицеем|школ[аеыу]?-гимнази[яиюей]|интернат[аеу]?)"
SCHOOL = re.compile(
    rf"""(?ix)
    (?:
        {_SCHOOL_RU}(?:\s*-\s*\w+)?\s*(?:№|N|No\.?|номер|\#)\s*\d+
        | (?:№|N)\s*\d+\s*{_SCHOOL_RU}
        | {_SCHOOL_RU}\s+\d+
        | \d+\s*-?\s*(?:ші|шы|інші|ынші)?\s*-?\s*(?:мектеп|гимназия|лицей)\w*    # 12-мектеп, 12-ші мектепте
        | (?:№|N)\s*\d+\s*(?:мектеп|мектеп-гимназия|гимназия|лицей)\w*
        | (?:мектеп|мектеп-гимназия)\w*\s*(?:№|N|нөмір)\s*\d+
        | school\s*(?:No\.?|number|№|\#)?\s*\d+
        | (?:No\.?|№|\#)\s*\d+\s+school
        | \d+(?:st|nd|rd|th)?\s+school
    )
    """
)


def iin_is_valid(digits: str) -> bool:
    """The IIN's check digit (two weight rounds, modulo 11) and a plausible birth date in its first six digits."""
    d = [int(c) for c in re.sub(r"\D", "", digits)]
    if len(d) != 12:
        return False
    month, day = d[2] * 10 + d[3], d[4] * 10 + d[5]
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    check = sum(w * x for w, x in zip(range(1, 12), d[:11], strict=True)) % 11
    if check == 10:
        check = sum(w * x for w, x in zip([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2], d[:11], strict=True)) % 11
        if check == 10:
            return False
    return check == d[11]


def find(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, kind) of every identifier, possibly overlapping (the caller keeps the best)."""
    for m in EMAIL.finditer(text):
        yield m.start(), m.end(), "email"
    for m in IIN.finditer(text):
        # Every 12-digit number is proposed: a mistyped or misheard IIN still identifies; the checksum is for display.
        yield m.start(), m.end(), "iin"
    for m in PHONE.finditer(text):
        if len(re.sub(r"\D", "", m.group())) in {10, 11}:
            yield m.start(), m.end(), "phone"
    for m in LOCAL_PHONE.finditer(text):
        yield m.start(), m.end(), "phone"
    for m in SCHOOL.finditer(text):
        yield m.start(), _trim(text, m.start(), m.end()), "school"
    for m in ADDRESS.finditer(text):
        end = _trim(text, m.start(), m.end())
        if re.search(r"\d", text[m.start() : end]) or re.search(_STREET_RU + "|" + _STREET_KK, m.group(), re.I):
            yield m.start(), end, "address"


def _trim(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in " ,.-":
        end -= 1
    return end
