"""The audit log names each action in words, in the admin's language, never by its code."""

import re
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation

from facilitation.models.audit import ACTION_LABELS, AuditEvent
from facilitation.policy import Action, audit


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


def test_an_export_of_a_whole_log_is_listed_without_a_stray_target(db):
    """Exports act on no single record: the audit row says so with an empty target, not "None #"."""

    user = get_user_model().objects.create_user("evaluator-x", password="x")
    event = audit(user, Action.EXPORT_SESSION_LOG, None, True)
    event.refresh_from_db()
    assert (event.target_type, event.target_id, event.target_label) == ("", "", "")
    with translation.override("en"):
        assert "None" not in str(event)
        assert str(event).endswith("Exporting the session log") or "None" not in str(event)
