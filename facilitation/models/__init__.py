"""Programme data. Who may do what with any of it is answered by `facilitation.policy.may`, never here."""

from .audit import AuditEvent
from .consent import ConsentFormVersion, ConsentRecord, Scope
from .programme import LANGUAGE_CHOICES, Family, Participant, Region, Site
from .recordings import Recording, private_storage
from .sessions import SessionPair, StorySession

__all__ = [
    "AuditEvent",
    "ConsentFormVersion",
    "ConsentRecord",
    "Family",
    "LANGUAGE_CHOICES",
    "Participant",
    "Recording",
    "Region",
    "Scope",
    "SessionPair",
    "Site",
    "StorySession",
    "private_storage",
]
