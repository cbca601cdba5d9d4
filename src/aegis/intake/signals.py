"""Receipts on wipe: they are key copies the vault's tables do not hold."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from aegis.vault.services import Shredded, wiping


@receiver(wiping)
def _wipe_receipts(sender: Any, **kwargs: Any) -> Shredded:
    from .services import destroy_receipts

    return destroy_receipts()
