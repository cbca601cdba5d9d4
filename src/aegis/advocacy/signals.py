"""The mechanism's references kept in clear from before they were sealed, on wipe: no key
seals them after it, and each ties a case to a public text that names the defender."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from aegis.vault.services import Shredded, wiping


@receiver(wiping)
def _forget_references(sender: Any, **kwargs: Any) -> Shredded:
    from .models import Communication, PrecautionaryResolution
    from .services import forget_references

    return Shredded(
        {"mechanism_references": forget_references()}, (Communication, PrecautionaryResolution)
    )
