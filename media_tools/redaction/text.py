"""Pseudonymisation proposals for excerpt text (kk, ru, en).

Recall comes first: a name that slips through is published, a wrong proposal costs an editor one click. So the
family's known names are matched in every form any of the three languages could give them (the excerpt may switch
language mid-sentence), through spelling-independent skeletons (Cyrillic or Latin, Kazakh or Russian letters).
Other names and places come from natasha's NER, a gazetteer, the places the caller passes in, and capitalised words
inside sentences; identifiers from patterns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from media_tools.redaction import gazetteer, identifiers, morph, ner

KINDS = ("family_name", "person", "place", "phone", "iin", "address", "school", "email")
LANGUAGES = ("kk", "ru", "en")


@dataclass(frozen=True)
class KnownPerson:
    """A member of the family whose real name must not be published."""

    key: str  # stable id, e.g. the participant code
    names: tuple[str, ...]  # real given name(s), surname, patronymic as typed by staff, any script
    pseudonym: str  # the replacement to propose


@dataclass(frozen=True)
class Proposal:
    """One span of the text that identifies someone, and what to put there instead."""

    start: int
    end: int
    text: str
    kind: str
    replacement: str
    person_key: str = ""


def apply(text: str, replacements: Sequence[tuple[int, int, str]]) -> str:
    """Replace each ``(start, end)`` span of ``text`` by its new text; spans must not overlap."""
    parts: list[str] = []
    pos = 0
    for start, end, new in sorted(replacements):
        if start < pos or end < start or end > len(text):
            raise ValueError(f"bad or overlapping span ({start}, {end})")
        parts.append(text[pos:start])
        parts.append(new)
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


# --------------------------------------------------------------------------- tokens

TOKEN = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*(?:['’]s\b|(?<=s)['’])?")
_SENTENCE_END = ".!?…\n"
_OPENERS = " \t\"'«»“”„‘’—–-(["


@dataclass
class _Token:
    start: int
    end: int
    text: str
    initial: bool  # first word of a sentence
    forms: list[morph.Form] = field(default_factory=list)

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper()


def _tokens(text: str) -> list[_Token]:
    out = []
    for m in TOKEN.finditer(text):
        i = m.start() - 1
        quoted = False
        while i >= 0 and text[i] in _OPENERS:
            quoted = quoted or not text[i].isspace()
            i -= 1
        # a sentence starts at the beginning, after . ! ? …, and in direct speech after a colon: Ол: «Балалар...
        initial = i < 0 or text[i] in _SENTENCE_END or (text[i] == ":" and quoted)
        out.append(_Token(m.start(), m.end(), m.group(), initial))
    return out


# --------------------------------------------------------------------------- labels

# Lower number wins an overlap.
_PRIORITY = {"email": 0, "iin": 1, "phone": 2, "address": 3, "school": 3, "family_name": 4, "place_arg": 5}
_OTHER_PRIORITY = 6


@dataclass
class _Label:
    kind: str  # "family_name", "place", "person", "country"
    priority: int
    person: KnownPerson | None = None
    form: morph.Form | None = None
    key: str = ""  # consistency key for other people
    gender: str = ""
    lemma: str = ""  # the base name it was matched to


class _Index:
    """Skeleton -> what it names, for the family's names and the gazetteers."""

    def __init__(self, people: Sequence[KnownPerson], places: Sequence[str]):
        # skeleton -> [(person, is the whole name, the name word)]; one surname may belong to several members
        self.people: dict[str, list[tuple[KnownPerson, bool, str]]] = {}
        self.exact: set[str] = set()  # the stems as written (lower case): an exact reading beats a skeleton one
        self.common: set[str] = set()  # skeletons of family names that are also ordinary words
        for person in people:
            for name in person.names:
                for word in _words(name):
                    full = morph.skeleton(word)
                    if word.lower() in gazetteer.COMMON_WORD_NAMES:
                        self.common.add(full)
                    for stem in morph.name_stems(word):
                        sk = morph.skeleton(stem)
                        if len(sk) < 2:
                            continue
                        self.exact.add(stem)
                        self.people.setdefault(sk, []).append((person, sk == full, word))
        self.place_phrases: list[list[set[str]]] = []
        tails = {w.lower() for w in gazetteer.PLACE_TAILS}
        for place in places:
            # "Қызылжар ауылы" is also said "Қызылжарда": match the name without its "ауылы"/"облысы"/"region"
            # (the tail joins the proposal when it follows), and the whole name when it has no such word.
            words = [w for w in _words(place) if w.lower() not in tails] or _words(place)
            if not words:
                continue
            self.place_phrases.append([{morph.skeleton(s) for s in morph.name_stems(w)} for w in words])
        self.places = _skeleton_set(gazetteer.PLACES)
        self.region_adjectives = _skeleton_set(gazetteer.RUSSIAN_REGION_ADJECTIVES)
        self.countries = _skeleton_set(gazetteer.CONFLICT_COUNTRIES)
        self.home = _skeleton_set(gazetteer.COUNTRIES_NOT_FLAGGED)
        self.exact_other = {
            s
            for words in (gazetteer.PLACES, gazetteer.RUSSIAN_REGION_ADJECTIVES, gazetteer.CONFLICT_COUNTRIES)
            for w in words
            for s in morph.name_stems(w)
        } | {s for name in {**gazetteer.KAZAKH_NAMES, **gazetteer.LATIN_NAMES} for s in morph.name_stems(name)}
        self.names: dict[str, str] = {}
        self.canonical: dict[str, str] = {}  # skeleton of a name's stem -> skeleton of the name
        for name, gender in {**gazetteer.KAZAKH_NAMES, **gazetteer.LATIN_NAMES}.items():
            for stem in morph.name_stems(name):
                self.names.setdefault(morph.skeleton(stem), gender)
                self.canonical.setdefault(morph.skeleton(stem), morph.skeleton(name))
        self.tails = {morph.skeleton(w) for w in gazetteer.PLACE_TAILS}


