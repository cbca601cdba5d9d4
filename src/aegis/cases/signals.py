"""Signals other apps listen to. Sent inside the transaction that links or unlinks, by
someone holding the compartment's keys, so a receiver can seal (or revoke) what its own
records need: the safety app seals the plan's key to the defender's account."""

from __future__ import annotations

from django.dispatch import Signal

# A defender's account was linked to a person: kwargs person, account, actor_id. A receiver
# may raise NoKeyAccess (the caseworker lacks a key): then nothing is linked.
account_linked = Signal()

# The link was removed: kwargs person, account (no longer linked), actor_id. Receivers revoke
# what the link granted.
account_unlinked = Signal()

# A case moved to another compartment (its key re-sealed to the new members): kwargs case,
# from_compartment, to_compartment, actor_id. Receivers move the records they file by
# compartment beside the case (the risk app: the case's assessments).
case_moved = Signal()
