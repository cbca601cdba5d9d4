"""Article fingerprints on wipe: keyed ones are unlinkable once their key is shredded, but
those kept unkeyed (by a worker without the key) could still be recomputed from a
published text."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from aegis.vault.services import Shredded, wiping


@receiver(wiping)
def _blank_fingerprints(sender: Any, **kwargs: Any) -> Shredded:
    from . import fingerprints
    from .models import Article

    return Shredded({"article_fingerprints": fingerprints.blank(Article.objects.all())}, (Article,))
