"""Word forms: stripping Kazakh, Russian and English endings off a token, spelling-independent skeletons, and
putting a replacement into the same form.

Kazakh is agglutinative: a name takes endings in a fixed order (endearment, plural, possessive, case, then
predicate endings and particles), each with variants chosen by vowel harmony and the preceding sound. Stripping
accepts every variant in every position (recall matters more than grammar here); re-rendering a replacement
chooses the right variant for the replacement's own last sound. Russian uses pymorphy3 (loaded once per process).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass


def _split(text: str) -> list[str]:
    """Words of a data block (one string per list keeps the lists readable)."""
    return text.split()


# --------------------------------------------------------------------------- Kazakh endings, in order

# Each tier: morpheme class -> variants. Order of tiers = order in the word.
KK_TIERS: tuple[tuple[str, dict[str, tuple[str, ...]]], ...] = (
    ("patr", {"PATR_M": ("ұлы", "улы"), "PATR_F": ("қызы", "кызы")}),
    ("endear", {"JAN": ("жан",), "TAI": ("тай",)}),
    ("pl", {"PL": ("лар", "лер", "дар", "дер", "тар", "тер")}),
    (
        "poss",
        {
            "P1PL": ("ымыз", "іміз", "мыз", "міз"),
            "P2F": ("ыңыз", "іңіз", "ңыз", "ңіз"),
            "P1": ("ым", "ім", "м"),
            "P2": ("ың", "ің", "ң"),
            "P3": ("сы", "сі", "ы", "і"),
        },
    ),
    (
        "case",
        {
            "GEN": ("ның", "нің", "дың", "дің", "тың", "тің"),
            "DAT": ("ға", "ге", "қа", "ке", "на", "не", "а", "е"),
            "ACC": ("ны", "ні", "ды", "ді", "ты", "ті", "н"),
            "LOC": ("нда", "нде", "да", "де", "та", "те"),
            "ABL": ("нан", "нен", "дан", "ден", "тан", "тен"),
            "INS": ("мен", "бен", "пен", "менен", "бенен", "пенен"),
            "SIM": ("дай", "дей", "тай", "тей"),
            "EQU": ("ша", "ше"),
            "REL": ("дағы", "дегі", "тағы", "тегі", "ндағы", "ндегі"),
            "BEL": ("дікі", "тікі", "нікі", "дыкі", "ныкі"),
        },
    ),
    (
        "pred",
        {
            "COP": ("мын", "мін", "бын", "бін", "пын", "пін", "сың", "сің", "сыз", "сіз", "мыз", "міз", "быз", "біз"),
            # particles "да/де", "ба/ма", "ғой" are written apart; "-ақ" is joined
            "PART": ("ақ", "ау"),
        },
    ),
)

KK_SUFFIXES: dict[str, str] = {}  # variant -> class
for _tier, _classes in KK_TIERS:
    for _cls, _variants in _classes.items():
        for _v in _variants:
            KK_SUFFIXES.setdefault(_v, _cls)

RU_ENDINGS = tuple(
    sorted(
        set(
            _split(
                """
