"""Programme data. Who may do what with any of it is answered by `facilitation.policy.may`, never here."""

from .audit import AuditEvent
from .consent import ConsentFormVersion, ConsentRecord, Scope
from .observations import ObservationRating
from .programme import LANGUAGE_CHOICES, Family, Participant, Region, Site
from .recordings import Recording, private_storage
from .sessions import SessionPair, StorySession
from .submissions import Invitation, Submission, SubmissionPhoto

__all__ = [
    "AuditEvent",
    "ConsentFormVersion",
    "ConsentRecord",
    "Family",
    "Invitation",
    "LANGUAGE_CHOICES",
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
