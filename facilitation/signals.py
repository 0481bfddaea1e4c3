"""Signals other apps listen to. Receivers return a list of human-readable lines for the report."""

from django.dispatch import Signal

# Sent after a withdrawal record is saved: participant, withdrawn (set of Scope values), actor. Kept for listeners
# that care about the withdrawal itself; what must come down is decided by `consent_changed` (facilitation.reconcile).
consent_withdrawn = Signal()

# Sent by `facilitation.reconcile.reconcile`: participants (a list, or None for everyone), actor, reason.
# Receivers take down whatever the *current* consent state no longer covers and return report lines.
consent_changed = Signal()

# Sent after a session is saved with its attendees and pairs (a ClusterableModel writes those after post_save).
session_saved = Signal()

# Sent by `facilitation.subject_access.export_family`: family, bundle (a SubjectAccessBundle), participant_ids,
# recording_ids (the family's own recordings whose material is theirs alone). Receivers (media_tools, stories) add
# what they hold about the family with `bundle.add_json` / `bundle.add_file`.
subject_access_requested = Signal()

# Sent by `facilitation.retention.purge_family` before a family's recordings are deleted: family, recordings (a
# list), actor. Receivers delete what they derived from them (transcripts, exports, jobs) and return report lines.
recordings_purging = Signal()

# Sent by facilitation when a recording is added: a recording uploaded by staff, or the recordings of a family's
# submission once a facilitator accepts it. kwargs: recording, actor (who it is added for: the staff user, or
# `policy.SYSTEM` for a family's submission). media_tools starts transcription where the policy allows it (the one
# place automatic transcription starts); a receiver returns True when it started something.
recording_added = Signal()
