"""Signals other apps listen to. Sent inside the transaction that wrote the record, so a
receiver's writes (an alert rule's alert) stand or fall with it. And the exact days kept in
clear from before they were sealed, on wipe."""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal, receiver

from aegis.vault.services import Shredded, wiping

# An act was recorded in an incident: kwargs incident, act and people (the victims on file,
# cases.Person rows). Alert rules on incidents listen to it.
act_recorded = Signal()


@receiver(wiping)
def _forget_older_days(sender: Any, **kwargs: Any) -> Shredded:
    from .models import Incident
    from .services import forget_older_days

    return Shredded({"incident_days": forget_older_days()}, (Incident,))
