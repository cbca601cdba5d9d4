"""What accounts asks of the apps built on it, without importing them. Each hook has one slot,
filled by the app that answers it from its AppConfig.ready:

- the duress word at sign-in (alerts): accounts knows that "<password> <duress word>" may be
  typed, alerts knows whose word it is and raises the silent alert;
- the compartments a role change leaves (cases): accounts changes the role, cases knows the
  person's memberships and removes them with their record keys;
- `role_changed`, a signal any app may receive (monitoring takes back the keys it sealed to
  the old role);
- `reactivated`, likewise (monitoring learns that keys sealed to the role while the account
  was inactive never reached it).

An empty slot means the app is not installed: no duress word, no compartment."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.dispatch import Signal

# Sent by lifecycle.change_role inside its transaction, the new role in force:
# user=..., actor_id=... . Keys sealed to a role are taken back by the app that sealed them.
role_changed = Signal()
# Sent by lifecycle.reactivate inside its transaction: user=..., actor_id=... . Keys sealed to
# a role's active holders while the account was inactive did not reach it.
reactivated = Signal()


@dataclass(frozen=True)
class DuressCheck:
    # The password part of "<password> <duress word>" when what follows a space is the duress
    # word of the person linked to the account; else None.
    password_under_duress: Callable[[Any, str], str | None]
    # The sign-in succeeded with the duress word: raise the silent alert.
    signed_in_under_duress: Callable[[Any], None]


@dataclass(frozen=True)
class Compartments:
    # The compartments the person is a member of (each with a `name`).
    of: Callable[[Any], Iterable[Any]]
    # Remove the person from one, with the record keys wrapped to them: (compartment, user,
    # actor_id=...).
    leave: Callable[..., None]


@dataclass
class _Slots:
    duress: DuressCheck | None = None
    compartments: Compartments | None = None


_slots = _Slots()


def register_duress_check(check: DuressCheck) -> None:
    _slots.duress = check


def register_compartments(compartments: Compartments) -> None:
    _slots.compartments = compartments


def password_under_duress(user: Any, typed: str) -> str | None:
    check = _slots.duress
    return None if check is None else check.password_under_duress(user, typed)


def signed_in_under_duress(user: Any) -> None:
    if _slots.duress is not None:
        _slots.duress.signed_in_under_duress(user)


def compartments_of(user: Any) -> list[Any]:
    hook = _slots.compartments
    return [] if hook is None else list(hook.of(user))


def leave_compartment(compartment: Any, user: Any, *, actor_id: int | None) -> None:
    if _slots.compartments is not None:
        _slots.compartments.leave(compartment, user, actor_id=actor_id)
