"""The keys of monitoring records. An article (and its proposal) and a campaign each get a
key of their own, sealed to every analyst and every caseworker and coordinator, and to the
recovery key. Sealing needs only public keys, so the worker writes what it fetched with no
private key at all.

A person given one of these roles later receives the older keys from a colleague who holds
them: when a holder opens the monitoring queue or the campaigns, the keys they hold are
sealed to every role holder who lacks them (`pass_on`: a few hundred at each opening, the
newest first, so that the page stays quick); where no holder is left, the recovery key
passes them on offline (`aegis monitoring pass-on-keys`). A person whose role no longer
reads monitoring loses the wraps at the role change (`take_back`).

Whether anybody waits is asked at every opening of the queue, so it must not count every
key's wraps, which grow with the articles: a person found holding every live key is marked
(models.KeyHolder) and not asked about again, after one confirmation (SETTLE_AFTER)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet

from aegis import clock
from aegis.accounts import selectors as accounts
from aegis.roles import ROLE_PERMISSIONS
from aegis.vault import keychain, service_keys
from aegis.vault import selectors as vault_selectors
from aegis.vault import services as vault
from aegis.vault.models import DataKey, Keypair

from .models import KeyHolder

ARTICLE_PURPOSE = "monitoring-article"
CAMPAIGN_PURPOSE = "monitoring-campaign"
FINGERPRINT_PURPOSE = "monitoring-fingerprint"  # fingerprints.py
PURPOSES = (ARTICLE_PURPOSE, CAMPAIGN_PURPOSE, FINGERPRINT_PURPOSE)
HOLDING_PERMISSIONS = ("view_analytics", "view_cases")
# Longer than any write of a new key takes: a key sealed to the role's holders before a
# person was given the role, and written after they were marked, is found when the mark is
# confirmed this long after.
SETTLE_AFTER = datetime.timedelta(minutes=10)
# Keys passed on by one page view at most, newest first: about 80 ms of sealing here. At
# 100,000 articles, passing on every key at once held the first queue view after a newcomer
# joined for 16 s; the next views pass on the rest.
PASS_ON_AT_ONCE = 500


def new_key(purpose: str) -> DataKey:
    """A new key sealed to the monitoring roles and the recovery key."""
    return vault.create_data_key(purpose, holders())


def holders(also: Sequence[Keypair] = ()) -> list[Keypair]:
    """The keypairs a new monitoring key is sealed to: the monitoring roles', the recovery
    key, and `also` these."""
    found = list(
        vault_selectors.keypairs_of_users(accounts.user_ids_with_any(*HOLDING_PERMISSIONS))
    ) + list(also)
    if (recovery := vault.recovery_keypair()) is not None:
        found.append(recovery)
    return found


def pass_on(*, actor_id: int | None, purposes: Sequence[str] = PURPOSES) -> int:
    """Seal the monitoring keys (of `purposes`) the current key context holds to the analysts
    and case staff who lack them (given the role after those records were made), and the
    fingerprint key to an alert service key made after it. The worker runs it too, for the
    fingerprint key alone, at each poll: it holds that key, so a person given the role keys
    their fingerprints within one polling interval even if no colleague opens the queue.
    Returns the wraps made: PASS_ON_AT_ONCE at most to the people, the newest keys first,
    the rest at the next call. When everybody is marked as holding every key, no key is
    counted: one query asks who is not, and one the service key's."""
    chain = keychain.current_or_none()
    if chain is None or not chain.private_keys:
        return 0
    made = 0
    unsettled = list(_unsettled())
    if unsettled:
        # Asked of each unsettled person's keypair, newest keys first, with no count of
        # every key's wraps (0.27 s at 32,000 articles, on every view while anyone waits).
        made = vault.pass_on(purposes, unsettled, actor_id=actor_id, limit=PASS_ON_AT_ONCE)
        if (
            made < PASS_ON_AT_ONCE  # so none is left waiting for a later view
            and set(purposes) >= set(PURPOSES)
            and _holds_every_key(chain.private_keys.keys())
        ):
            # They now hold what this context holds: every live key.
            _settle([keypair.user_id for keypair in unsettled])
    if (service := service_keys.service_keypair()) is not None:
        made += vault.pass_on((FINGERPRINT_PURPOSE,), [service], actor_id=actor_id)
    return made