def _skeleton_set(words: Iterable[str]) -> set[str]:
    return {morph.skeleton(s) for w in words for s in morph.name_stems(w)}


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[\s,]+", name.strip()) if w]


def _form_skeletons(token: _Token) -> list[tuple[str, morph.Form]]:
    return [(morph.skeleton(f.stem), f) for f in token.forms]


def _rank(form: morph.Form, language: str) -> tuple[int, int]:
    """Prefer the reading that strips least, then the text's own grammar (a mixed-language text has both)."""
    return (len(form.ending), 0 if form.system in ("", language) else 1)


def _family_label(token: _Token, index: _Index, language: str) -> _Label | None:
    candidates = _family_candidates(token, index, language)
    return candidates[0][1] if candidates else None


def _family_candidates(token: _Token, index: _Index, language: str) -> list[tuple[tuple[int, int, int, int], _Label]]:
    """Every family member the token may name, best reading first."""
    found: list[tuple[tuple[int, int, int, int], _Label]] = []
    for sk, form in _form_skeletons(token):
        for person, is_full, word in index.people.get(sk, ()):
            if len(sk) < 3 and form.system:
                continue  # two-letter stems with endings stripped would match too much
            if not is_full and form.system != "ru":
                continue  # "Алии" -> "Али" (Алия): truncated stems only with a Russian ending
            if not token.capitalised and (sk in index.common or len(sk) < 4):
                continue  # "алма" is an apple unless capitalised
            exact = 0 if form.stem.lower() in index.exact else 1
            shared = len({p.key for p, _f, _w in index.people.get(sk, ())}) > 1
            rank = (exact, *_rank(form, language), 0 if not shared or _same_gender(token, word) else 1)
            found.append((rank, _Label("family_name", _PRIORITY["family_name"], person=person, form=form, lemma=word)))
    found.sort(key=lambda item: item[0])
    return found


def _same_gender(token: _Token, word: str) -> bool:
    """ "Абдуллаевой" is the mother's surname, not the father's, though both stems are "абдуллаев"."""
    if not _CYRILLIC.search(token.text) or not _CYRILLIC.search(word):
        return True
    gender = morph.russian_parse(token.text, word)[2]
    return not gender or gender == morph.russian_gender(word)


_CYRILLIC = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")


def _gazetteer_hit(token: _Token, index: _Index, language: str) -> tuple[str, morph.Form, str] | None:
    """("person"|"place"|"country"|"home", form, gender) when a stripped form of the token is a known word."""

    def order(item: tuple[str, morph.Form]) -> tuple[int, int, int]:
        return (0 if item[1].stem.lower() in index.exact_other else 1, *_rank(item[1], language))

    for sk, form in sorted(_form_skeletons(token), key=order):
        if len(sk) < 3:
            continue
        if sk in index.home:
            return "home", form, ""
        if sk in index.countries:
            return "country", form, ""
        if sk in index.places or sk in index.region_adjectives:
            return "place", form, ""
        if sk in index.names:
            return "person", form, index.names[sk]
    return None