а я у ю ом ем ём ой ей е и ы ою ею ым им ых их ами ями ам ям ах ях ов ев ию ии ия ием ью ья ьи ьей ого его ому ему
ая яя ую юю ое ее ые ие ыми ими
"""
            )
        ),
        key=len,
        reverse=True,
    )
)
RU_PATRONYMIC = ("ович", "евич", "ич", "овна", "евна", "ична", "инична")
#: Russian endearments a name takes before its case ending: "Ерланчик", "Асемка", "Айгеримочка", "Серикушка".
RU_DIMINUTIVE = ("чик", "чика", "ик", "ка", "очка", "ечка", "ушка", "юшка", "енька", "онька", "уля", "уся", "ша", "ня")

# Kazakh voicing before a vowel: Серік -> Серігі.
_DEVOICE = {"г": "к", "ғ": "қ", "б": "п"}


@dataclass(frozen=True)
class Form:
    """One way to read a token: ``stem`` + endings, with how the endings were recognised."""

    stem: str
    ending: str  # the surface endings as written
    system: str  # "kk", "ru", "en" or "" (bare)
    morphemes: tuple[tuple[str, str], ...] = ()  # (class, surface) for Kazakh


@functools.lru_cache(maxsize=65536)
def forms(token: str) -> tuple[Form, ...]:
    """Every (stem, endings) reading of ``token`` under Kazakh, Russian and English rules, the bare token first."""
    found: dict[tuple[str, str], Form] = {}
    found[(token, "")] = Form(token, "", "")
    for form in _kk_forms(token):
        found.setdefault((form.stem, form.system), form)
    for form in _ru_forms(token):
        found.setdefault((form.stem, form.system), form)
    for form in _en_forms(token):
        found.setdefault((form.stem, form.system), form)
    return tuple(found.values())


def _kk_forms(token: str) -> list[Form]:
    lower = token.lower()
    readings: list[tuple[int, tuple[tuple[str, str], ...]]] = [(len(lower), ())]  # (stem length, morphemes)
    for _tier, classes in reversed(KK_TIERS):
        new = list(readings)
        for length, morphemes in readings:
            stem = lower[:length]
            for cls, variants in classes.items():
                for v in variants:
                    if stem.endswith(v) and length - len(v) >= 2:
                        new.append((length - len(v), ((cls, token[length - len(v) : length]), *morphemes)))
        readings = new
    out = []
    for length, morphemes in readings:
        if not morphemes:
            continue
        stem = token[:length]
        out.append(Form(stem, token[length:], "kk", morphemes))
        if stem[-1:].lower() in _DEVOICE:
            voiceless = _DEVOICE[stem[-1].lower()]
            out.append(
                Form(
                    stem[:-1] + (voiceless.upper() if stem[-1].isupper() else voiceless),
                    token[length:],
                    "kk",
                    morphemes,
                )
            )
    return out


def _ru_forms(token: str) -> list[Form]:
    lower = token.lower()
    out = []
    stems = [(len(lower), "")]
    for end in RU_ENDINGS:
        if lower.endswith(end) and len(lower) - len(end) >= 2:
            stems.append((len(lower) - len(end), end))
    for length, _ in list(stems):
        for patr in RU_PATRONYMIC + RU_DIMINUTIVE:
            if lower[:length].endswith(patr) and length - len(patr) >= 3:
                stems.append((length - len(patr), lower[length - len(patr) :]))
    for length, _ in stems:
        if length < len(token):
            out.append(Form(token[:length], token[length:], "ru"))
    return out


def _en_forms(token: str) -> list[Form]:
    m = re.fullmatch(r"(.+?)(['’]s|s['’]|['’])", token)
    if m and len(m.group(1)) >= 2:
        return [Form(m.group(1), m.group(2), "en")]
    if re.fullmatch(r"[A-Za-z]{3,}s", token):  # "the Abdullayevs"
        return [Form(token[:-1], "s", "en")]
    return []


def name_stems(name: str) -> set[str]:
    """The forms of a base name a stripped token can equal: the name, and the name without its Russian ending."""
    lower = name.lower()
    stems = {lower}
    for end in ("ий", "ия", "ая", "яя", "ой", "ый"):
        if lower.endswith(end) and len(lower) - 2 >= 3:
            stems.add(lower[:-2])
    if lower[-1:] in "аяьйоеы" and len(lower) - 1 >= 3:
        stems.add(lower[:-1])
    return stems


# --------------------------------------------------------------------------- spelling-independent skeletons

_CYR_TO_LAT = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "e", "ж": "j", "з": "z",
    "и": "i", "й": "i", "і": "i", "к": "k", "қ": "k", "л": "l", "м": "m", "н": "n", "ң": "n", "о": "o", "ө": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "u", "ү": "u", "ф": "f", "х": "h", "һ": "h", "ц": "c",
    "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "iu", "я": "ia",
}  # fmt: skip
_LAT_FOLD = {
    "ä": "a", "á": "a", "ğ": "g", "ǵ": "g", "ı": "i", "í": "i", "ï": "i", "ñ": "n", "ń": "n", "ö": "o", "ó": "o",
    "ū": "u", "ü": "u", "ú": "u", "ş": "sh", "ç": "ch", "q": "k", "w": "u", "x": "h", "y": "i", "j": "j",
}  # fmt: skip


@functools.lru_cache(maxsize=65536)
def skeleton(word: str) -> str:
    """A rough spelling-independent key: "Ерлан", "Yerlan" and "Erlan" share one, as do "Әсем", "Assem", "Asem"."""
    text = word.lower().replace("’", "").replace("'", "")
    out = []
    for ch in text:
        if ch in _CYR_TO_LAT:
            out.append(_CYR_TO_LAT[ch])
        else:
            out.append(_LAT_FOLD.get(ch, ch))
    s = "".join(out)
    s = s.replace("zh", "j").replace("kh", "h").replace("ts", "c").replace("dj", "j")
    s = re.sub(r"[^a-z]", "", s)
    s = re.sub(r"(.)\1+", r"\1", s)
    if s.startswith("ie"):
        s = s[1:]
    s = re.sub(r"([aeiou])ie", r"\1e", s)  # "Abdullayev" / "Абдуллаев"
    s = s.replace("ii", "i")
    return s


# --------------------------------------------------------------------------- Kazakh re-rendering

_BACK = set("аоұыяуё")
_FRONT = set("әеөүіэи")
_VOWELS = _BACK | _FRONT
_SONORANT = set("рйу")  # take л-/н- variants like vowels
_NASAL = set("мнң")
_VOICED_ZH = set("зж")
_LIQUID_L = set("л")


def _harmony(stem: str) -> str:
    for ch in reversed(stem.lower()):
        if ch in _BACK:
            return "back"
        if ch in _FRONT:
            return "front"
    return "back"


def _last_sound(stem: str) -> str:
    ch = stem.lower()[-1:] if stem else "а"
    if ch in _VOWELS:
        return "vowel"
    if ch in _SONORANT:
        return "sonorant"
    if ch in _NASAL:
        return "nasal"
    if ch in _VOICED_ZH or ch in _LIQUID_L:
        return "voiced"
    return "voiceless"


def _pick(back: str, front: str, stem: str) -> str:
    return back if _harmony(stem) == "back" else front


def _render(cls: str, surface: str, stem: str, previous: str) -> str:  # noqa: PLR0911, PLR0912
    """The variant of morpheme ``cls`` that follows ``stem`` (``previous`` is the class just before it)."""
    if cls.startswith("PATR"):
        return surface.lower()
    sound = _last_sound(stem)
    after_p3 = previous == "P3"
    after_p12 = previous in {"P1", "P2"}
    b = _harmony(stem) == "back"
    if cls == "PL":
        head = "л" if sound in {"vowel", "sonorant"} else "д" if sound in {"nasal", "voiced"} else "т"
        return head + ("ар" if b else "ер")
    if cls == "GEN":
        head = "н" if sound in {"vowel", "nasal"} else "д" if sound in {"sonorant", "voiced"} else "т"
        return head + ("ың" if b else "ің")
    if cls == "ACC":
        if after_p3:
            return "н"
        head = "н" if sound == "vowel" else "д" if sound in {"sonorant", "nasal", "voiced"} else "т"
        return head + ("ы" if b else "і")
    if cls == "DAT":
        if after_p3:
            return "на" if b else "не"
        if after_p12:
            return "а" if b else "е"
        return ("ға" if b else "ге") if sound != "voiceless" else ("қа" if b else "ке")
    if cls in {"LOC", "REL"}:
        base = "нда" if after_p3 else ("та" if sound == "voiceless" else "да")
        if not b:
            base = base.replace("а", "е")
        return base + (("ғы" if b else "гі") if cls == "REL" else "")
    if cls == "ABL":
        head = "н" if after_p3 or sound == "nasal" else "т" if sound == "voiceless" else "д"
        return head + ("ан" if b else "ен")
    if cls == "INS":
        if sound in {"vowel", "sonorant", "nasal"} or after_p3 or previous in {"P1", "P2", "P1PL", "P2F"}:
            return "мен"
        return "бен" if sound == "voiced" else "пен"
    if cls == "P1":
        return "м" if sound == "vowel" else _pick("ым", "ім", stem)
    if cls == "P2":
        return "ң" if sound == "vowel" else _pick("ың", "ің", stem)
    if cls == "P3":
        return _pick("сы", "сі", stem) if sound == "vowel" else _pick("ы", "і", stem)
    if cls == "P1PL":
        return _pick("мыз", "міз", stem) if sound == "vowel" else _pick("ымыз", "іміз", stem)
    if cls == "P2F":
        return _pick("ңыз", "ңіз", stem) if sound == "vowel" else _pick("ыңыз", "іңіз", stem)
    return _swap_harmony(surface.lower(), b)


def _swap_harmony(surface: str, back: bool) -> str:
    pairs = {"ы": "і", "а": "е", "ұ": "ү", "о": "ө", "ғ": "г", "қ": "к"}
    if back:
        pairs = {v: k for k, v in pairs.items()}
    return "".join(pairs.get(ch, ch) for ch in surface)


def kazakh_inflect(word: str, morphemes: tuple[tuple[str, str], ...]) -> str:
    """``word`` (a replacement's last word) with the same chain of Kazakh endings as the original token."""
    out = word
    previous = ""
    for cls, surface in morphemes:
        out += _render(cls, surface, out, previous)
        previous = cls
    return out


# --------------------------------------------------------------------------- Russian inflection

_CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct", "voct", "gen2", "acc2", "loc2")


@functools.cache
def _morph():  # noqa: ANN202
    import pymorphy3  # noqa: PLC0415 - heavy dictionaries, loaded once per process when Russian is needed

    return pymorphy3.MorphAnalyzer()


#: Cases a Russian preposition governs, to choose among a name's ambiguous readings.
PREPOSITION_CASES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("в", "во", "на", "о", "об", "обо", "при"), ("loct", "accs")),
    **dict.fromkeys(("у", "из", "от", "до", "без", "для", "около", "возле", "после", "кроме", "из-за"), ("gent",)),
    **dict.fromkeys(("к", "ко", "по"), ("datv",)),
    **dict.fromkeys(("с", "со", "за", "под", "над", "перед", "между"), ("ablt", "gent", "accs")),
    **dict.fromkeys(("про", "через"), ("accs",)),
}


