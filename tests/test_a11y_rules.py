"""The axe runner's verdict (tests/a11y.py): what blocks, and how narrowly the Wagtail-core allowlist reaches."""

from .a11y import WAGTAIL_CORE_ALLOWLIST, Allowed, blocking_violations


def violation(rule: str, impact: str, *nodes: tuple[str, str]) -> dict:
    return {
        "id": rule,
        "impact": impact,
        "help": rule,
        "helpUrl": "",
        "nodes": [{"target": [target], "html": html} for target, html in nodes],
    }


def test_only_critical_and_serious_violations_block():
    results = {
        "violations": [
            violation("label", "critical", ("#id_audio", '<input type="file" id="id_audio">')),
            violation("region", "moderate", ("p", "<p>")),
            violation("heading-order", "minor", ("h3", "<h3>")),
        ]
    }
    assert [v["id"] for v in blocking_violations(results)] == ["label"]


def test_allowlist_covers_only_its_rule_and_its_elements():
    draftail = ('div[aria-describedby="placeholder-1"]', '<div class="public-DraftEditor-content" role="textbox">')
    ours = ("#id_title", '<div id="id_title" role="textbox">')
    results = {"violations": [violation("aria-input-field-name", "serious", draftail, ours)]}
    blocking = blocking_violations(results, WAGTAIL_CORE_ALLOWLIST)
    assert [n["target"] for v in blocking for n in v["nodes"]] == [["#id_title"]]  # ours still fails
    # The same element under another rule is not excused.
    other = {"violations": [violation("color-contrast", "serious", draftail)]}
    assert blocking_violations(other, WAGTAIL_CORE_ALLOWLIST)


def test_every_allowlist_entry_says_why():
    for entry in WAGTAIL_CORE_ALLOWLIST:
        assert isinstance(entry, Allowed) and entry.rule and entry.target and "Wagtail" in entry.reason
