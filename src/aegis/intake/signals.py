"""Receipts on wipe: they are key copies the vault's tables do not hold. And the links kept in
clear from before they were sealed, which no key seals after it."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from aegis.vault.services import Shredded, wiping


@receiver(wiping)
def _wipe_receipts(sender: Any, **kwargs: Any) -> Shredded:
    from .services import destroy_receipts
    from .triage import forget_links

    receipts = destroy_receipts()
    return Shredded({**receipts.counts, "report_links": forget_links()}, receipts.models)