@functools.lru_cache(maxsize=16384)
def russian_parse(token: str, lemma: str = "", preposition: str = "") -> tuple[str, str, str]:
    """(case, number, gender) of a Russian name-like token; ("", "", "") if unknown.

    With ``lemma`` (the base name it was matched to) only readings of that name count: "Ерлану" is the dative
    of "Ерлан", not the accusative of a name "Ерлана".
    """
    parses = _morph().parse(token)
    if lemma:
        wanted = {skeleton(s) for s in name_stems(lemma)}
        parses = [p for p in parses if skeleton(p.normal_form) in wanted] or parses
    if not parses:
        return "", "", ""

    governed = PREPOSITION_CASES.get(preposition.lower(), ())

    def score(item: tuple[int, object]) -> tuple[int, int, int, int]:
        order, p = item
        tag = p.tag  # type: ignore[attr-defined]
        named = bool({"Name", "Surn", "Patr"} & set(tag.grammemes))
        fits = tag.case in governed if governed else True
        return (0 if fits else 1, 0 if tag.number != "plur" else 1, 0 if named else 1, order)

    best = min(enumerate(parses), key=score)[1]
    return str(best.tag.case or ""), str(best.tag.number or ""), str(best.tag.gender or "")


@functools.lru_cache(maxsize=16384)
def russian_gender(token: str) -> str:
    """Gender of a name in its base form ("Абдуллаева" is feminine), "" when unknown."""
    parses = _morph().parse(token)
    for p in sorted(parses, key=lambda p: 0 if p.tag.case == "nomn" else 1):
        if {"Name", "Surn", "Patr"} & set(p.tag.grammemes) and p.tag.gender in {"masc", "femn"}:
            return str(p.tag.gender)
    return ""