def _not_a_name(token: _Token, language: str) -> bool:
    stop = gazetteer.NOT_NAMES.get(language, set()) | gazetteer.NOT_NAMES["kk"] | gazetteer.NOT_NAMES["ru"]
    if language == "en":
        stop = stop | gazetteer.NOT_NAMES["en"]
    lower = token.text.lower()
    if lower in stop:
        return True
    for form in token.forms:
        if form.system and form.stem.lower() in stop and len(form.stem) >= 3:
            return True
    head = token.text.split("-")[0]
    return bool(head.isupper() and len(head) > 1)  # acronyms: ЖСН, ЖСН-ім, КНБ, UNICEF


_EN_PLACE_CUES = {"in", "from", "to", "at", "near", "into", "of", "around", "outside"}
_RU_PLACE_CUES = {"в", "во", "из", "на", "под", "около", "возле", "до", "через"}


def _guess_kind(tokens: list[_Token], i: int, language: str) -> str:
    """Person or place for a capitalised word nobody knows: prepositions and Kazakh locative endings say place."""
    token = tokens[i]
    previous = tokens[i - 1].text.lower() if i > 0 else ""
    if language == "en" and previous in _EN_PLACE_CUES:
        return "place"
    if language == "ru" and previous in _RU_PLACE_CUES:
        return "place"
    if language == "kk":
        for form in token.forms:
            if form.system == "kk" and form.morphemes and form.morphemes[-1][0] in {"LOC", "REL"}:
                return "place"
    return "person"


# --------------------------------------------------------------------------- propose


def propose(text: str, language: str, people: Sequence[KnownPerson] = (), places: Sequence[str] = ()) -> list[Proposal]:
    """Spans of ``text`` that identify the family, each with a proposed replacement.

    ``language`` is the text's language ("kk", "ru" or "en"; it picks the replacements and the heuristics for
    other names). ``people`` are the family's members with their real names and pseudonyms, ``places`` the real
    site and region names. Returns non-overlapping proposals sorted by ``start``.
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")
    index = _Index(people, places)
    tokens = _tokens(text)
    for token in tokens:
        token.forms = list(morph.forms(token.text))

    # Identifiers first: they win every overlap.
    spans: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(identifiers.find(text), key=lambda s: (_PRIORITY[s[2]], -(s[1] - s[0]))):
        if not any(start < e and s < end for s, e, _k in spans):
            spans.append((start, end, kind))
    taken = [(s, e) for s, e, _k in spans]

    def free(token: _Token) -> bool:
        return not any(token.start < e and s < token.end for s, e in taken)

    labels: dict[int, _Label] = {}
    _label_places_arg(tokens, index, labels, language)
    entities = _entities(text, language)
    for i, token in enumerate(tokens):
        if not free(token):
            labels.pop(i, None)
            continue
        family = _family_label(token, index, language)
        if family is not None:
            labels[i] = family
            continue
        if i in labels:
            continue
        other = _other_label(tokens, i, language, index, entities)
        if other is not None:
            labels[i] = other

    _prefer_neighbours(tokens, labels, index, language)
    proposals = [Proposal(s, e, text[s:e], k, gazetteer.IDENTIFIER_REPLACEMENT[k][language]) for s, e, k in spans]
    proposals += _runs(text, tokens, labels, language, index, people)
    proposals.sort(key=lambda p: p.start)
    return proposals


def _prefer_neighbours(tokens: list[_Token], labels: dict[int, _Label], index: _Index, language: str) -> None:
    """A shared surname next to a given name belongs to that person: "Ерлана Абдуллаева" is Ерлан's, not his wife's."""
    for i, label in list(labels.items()):
        if label.kind != "family_name":
            continue
        neighbours = [labels.get(j) for j in (i - 1, i + 1)]
        people = [n.person for n in neighbours if n is not None and n.kind == "family_name" and n.person is not None]
        if not people or label.person in people:
            continue
        for _order, candidate in _family_candidates(tokens[i], index, language):
            if candidate.person in people:
                labels[i] = candidate
                break


def _label_places_arg(tokens: list[_Token], index: _Index, labels: dict[int, _Label], language: str) -> None:
    """The caller's places ("Түркістан облысы", "Сарыағаш"), word by word in any form."""
    for phrase in index.place_phrases:
        n = len(phrase)
        for i in range(len(tokens) - n + 1):
            window = tokens[i : i + n]
            if all(
                any(morph.skeleton(f.stem) in want for f in tok.forms) for tok, want in zip(window, phrase, strict=True)
            ):
                last = window[-1]
                form = min(
                    (f for f in last.forms if morph.skeleton(f.stem) in phrase[-1]), key=lambda f: _rank(f, language)
                )
                for j in range(i, i + n):
                    labels[j] = _Label("place", _PRIORITY["place_arg"], form=form if j == i + n - 1 else None)


