"""Staff contact channels for alerts: written by the person or the administrator, read by the
person and by the alert service, never by the administrator (who holds no key).

Every write seals the channels under a fresh data key, wrapped to the person's keypair and
the alert service keypair: sealing needs only public keys, so the administrator can replace
channels without being able to read the old ones. The previous key is shredded."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aegis.audit import services as audit
from aegis.rules import RuleError
from aegis.vault import normalise
from aegis.vault import services as vault
from aegis.vault.keychain import Keychain, NoKeyAccess, current_or_none, unlocked
from aegis.vault.selectors import keypair_for_user, open_records
from aegis.vault.service_keys import service_keypair

from .models import StaffChannels, User

logger = logging.getLogger(__name__)

KEY_PURPOSE = "staff-channels"
# Field name → the alert channel it serves, in the order a step without channels tries them.
FIELDS = {"email": "email", "phone": "sms", "signal": "signal", "matrix": "matrix"}
LABELS = {
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone for SMS"),
    "signal": gettext_lazy("Signal number"),
    "matrix": gettext_lazy("Matrix id"),
}


def problems(values: Mapping[str, str]) -> list[RuleError]:
    """Every value that is no address of its kind, each on its input, so that a form says all
    of them at once."""
    cleaned = {name: (values.get(name) or "").strip() for name in FIELDS}
    found = []
    if cleaned["email"]:
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            found.append(RuleError(_("Write an email address, e.g. desk@example.org."), "email"))
    for name in ("phone", "signal"):
        if cleaned[name] and not normalise.is_possible_phone(cleaned[name], mobile=True):
            found.append(
                RuleError(
                    _(
                        "Write the whole mobile number, with its country code, e.g. "
                        "+57 300 123 4567."
                    ),
                    name,
                )
            )
    if cleaned["matrix"] and not (cleaned["matrix"].startswith("@") and ":" in cleaned["matrix"]):
        found.append(RuleError(_("Write a Matrix id as @name:server.org."), "matrix"))
    return found


def _clean(values: Mapping[str, str]) -> dict[str, str]:
    if found := problems(values):
        raise found[0]
    return {name: (values.get(name) or "").strip() for name in FIELDS}


@transaction.atomic
def set_channels(user: User, values: Mapping[str, str], *, actor_id: int | None) -> None:
    """Replace the person's channels (an empty value clears that channel)."""
    cleaned = _clean(values)
    holders = [k for k in (keypair_for_user(user.pk), service_keypair()) if k is not None]
    if len(holders) < 2:
        raise RuleError(
            _(
                "This instance has no alert service key, or this person has no keys yet, so "
                "their contact channels cannot be sealed. Ask the administrator to run "
                "'aegis init'."
            )
        )
    existing = StaffChannels.objects.select_for_update().filter(user=user).first()
    old_key = existing.data_key_id if existing is not None else None
    # A key context of its own: the writer need not hold (or be able to open) the old key.
    with unlocked(Keychain({}, actor_id=actor_id)):
        data_key = vault.create_data_key(KEY_PURPOSE, holders)
        row = existing or StaffChannels(user=user)
        row.data_key = data_key
        for name, value in cleaned.items():
            setattr(row, name, value)
        row.kinds = ",".join(FIELDS[n] for n, v in cleaned.items() if v)
        row.save()
    if old_key is not None:
        vault.shred(old_key, actor_id=actor_id)
    audit.record("user.contact_change", actor_id=actor_id, object_type="user", object_id=user.pk)


# --- Reading ---------------------------------------------------------------------------------


def channels_set(user: Any) -> list[tuple[str, bool]]:
    """(label, whether set) for each channel: what the administrator may see."""
    row = StaffChannels.objects.filter(user=user).first()
    kinds = set(row.kinds.split(",")) if row is not None else set()
    return [(str(LABELS[name]), FIELDS[name] in kinds) for name in FIELDS]


@dataclass(frozen=True)
class Addresses:
    by_channel: dict[str, str]  # alert channel → address

    def in_order(self, order: tuple[str, ...] = ()) -> tuple[tuple[str, str], ...]:
        """The step's channels first, in its order, then the person's other channels: staff
        are reached wherever they can be."""
        ranked = [c for c in order if c in self.by_channel]
        ranked += [c for c in self.by_channel if c not in ranked]
        return tuple((c, self.by_channel[c]) for c in ranked)


def addresses_of(user: Any) -> Addresses | None:
    """The person's channels in clear; needs a key context holding their channel key (their
    own keychain, or the alert service's). None when nothing is set."""
    row = StaffChannels.objects.filter(user=user).first()
    if row is None or not row.kinds:
        return None
    open_records([row])
    try:
        found = {FIELDS[n]: getattr(row, n) for n in FIELDS}
    except NoKeyAccess:
        # Sealed to a service key since replaced (`aegis init` after a wipe): unreachable
        # until the person saves their channels again; the alert then needs a human.
        logger.warning("Staff channels of user %s cannot be opened by this key", row.user_id)
        return None
    return Addresses({c: a for c, a in found.items() if a})


def own_values(user: Any) -> dict[str, str]:
    """Current values for the person's own form (their keychain opens them)."""
    row = StaffChannels.objects.filter(user=user).first()
    if row is None or current_or_none() is None:
        return {}
    open_records([row])
    return {name: getattr(row, name) for name in FIELDS}


def reachable(users: QuerySet[Any]) -> QuerySet[Any]:
    """Those who have at least one channel: the one rule for "alerts can reach this person",
    used by the policy check and by the sending side alike."""
    return users.filter(staff_channels__isnull=False).exclude(staff_channels__kinds="")