def russian_inflect(phrase: str, case: str, number: str = "sing") -> str:
    """``phrase`` with each declinable noun or name put into ``case`` (kept as is where pymorphy3 cannot)."""
    if not case or case == "nomn":
        return phrase
    words = phrase.split(" ")
    out = []
    for i, word in enumerate(words):
        if not re.fullmatch(r"[А-Яа-яЁё-]+", word) or (i > 0 and _is_tail_word(words, i)):
            out.append(word)
            continue
        parses = _morph().parse(word)
        chosen = next((p for p in parses if {"Name", "Surn"} & set(p.tag.grammemes) and p.tag.case == "nomn"), None)
        chosen = chosen or next((p for p in parses if p.tag.POS in {"NOUN", "ADJF"} and p.tag.case == "nomn"), None)
        if chosen is None:
            out.append(word)
            continue
        grammemes = {case}
        if number == "plur" and "Sgtm" not in chosen.tag.grammemes:
            grammemes.add("plur")
        new = chosen.inflect(grammemes)
        out.append(_same_case_pattern(word, new.word) if new else word)
    return " ".join(out)


def _is_tail_word(words: list[str], i: int) -> bool:
    """Words after a preposition stay as they are: "село у реки" inflects only "село"."""
    return any(w.lower() in {"у", "на", "возле", "около", "под", "за"} for w in words[1 : i + 1])


def _same_case_pattern(model: str, word: str) -> str:
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def match_capitalisation(model: str, word: str) -> str:
    """``word`` capitalised like ``model`` (all caps stays all caps; a lower-case original keeps ``word`` as is)."""
    if model.isupper() and len(model) > 1:
        return word.upper()
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


_TO_LATIN = {
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "і": "i", "к": "k", "қ": "k", "л": "l", "м": "m", "н": "n", "ң": "n", "о": "o", "ө": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "u", "ү": "u", "ф": "f", "х": "kh", "һ": "h", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip


def to_latin(text: str) -> str:
    """Kazakh/Russian Cyrillic in the spelling English texts use ("Данияр" -> "Daniyar", "Сәуле" -> "Saule")."""
    out = []
    for ch in text:
        lat = _TO_LATIN.get(ch.lower())
        if lat is None:
            out.append(ch)
        else:
            out.append(lat.capitalize() if ch.isupper() else lat)
    return "".join(out)