def _entities(text: str, language: str) -> dict[int, str]:
    """Character offset -> "PER"/"LOC"/"ORG" for every character natasha tags (Cyrillic text only)."""
    if language == "en" or not re.search(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]", text):
        return {}
    tagged: dict[int, str] = {}
    for start, end, kind in ner.entities(text):
        if kind in {"PER", "LOC", "ORG"}:
            for c in range(start, end):
                tagged[c] = kind
    return tagged


def _other_label(tokens: list[_Token], i: int, language: str, index: _Index, entities: dict[int, str]) -> _Label | None:
    token = tokens[i]
    if not token.capitalised or len(token.text) < 2:
        return None
    hit = _gazetteer_hit(token, index, language)
    if hit is not None and hit[0] == "home":
        return None
    if _not_a_name(token, language) and hit is None:
        return None
    tagged = entities.get(token.start)
    if hit is None and _looks_like_a_brand_or_organisation(tokens, i, language):
        return None
    if hit is not None:
        kind, form, gender = hit
        if token.initial and token.text.lower() in gazetteer.COMMON_WORD_NAMES:
            return None  # "Алма ағашы бар": an apple tree
        sk = morph.skeleton(form.stem)
        key = index.canonical.get(sk, sk)
        return _Label(kind, _OTHER_PRIORITY, form=form, key=key, gender=gender, lemma=form.stem)
    if token.initial and not (language == "ru" and tagged):
        return None  # a capitalised first word says nothing (natasha is reliable enough in Russian)
    if tagged == "ORG":
        return None  # «Мейірім» the foundation, not a person
    if tagged == "LOC":
        kind = "place"
    elif tagged == "PER":
        kind = "person"
    else:
        kind = _guess_kind(tokens, i, language)
    form = _base_form(token, language)
    return _Label(kind, _OTHER_PRIORITY, form=form, key=_name_key(token))


def _name_key(token: _Token) -> str:
    """One key for all forms of a name nobody listed ("Гульмира", "Гульмиру", "Гульмиры"): its shortest stem."""
    stems = [f.stem for f in token.forms if f.system in {"ru", "en"} and len(f.stem) >= 3]
    stems += [f.stem for f in token.forms if f.system == "kk" and len(f.morphemes) == 1 and len(f.stem) >= 3]
    return morph.skeleton(min(stems, key=len) if stems else token.text)


def _looks_like_a_brand_or_organisation(tokens: list[_Token], i: int, language: str) -> bool:
    """YouTube, TikTok; "Adaptation Centre", "Football Cup"; Latin words inside Kazakh or Russian text."""
    token = tokens[i]
    if any(ch.isupper() for ch in token.text[1:]) and not token.text.isupper():
        return True  # CamelCase: YouTube, WhatsApp, iPhone
    if language in {"kk", "ru"} and not _CYRILLIC.search(token.text):
        return True
    organisation = gazetteer.ORGANISATION_WORDS
    if token.text.lower() in organisation:
        return True
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    return bool(nxt and nxt.capitalised and nxt.text.lower() in organisation)


def _base_form(token: _Token, language: str) -> morph.Form:
    """The reading used to key and re-inflect a name nobody listed: Russian lemma, Kazakh case ending off."""
    if language == "ru" and re.search(r"[А-Яа-яЁё]", token.text):
        for form in token.forms:
            if form.system == "ru":
                return form
    if language == "en":
        for form in token.forms:
            if form.system == "en":
                return form
    kk = [f for f in token.forms if f.system == "kk" and len(f.morphemes) == 1 and len(f.stem) >= 3]
    kk = [f for f in kk if f.morphemes[0][0] in {"GEN", "DAT", "ACC", "LOC", "ABL", "INS", "REL"}]
    if kk:
        return min(kk, key=lambda f: len(f.ending))
    return token.forms[0]


# --------------------------------------------------------------------------- runs and replacements


