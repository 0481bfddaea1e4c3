"""Signals other apps listen to. Receivers return a list of human-readable lines for the withdrawal report."""

from django.dispatch import Signal

# Sent after a withdrawal record is saved: participant, withdrawn (set of Scope values), actor.
consent_withdrawn = Signal()
