"""Small-count suppression with complementary suppression, so that what an evaluator sees cannot single anyone out.

A table here is a set of *elements* (counts) tied by *lines*: `total = sum(parts)` (a region is the sum of its
sites, the country the sum of its regions; a participant count is those with a consent scope plus those without).

1. Primary suppression: every displayed count below k (zero included: "fewer than k") is shown as "<k".
2. Complementary suppression: a hidden count must not be recoverable from the published ones. The attacker we
   defend against knows every published value, that a "<k" cell lies in [0, k-1], that any other hidden cell is at
   least k (it would otherwise have been "<k"), and subtracts along every line, again and again (interval
   propagation), plus solves the lines as a linear system. While any small count is pinned to a single value, or
   narrowed to fewer than `min_width + 1` values, the smallest published count on a line through it is hidden
   too (totals last, since they are largest). Suppressing everything is always safe, so this terminates.
3. *Implicit* elements are never displayed but follow from the lines (e.g. the participants *without* a consent
   scope = all minus those with it). A small implicit count is protected the same way.

Everything is pure Python over small dicts (a few hundred cells), so it runs per request in milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

PUBLISHED = "published"
PRIMARY = "primary"  # shown as "<k"
COMPLEMENTARY = "complementary"  # hidden only to protect a small count; shown as "×"
IMPLICIT = "implicit"  # never shown, but derivable from the lines
TOO_FEW = "too_few"  # an average over fewer than k children; shown as "n<k"

INF = math.inf


@dataclass(frozen=True)
class Line:
    """`total == sum(parts)`, an identity an evaluator can use to subtract."""

    total: Hashable
    parts: tuple[Hashable, ...]


def hierarchy_lines(children: Mapping[Hashable, Iterable[Hashable]]) -> list[Line]:
    """Lines of a tree of totals, e.g. {"all": [regions...], region: [sites...]}. Childless nodes give no line."""
    return [Line(total, tuple(parts)) for total, parts in children.items() if tuple(parts)]


def default_min_width(k: int) -> int:
    """How many values (minus one) a hidden small count must still be able to take: about half of [0, k-1]."""
    return max(1, (k - 1) // 2)


def a_priori(status: str, value: int, k: int) -> tuple[float, float]:
    """What the attacker knows of an element from its label alone."""
    if status == PUBLISHED:
        return (value, value)
    if status == PRIMARY:
        return (0, k - 1)
    if status == COMPLEMENTARY:
        return (k, INF)
    return (0, INF)


def feasible_intervals(
    values: Mapping[Hashable, int], lines: Sequence[Line], status: Mapping[Hashable, str], k: int
) -> dict[Hashable, tuple[float, float]]:
    """The subtraction attack: repeatedly bound each element by every line it is on. Sound; exact on trees."""
    iv = {key: a_priori(status[key], values[key], k) for key in values}
    for _round in range(200):
        changed = False
        for line in lines:
            parts = line.parts
            lo_sum = sum(iv[p][0] for p in parts)
            hi_inf = sum(1 for p in parts if iv[p][1] == INF)
            hi_fin = sum(iv[p][1] for p in parts if iv[p][1] != INF)
            t_lo, t_hi = iv[line.total]
            updates = {line.total: (lo_sum, INF if hi_inf else hi_fin)}
            for p in parts:
                p_lo, p_hi = iv[p]
                others_lo = lo_sum - p_lo
                others_hi_inf = hi_inf - (1 if p_hi == INF else 0)
                others_hi = INF if others_hi_inf else hi_fin - (0 if p_hi == INF else p_hi)
                lo = -INF if others_hi == INF else t_lo - others_hi
                hi = t_hi - others_lo
                updates[p] = (lo, hi)
            for key, (lo, hi) in updates.items():
                old_lo, old_hi = iv[key]
                new = (max(old_lo, lo), min(old_hi, hi))
                if new != (old_lo, old_hi):
                    iv[key] = new
                    changed = True
        if not changed:
            break
    return iv


def linearly_determined(
    values: Mapping[Hashable, int], lines: Sequence[Line], status: Mapping[Hashable, str]
) -> set[Hashable]:
    """Hidden elements that the lines pin down exactly, as a linear system (catches what propagation misses)."""
    unknown = [key for key in values if status[key] != PUBLISHED]
    if not unknown:
        return set()
    column = {key: i for i, key in enumerate(unknown)}
    rows = []
    for line in lines:
        row = np.zeros(len(unknown))
        for key, sign in [(line.total, 1.0), *((p, -1.0) for p in line.parts)]:
            if key in column:
                row[column[key]] += sign
        if row.any():
            rows.append(row)
    if not rows:
        return set()
    matrix = np.array(rows)
    _u, singular, vh = np.linalg.svd(matrix)
    rank = int((singular > 1e-9).sum())
    null = vh[rank:]
    return {key for key, i in column.items() if not np.any(np.abs(null[:, i]) > 1e-9)}


def too_weak(
    values: Mapping[Hashable, int],
    lines: Sequence[Line],
    status: Mapping[Hashable, str],
    k: int,
    min_width: int,
) -> list[Hashable]:
    """The small counts the attacker narrows too much (empty when every one is protected).

    Interval propagation first (cheap); the linear-algebra check only once propagation finds nothing.
    """
    small = [key for key, value in values.items() if status[key] in (PRIMARY, IMPLICIT) and value < k]
    iv = feasible_intervals(values, lines, status, k)
    weak = [key for key in small if iv[key][1] - iv[key][0] < min_width]
    if weak:
        return weak
    exact = linearly_determined(values, lines, status)
    return [key for key in small if key in exact]


def suppress(
    values: Mapping[Hashable, int],
    lines: Sequence[Line],
    k: int,
    *,
    implicit: Collection[Hashable] = (),
    min_width: int | None = None,
) -> dict[Hashable, str]:
    """Status (PUBLISHED, PRIMARY, COMPLEMENTARY, IMPLICIT) of every element, protected as the module explains."""
    implicit = set(implicit)
    if k <= 1:
        return {key: IMPLICIT if key in implicit else PUBLISHED for key in values}
    min_width = default_min_width(k) if min_width is None else min_width
    status = {
        key: IMPLICIT if key in implicit else (PRIMARY if value < k else PUBLISHED) for key, value in values.items()
    }
    on_lines: dict[Hashable, list[Line]] = {}
    for line in lines:
        for key in (line.total, *line.parts):
            on_lines.setdefault(key, []).append(line)
    order = {key: i for i, key in enumerate(values)}
    for component in _components(values, lines):
        sub_values = {key: values[key] for key in values if key in component}  # a stable order: same table,
        # same pattern, every time (two different patterns of one table could be combined)
        sub_lines = [line for line in lines if line.total in component]
        while weak := too_weak(sub_values, sub_lines, status, k, min_width):
            # One complement per weak count whose lines nothing else touched this round (fewer audits, and
            # no more hidden than one at a time would hide).
            touched: set[Line] = set()
            added = False
            for key in weak:
                if touched & set(on_lines.get(key, ())):
                    continue
                candidate = _complement_for(key, values, on_lines, status, order)
                if candidate is not None:
                    status[candidate] = COMPLEMENTARY
                    touched.update(on_lines.get(candidate, ()))
                    added = True
            if not added:
                break  # everything connected is hidden already: nothing more to give away
    return status


def _components(values: Mapping[Hashable, int], lines: Sequence[Line]) -> list[set[Hashable]]:
    """Elements tied together by lines; each is protected on its own (cheaper, same result)."""
    parent = {key: key for key in values}

    def find(key):
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for line in lines:
        root = find(line.total)
        for part in line.parts:
            other = find(part)
            if other != root:
                parent[other] = root
    groups: dict[Hashable, set[Hashable]] = {}
    for key in values:  # dicts keep insertion order: components come in the order of their first element
        groups.setdefault(find(key), set()).add(key)
    return list(groups.values())


def _complement_for(key, values, on_lines, status, order) -> Hashable | None:
    """The smallest published count on a line through `key`, else further out along hidden elements."""
    seen_lines: set[Line] = set()
    frontier = [key]
    visited = {key}
    while frontier:
        candidates: list[tuple[int, int, int, Hashable]] = []
        next_frontier = []
        for element in frontier:
            for line in on_lines.get(element, []):
                if line in seen_lines:
                    continue
                seen_lines.add(line)
                for other in (line.total, *line.parts):
                    if status[other] == PUBLISHED:
                        candidates.append((values[other], other == line.total, order[other], other))
                    elif other not in visited:
                        visited.add(other)
                        next_frontier.append(other)
        if candidates:
            return min(candidates)[3]
        frontier = next_frontier
    return None


@dataclass(frozen=True)
class Shown:
    """One displayed count: the number, or a label saying it is hidden (and why)."""

    value: int | float | None
    status: str
    k: int

    @property
    def hidden(self) -> bool:
        return self.status != PUBLISHED

    def __str__(self) -> str:
        if self.status == PRIMARY:
            return f"<{self.k}"
        if self.status == TOO_FEW:
            return f"n<{self.k}"
        if self.status in (COMPLEMENTARY, IMPLICIT):
            return "×"
        if self.value is None:
            return "–"
        if isinstance(self.value, float):
            return f"{self.value:.1f}"
        return str(self.value)

    def export(self) -> int | float | str:
        """The exported cell: a number when published, otherwise the same label as on screen."""
        if self.hidden or self.value is None:
            return str(self)
        return round(self.value, 2) if isinstance(self.value, float) else self.value