def _runs(
    text: str,
    tokens: list[_Token],
    labels: dict[int, _Label],
    language: str,
    index: _Index,
    people: Sequence[KnownPerson],
) -> list[Proposal]:
    """Join neighbouring tokens with the same label into one proposal ("Ерлан Абдуллаев", "Түркістан облысы")."""
    groups: list[tuple[list[int], _Label]] = []
    for i in sorted(labels):
        label = labels[i]
        if groups:
            prev_ids, prev = groups[-1]
            j = prev_ids[-1]
            gap = text[tokens[j].end : tokens[i].start]
            same = prev.kind == label.kind and (prev.person is label.person) and (j == i - 1)
            if same and re.fullmatch(r"[\s-]{0,2}", gap):
                prev_ids.append(i)
                groups[-1] = (prev_ids, label if label.form is not None else prev)
                continue
        groups.append(([i], label))
    # Place tails: "Түркістан облысы", "Шымкентская область", "Almaty region".
    for ids, label in groups:
        if label.kind not in {"place", "country"}:
            continue
        nxt = ids[-1] + 1
        if (
            nxt < len(tokens)
            and nxt not in labels
            and re.fullmatch(r"\s{1,2}", text[tokens[ids[-1]].end : tokens[nxt].start])
            and any(morph.skeleton(f.stem) in index.tails for f in tokens[nxt].forms)
        ):
            ids.append(nxt)

    used = {morph.skeleton(s) for p in people for n in p.names for s in _words(n)}
    used |= {morph.skeleton(w) for p in people for w in _words(p.pseudonym)}
    used |= {morph.skeleton(t.text) for t in tokens}
    pseudonyms: dict[str, str] = {}
    out = []
    for ids, label in groups:
        first, last = tokens[ids[0]], tokens[ids[-1]]
        span_text = text[first.start : last.end]
        if label.kind == "family_name" and label.person is not None:
            base = label.person.pseudonym
            kind, key = "family_name", label.person.key
        elif label.kind in {"place", "country"}:
            table = gazetteer.COUNTRY_REPLACEMENT if label.kind == "country" else gazetteer.PLACE_REPLACEMENT
            base, kind, key = table[language], "place", ""
        else:
            gender = label.gender or _gender(first, language)
            name_key = label.key or morph.skeleton(first.text)
            if name_key not in pseudonyms:
                pseudonyms[name_key] = _new_pseudonym(language, gender, used)
                used.add(morph.skeleton(pseudonyms[name_key]))
            base, kind, key = pseudonyms[name_key], "person", ""
        form = _form_for(last, label)
        if language == "en":
            base = morph.to_latin(base)
        first_label = labels.get(ids[0], label)
        before = text[: first.start].split()
        preposition = before[-1] if before else ""
        replacement = _inflect(base, form, first, last, language, label.kind, first_label.lemma, preposition)
        out.append(Proposal(first.start, last.end, span_text, kind, replacement, key))
    return out


def _form_for(token: _Token, label: _Label) -> morph.Form:
    if label.form is not None and token.text.startswith(label.form.stem[:1]) and token.text.endswith(label.form.ending):
        return label.form
    return token.forms[0]


def _inflect(  # noqa: PLR0913
    base: str,
    form: morph.Form,
    first: _Token,
    last: _Token,
    language: str,
    kind: str,
    lemma: str = "",
    preposition: str = "",
) -> str:
    """``base`` in the grammatical form the original had."""
    if form.system == "kk" and form.morphemes:
        words = base.split(" ")
        words[-1] = morph.kazakh_inflect(words[-1], form.morphemes)
        result = " ".join(words)
    elif form.system == "en":
        plural = form.ending == "s"  # "the Abdullayevs"
        result = base + ("s" if plural else "'" if base.endswith("s") else "'s")
    elif form.system == "ru" or (language == "ru" and re.search(r"[А-Яа-яЁё]", last.text)):
        patronymic = next((p for p in morph.RU_PATRONYMIC if form.ending.lower().startswith(p)), None)
        if patronymic and first is last and kind == "family_name":
            result = base + form.ending.lower()
        else:
            case, number, _gender = morph.russian_parse(first.text, lemma, preposition)
            result = morph.russian_inflect(base, case, number)
    else:
        result = base
    if kind in {"family_name", "person"}:
        return morph.match_capitalisation(first.text, result) if first.text.isupper() else result
    return morph.match_capitalisation(first.text, result) if first.initial else result


def _gender(token: _Token, language: str) -> str:
    if re.search(r"[А-Яа-яЁё]", token.text):
        gender = morph.russian_gender(token.text)
        if gender:
            return gender
    lower = token.text.lower()
    return "femn" if lower.endswith(("а", "я", "гүл", "гуль", "gul", "a")) else "masc"


def _new_pseudonym(language: str, gender: str, used: set[str]) -> str:
    choices = gazetteer.PSEUDONYMS[language]["femn" if gender == "femn" else "masc"]
    for name in choices:
        if morph.skeleton(name) not in used:
            return name
    return gazetteer.UNKNOWN_NAME_REPLACEMENT[language]
