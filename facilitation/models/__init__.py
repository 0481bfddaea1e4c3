"""Programme data. Who may do what with any of it is answered by `facilitation.policy.may`, never here."""

from .audit import AuditEvent
from .concerns import Concern, ConcernUpdate, NotificationPreference
from .consent import ConsentFormVersion, ConsentRecord, Scope
from .excerpts import Excerpt, ExcerptProposal
from .observations import ObservationRating
from .programme import LANGUAGE_CHOICES, Family, Participant, Region, Site
from .recordings import Recording, private_storage
from .sessions import SessionPair, StorySession
from .submissions import Invitation, Submission, SubmissionPhoto
from .two_factor import TwoFactorSetupCode
from .uploads import DraftUpload

__all__ = [
    "AuditEvent",
    "Concern",
    "ConcernUpdate",
    "ConsentFormVersion",
    "ConsentRecord",
    "DraftUpload",
    "Excerpt",
    "ExcerptProposal",
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
    "TwoFactorSetupCode",
    "private_storage",
]
