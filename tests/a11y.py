"""Accessibility checks with axe-core in a real browser, shared by every Playwright test.

    from tests.a11y import assert_no_serious_violations
    assert_no_serious_violations(page, "kk-family-who")

runs axe-core (the copy bundled with axe-playwright-python, so nothing is fetched) on the page as it is now and fails
on any *critical* or *serious* violation, naming the rule, the elements and axe's help text. On failure the full axe
report (JSON), a readable summary and a screenshot are written to test-artifacts/ as `axe-<label>.*`.

Violations in Wagtail's own admin markup, which this project cannot change, are accepted only through
`WAGTAIL_CORE_ALLOWLIST` below: one entry per rule, limited to the elements it names, each with the reason. Nothing in
a template of ours belongs there: fix the template instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
BLOCKING_IMPACTS = frozenset({"critical", "serious"})


@dataclass(frozen=True)
class Allowed:
    """A violation accepted on purpose: `rule` (axe rule id) on elements whose CSS target or opening markup contains
    `target` (axe's generated selector does not always name the class, so the element's HTML is searched too)."""

    rule: str
    target: str
    reason: str

    def covers(self, rule: str, node: dict) -> bool:
        if rule != self.rule:
            return False
        opening = node.get("html", "").split(">", 1)[0]
        return self.target in opening or any(self.target in _target_text(t) for t in node.get("target", []))


# Wagtail-core admin markup we cannot change from our templates. Keep each entry as narrow as possible and say why.
WAGTAIL_CORE_ALLOWLIST: tuple[Allowed, ...] = (
    # Page editor, rich text in a StreamField block: Draftail's contenteditable (role="textbox") gets no
    # aria-label/aria-labelledby from Wagtail 8.0's block rendering; its visible block label is not linked to it.
    # The element is created by Wagtail's bundled JavaScript (draftail.js), not by any template of ours.
    Allowed(
        "aria-input-field-name",
        "public-DraftEditor-content",
        "Wagtail core: Draftail editor in StreamField blocks has no accessible name (Wagtail's JS builds it)",
    ),
    # Page editor side panel: Wagtail's minimap (the outline of the form) is a scrollable <ol> that is not itself
    # focusable; its items are buttons, but axe sees the list before they are focusable while it is collapsed.
    Allowed(
        "scrollable-region-focusable",
        "w-minimap__list",
        "Wagtail core: the page editor's minimap list (wagtailadmin/shared/side_panels, built by Wagtail's JS)",
    ),
)


def _target_text(target) -> str:
    # A target is a CSS selector, or a list of selectors when the element sits inside a shadow root or an iframe.
    return " ".join(target) if isinstance(target, list) else str(target)


def _axe_script() -> str:
    from axe_playwright_python.base import AXE_SCRIPT  # noqa: PLC0415 (heavy, optional: loaded only by the tests that use it)

    return AXE_SCRIPT


def run_axe(page, context: dict | None = None) -> dict:
    """axe-core's results for the page as it stands (violations only)."""
    page.evaluate(_axe_script())
    options = {"resultTypes": ["violations"]}
    return page.evaluate(
        "([context, options]) => axe.run(context || document, options)",
        [context, options],
    )


def blocking_violations(results: dict, allow: Iterable[Allowed] = ()) -> list[dict]:
    """Critical and serious violations, less the nodes an allowlist entry covers."""
    allow = tuple(allow)
    blocking = []
    for violation in results.get("violations", []):
        if violation.get("impact") not in BLOCKING_IMPACTS:
            continue
        nodes = [n for n in violation["nodes"] if not any(a.covers(violation["id"], n) for a in allow)]
        if nodes:
            blocking.append({**violation, "nodes": nodes})
    return blocking


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:10]:
            lines.append(f"    {_target_text(node['target'])}: {node['html'][:200]}")
            summary = node.get("failureSummary", "").replace("\n", " ")
            if summary:
                lines.append(f"        {summary[:300]}")
        if len(v["nodes"]) > 10:
            lines.append(f"    … and {len(v['nodes']) - 10} more")
    return "\n".join(lines)


def _slug(label: str) -> str:
    return re.sub(r"[^a-zA-Z0-9]+", "-", label).strip("-").lower() or "page"


def assert_no_serious_violations(
    page,
    label: str,
    *,
    allow: Iterable[Allowed] = WAGTAIL_CORE_ALLOWLIST,
    context: dict | None = None,
) -> dict:
    """Fail when axe finds a critical or serious violation on `page`; `label` names the artefacts on failure.

    `context` narrows the check (axe's include/exclude), e.g. {"exclude": [["#some-widget"]]}; prefer `allow`.
    Returns axe's results, for tests that want to look further.
    """
    results = run_axe(page, context)
    blocking = blocking_violations(results, allow)
    if blocking:
        ARTIFACTS.mkdir(exist_ok=True)
        name = f"axe-{_slug(label)}"
        (ARTIFACTS / f"{name}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
        (ARTIFACTS / f"{name}.txt").write_text(f"{label} ({page.url})\n{describe(blocking)}\n", encoding="utf-8")
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        raise AssertionError(
            f"axe-core: {len(blocking)} critical/serious violation(s) on {label} ({page.url}); "
            f"report in test-artifacts/{name}.json\n{describe(blocking)}"
        )
    return results
