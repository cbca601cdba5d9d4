"""Receipts on wipe: they are key copies the vault's tables do not hold. And the links kept in
clear from before they were sealed, which no key seals after it. Receipts wrapped under the
wipe key are counted for the vault too: a missing wipe key is not replaced while they remain."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from aegis.vault.selectors import counting_sealed
from aegis.vault.services import Shredded, wiping


@receiver(wiping)
def _wipe_receipts(sender: Any, **kwargs: Any) -> Shredded:
    from .services import destroy_receipts
    from .triage import forget_links

    receipts = destroy_receipts()
    return Shredded({**receipts.counts, "report_links": forget_links()}, receipts.models)


@receiver(counting_sealed)
def _count_receipts(sender: Any, **kwargs: Any) -> dict[str, int]:
    from .selectors import receipts_under_wipe_key

    return {"receipt code(s) of reports": receipts_under_wipe_key()}