def _role_holders() -> QuerySet[Keypair]:
    return vault_selectors.keypairs_of_users(accounts.user_ids_with_any(*HOLDING_PERMISSIONS))


def _unsettled() -> QuerySet[Keypair]:
    """The role holders' keypairs not known to hold every key: never marked, or marked
    unconfirmed longer ago than SETTLE_AFTER."""
    settled = KeyHolder.objects.filter(
        Q(confirmed=True) | Q(marked_at__gt=clock.now() - SETTLE_AFTER)
    ).values("keypair_id")
    return _role_holders().exclude(pk__in=settled)


def _holds_every_key(keypair_ids: Any) -> bool:
    """Whether these keypairs (a key context's) hold every live monitoring key between
    them: one with a confirmed mark does; otherwise the keys are counted, and a role holder
    found holding them all is marked (or confirmed). An unconfirmed mark is not trusted here:
    the key it may lack would go unseen by those it confirms."""
    own = list(keypair_ids)
    if KeyHolder.objects.filter(keypair_id__in=own, confirmed=True).exists():
        return True
    live = DataKey.objects.filter(purpose__in=PURPOSES, shredded_at=None)
    if live.filter(wraps__keypair_id__in=own).distinct().count() < live.count():
        return False
    _settle(_role_holders().filter(pk__in=own).values_list("user_id", flat=True))
    return True


def _settle(user_ids: Any) -> None:
    """Mark these people's keypairs as holding every live key, or confirm the mark of those
    marked longer ago than SETTLE_AFTER."""
    now = clock.now()
    keypair_ids = list(vault_selectors.keypairs_of_users(user_ids).values_list("pk", flat=True))
    KeyHolder.objects.filter(
        keypair_id__in=keypair_ids, confirmed=False, marked_at__lte=now - SETTLE_AFTER
    ).update(confirmed=True)
    KeyHolder.objects.bulk_create(
        [KeyHolder(keypair_id=pk, marked_at=now) for pk in keypair_ids], ignore_conflicts=True
    )


def pass_on_with_recovery_key(recovery_key_text: str, user_ids: Any = None) -> int:
    """Offline key ceremony: every monitoring key is sealed to the recovery key too, so where
    no analyst or case staff member who holds them is left to pass them on, the recovery key
    does, to the role holders who lack them (only those of `user_ids`, if given). Returns the
    wraps made; vault.WrongPassphrase where the text is not this organisation's recovery
    key."""
    holders = accounts.user_ids_with_any(*HOLDING_PERMISSIONS)
    if user_ids is not None:
        holders = holders.filter(pk__in=user_ids)
    chain = vault.recovery_keychain(recovery_key_text)
    with keychain.unlocked(chain):
        waiting = vault_selectors.keypairs_lacking(PURPOSES, holders, held_by=chain.private_keys)
        made = vault.pass_on(PURPOSES, waiting, actor_id=None) if waiting else 0
        if _holds_every_key(chain.private_keys.keys()):
            _settle(holders)
        return made


def take_back(user: Any, *, actor_id: int | None) -> int:
    """After a role change: when the new role reads no monitoring, delete the person's wraps
    of monitoring keys. Returns how many went."""
    # From the role, not from has_perm: a deactivated analyst keeps their wraps.
    role = user.role
    if role is not None and set(HOLDING_PERMISSIONS) & ROLE_PERMISSIONS[role]:
        return 0
    keypair = vault_selectors.keypair_for_user(user.pk)
    if keypair is None:
        return 0
    KeyHolder.objects.filter(keypair=keypair).delete()
    return vault.revoke_purposes(PURPOSES, keypair, actor_id=actor_id)


def _role_changed(sender: Any, user: Any, actor_id: int | None, **kwargs: Any) -> None:
    take_back(user, actor_id=actor_id)


def _reactivated(sender: Any, user: Any, **kwargs: Any) -> None:
    """Keys made while the account was inactive were sealed without it: its mark goes, so the
    next holder to open the queue or the campaigns passes them on."""
    KeyHolder.objects.filter(keypair__in=vault_selectors.keypairs_of_users([user.pk])).delete()


def connect() -> None:
    from aegis.accounts.hooks import reactivated, role_changed

    role_changed.connect(_role_changed, dispatch_uid="aegis.monitoring.role_changed")
    reactivated.connect(_reactivated, dispatch_uid="aegis.monitoring.reactivated")
