"""The safety app's answer to a defender's account being linked to their file or unlinked:
the plan's key is sealed to the account, or the account's copy destroyed."""

from __future__ import annotations

from typing import Any

from . import services


def on_account_linked(sender: Any, *, person: Any, account: Any, actor_id: Any, **_: Any) -> None:
    # Raises NoKeyAccess when the caseworker does not hold the plan's key: nothing is linked.
    services.share_with_defender(person, actor_id=actor_id)


def on_account_unlinked(sender: Any, *, person: Any, account: Any, actor_id: Any, **_: Any) -> None:
    services.unshare_with_defender(person, account.pk, actor_id=actor_id)


def connect() -> None:
    from aegis.cases.signals import account_linked, account_unlinked

    account_linked.connect(on_account_linked, dispatch_uid="aegis.safety.account_linked")
    account_unlinked.connect(on_account_unlinked, dispatch_uid="aegis.safety.account_unlinked")
