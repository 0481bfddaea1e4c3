"""Small-count suppression: pure functions, attacked by subtraction and by brute force."""

import itertools
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facilitation.evaluation.suppression import (
    COMPLEMENTARY,
    IMPLICIT,
    PRIMARY,
    PUBLISHED,
    Line,
    Shown,
    default_min_width,
    feasible_intervals,
    hierarchy_lines,
    suppress,
)

K = 5


def tree_table(sites: list[list[int]]):
    """A country of regions of sites: values and lines, as indicators.py builds them."""
    values = {"all": sum(map(sum, sites))}
    children = {"all": []}
    for r, region in enumerate(sites):
        values[f"R{r}"] = sum(region)
        children["all"].append(f"R{r}")
        children[f"R{r}"] = []
        for s, value in enumerate(region):
            values[f"R{r}S{s}"] = value
            children[f"R{r}"].append(f"R{r}S{s}")
    return values, hierarchy_lines(children)


def subtraction_attack(values, lines, status):
    """What an evaluator works out from every published total by subtracting the published parts, repeatedly."""
    known = {key: values[key] for key, s in status.items() if s == PUBLISHED}
    progress = True
    while progress:
        progress = False
        for line in lines:
            members = [line.total, *line.parts]
            unknown = [m for m in members if m not in known]
            if len(unknown) == 1:
                (m,) = unknown
                parts = sum(known[p] for p in line.parts if p in known)
                known[m] = known[line.total] - parts if m != line.total else parts
                progress = True
    return known


def brute_force(values, lines, status, k, cap):
    """Every integer assignment of the hidden elements consistent with the lines and the labels (tree tables).

    Complementary elements are tried up to `cap` only: fewer solutions than the attacker has, so a stricter test.
    """
    hidden = [key for key, s in status.items() if s != PUBLISHED]
    domains = {}
    for key in hidden:
        if status[key] == PRIMARY:
            domains[key] = range(0, k)
        else:
            domains[key] = range(k if status[key] == COMPLEMENTARY else 0, cap + 1)
    # Sites are the free variables; regions and the country follow from them.
    leaves = [key for key in values if key.count("S") == 1 and key.startswith("R")]
    choices = [domains[key] if key in domains else [values[key]] for key in leaves]
    feasible = {key: set() for key in hidden}
    for combo in itertools.product(*choices):
        guess = dict(zip(leaves, combo, strict=True))
        for line in reversed(lines):  # regions first, then the country
            guess[line.total] = sum(guess[p] for p in line.parts)
        if all((guess[key] in domains[key]) if key in domains else guess[key] == values[key] for key in values):
            for key in hidden:
                feasible[key].add(guess[key])
    return feasible


def test_small_counts_and_zero_are_hidden_and_labelled():
    values, lines = tree_table([[12, 3], [20, 0]])
    status = suppress(values, lines, K)
    assert status["R0S1"] == PRIMARY and status["R1S1"] == PRIMARY
    assert str(Shown(3, status["R0S1"], K)) == "<5"
    assert str(Shown(0, status["R1S1"], K)) == "<5"
    # One hidden cell per line would be given away by subtraction: its neighbour is hidden too.
    assert status["R0S0"] == COMPLEMENTARY and status["R1S0"] == COMPLEMENTARY
    assert str(Shown(12, status["R0S0"], K)) == "×"
    assert status["all"] == PUBLISHED


def test_nothing_hidden_when_every_count_is_large_enough():
    values, lines = tree_table([[12, 30], [20, 9]])
    assert set(suppress(values, lines, K).values()) == {PUBLISHED}


def test_k_one_hides_nothing():
    values, lines = tree_table([[1, 0], [2, 3]])
    assert set(suppress(values, lines, 1).values()) == {PUBLISHED}


