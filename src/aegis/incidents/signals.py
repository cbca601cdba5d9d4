"""Signals other apps listen to. Sent inside the transaction that wrote the record, so a
receiver's writes (an alert rule's alert) stand or fall with it."""

from __future__ import annotations

from django.dispatch import Signal

# An act was recorded in an incident: kwargs incident, act and people (the victims on file,
# cases.Person rows). Alert rules on incidents listen to it.
act_recorded = Signal()
