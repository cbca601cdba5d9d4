"""The keys of monitoring records. An article (and its proposal) and a campaign each get a
key of their own, sealed to every analyst and every caseworker and coordinator, and to the
recovery key. Sealing needs only public keys, so the worker writes what it fetched with no
private key at all. A person who receives the role later holds the keys of records made from
then on (the older ones stay with those who held them)."""

from __future__ import annotations

from aegis.accounts import selectors as accounts
from aegis.vault import selectors as vault_selectors
from aegis.vault import services as vault
from aegis.vault.models import DataKey

ARTICLE_PURPOSE = "monitoring-article"
CAMPAIGN_PURPOSE = "monitoring-campaign"
HOLDING_PERMISSIONS = ("view_analytics", "view_cases")


def new_key(purpose: str) -> DataKey:
    holders = list(
        vault_selectors.keypairs_of_users(accounts.user_ids_with_any(*HOLDING_PERMISSIONS))
    )
    if (recovery := vault.recovery_keypair()) is not None:
        holders.append(recovery)
    return vault.create_data_key(purpose, holders)
