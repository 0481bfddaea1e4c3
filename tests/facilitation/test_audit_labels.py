"""The audit log names each action in words, in the admin's language, never by its code."""

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

from facilitation.models.audit import ACTION_LABELS, AuditEvent
from facilitation.policy import Action


def audited_codes() -> set[str]:
    """Every action code the platform writes to the audit log: the policy's actions and the direct audit() calls."""
    codes = {action.value for action in Action}
    for folder in ("facilitation", "media_tools", "stories"):
        for path in (Path(settings.BASE_DIR) / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            codes.update(re.findall(r"""\baudit\(\s*[\w.]+,\s*["']([a-z_]+\.[a-z_]+)["']""", text))
    return codes


def test_every_audited_action_has_a_name():
    assert audited_codes() - ACTION_LABELS.keys() == set()


def test_the_audit_log_shows_the_action_in_the_admin_language():
    event = AuditEvent(action="session.view_safeguarding_note", actor_label="admin", target_label="S-1", allowed=True)
    with translation.override("en"):
        assert event.get_action_display() == "Reading a safeguarding note"
        assert "session.view_safeguarding_note" not in str(event)
