"""Programme data. Who may do what with any of it is answered by `facilitation.policy.may`, never here."""

from .audit import AuditEvent
from .concerns import Concern, ConcernUpdate, NotificationPreference
from .consent import ConsentFormVersion, ConsentRecord, Scope
from .observations import ObservationRating
from .programme import LANGUAGE_CHOICES, Family, Participant, Region, Site
from .recordings import Recording, private_storage
from .sessions import SessionPair, StorySession
from .submissions import Invitation, Submission, SubmissionPhoto
from .uploads import DraftUpload

__all__ = [
    "AuditEvent",
    "Concern",
    "ConcernUpdate",
    "ConsentFormVersion",
    "ConsentRecord",
    "DraftUpload",
    "Family",
    "Invitation",
    "LANGUAGE_CHOICES",
    "NotificationPreference",
    "ObservationRating",
    "Participant",
    "Recording",
    "Region",
    "Scope",
    "SessionPair",
    "Site",
    "StorySession",
    "Submission",
    "SubmissionPhoto",
    "private_storage",
]
