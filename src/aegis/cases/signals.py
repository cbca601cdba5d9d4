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
