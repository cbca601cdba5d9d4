"""Signals other apps listen to. Sent inside the transaction that wrote the assessment, so
a receiver's writes (an alert rule's alert) stand or fall with it."""

from __future__ import annotations

from django.dispatch import Signal

# A new assessment's level is above the case's previous one (or it is the first): kwargs
# assessment and previous_level (a Level code, or None). Alert rules listen to it.
level_raised = Signal()