def test_subtracting_from_every_published_total_recovers_no_small_count():
    cases = [
        [[12, 3], [20, 0]],
        [[1, 1], [1, 1]],
        [[4], [30, 2, 7]],
        [[6, 1, 9], [3], [15, 15, 15]],
        [[5, 5], [5, 4]],
        [[0, 0, 40], [2, 50]],
    ]
    for sites in cases:
        values, lines = tree_table(sites)
        status = suppress(values, lines, K)
        naive = {key: values[key] for key, s in status.items() if s == PUBLISHED}
        known = subtraction_attack(values, lines, status)
        for key, value in values.items():
            if value < K:
                assert key not in known, (sites, key, status)
        assert known.keys() >= naive.keys()


def test_the_same_table_is_always_suppressed_the_same_way():
    """Two different patterns for one table could be combined to recover a value."""
    code = (
        "import sys; sys.path[:0] = ['.', 'tests/facilitation'];"
        "from test_evaluation_suppression import tree_table, suppress;"
        "v, l = tree_table([[6, 1, 9], [3], [15, 15, 15], [2, 2, 30]]);"
        "print(sorted(suppress(v, l, 5).items()))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={"PYTHONHASHSEED": str(seed)},
            cwd=Path(__file__).resolve().parents[2],
        ).stdout
        for seed in (1, 2, 3)
    }
    assert len(outputs) == 1 and outputs.pop().startswith("[")


def test_totals_equal_to_one_small_part_are_hidden():
    # A region whose only site is small: the region total is the same small count and is hidden as such.
    values, lines = tree_table([[3], [30, 40]])
    status = suppress(values, lines, K)
    assert status["R0"] == PRIMARY and status["R0S0"] == PRIMARY
    assert subtraction_attack(values, lines, status).get("R0") is None


def test_a_small_complement_is_protected_too():
    # 20 participants, 18 agreed to publish photos: "18 of 20" would say 2 did not.
    values = {"n": 20, "with": 18, "without": 2}
    lines = [Line("n", ("with", "without"))]
    status = suppress(values, lines, K, implicit={"without"})
    assert status["without"] == IMPLICIT
    assert status["with"] != PUBLISHED or status["n"] != PUBLISHED
    intervals = feasible_intervals(values, lines, status, K)
    assert intervals["without"][1] - intervals["without"][0] >= default_min_width(K)


site_values = st.lists(st.lists(st.integers(0, 14), min_size=1, max_size=3), min_size=1, max_size=3)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sites=site_values, k=st.sampled_from([3, 5]))
def test_brute_force_cannot_pin_down_a_small_count(sites, k):
    values, lines = tree_table(sites)
    status = suppress(values, lines, k)
    for key, value in values.items():
        assert (status[key] == PRIMARY) == (value < k)
    hidden_leaves = sum(1 for key in values if key.count("S") == 1 and status[key] != PUBLISHED)
    if hidden_leaves > 5:
        return  # too many combinations to enumerate quickly; the smaller cases cover the logic
    cap = max(values.values()) + k
    feasible = brute_force(values, lines, status, k, cap)
    for key, value in values.items():
        if value < k:
            options = feasible[key]
            assert value in options
            assert len(options) >= 2, (sites, key, status, options)
            assert max(options) - min(options) >= default_min_width(k), (sites, key, status, options)


@settings(max_examples=60, deadline=None)
@given(sites=site_values)
def test_propagation_is_exact_on_trees(sites):
    """The attack the suppressor audits with is as strong as brute force on these tables."""
    values, lines = tree_table(sites)
    status = suppress(values, lines, K)
    hidden_leaves = sum(1 for key in values if key.count("S") == 1 and status[key] != PUBLISHED)
    if hidden_leaves > 4:
        return
    cap = max(values.values()) + K
    feasible = brute_force(values, lines, status, K, cap)
    intervals = feasible_intervals(values, lines, status, K)
    for key, options in feasible.items():
        if status[key] == PRIMARY:
            assert (min(options), max(options)) == intervals[key], (sites, key)


def test_exports_show_labels_not_numbers():
    assert Shown(3, PRIMARY, 5).export() == "<5"
    assert Shown(30, COMPLEMENTARY, 5).export() == "×"
    assert Shown(30, PUBLISHED, 5).export() == 30
    assert Shown(2.345, PUBLISHED, 5).export() == 2.35
