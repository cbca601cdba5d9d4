"""Article fingerprints on wipe: keyed ones are unlinkable once their key is shredded, but
those kept unkeyed (by a worker without the key) could still be recomputed from a
published text; so could the incidents' references kept in clear before they were sealed
tie an article to its incident. And a news alert's page: which article raised it."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _

from aegis.alerts.models import Alert
from aegis.notices import Notice, record_shown
from aegis.vault.keychain import NoKeyAccess, VaultLocked
from aegis.vault.selectors import open_records
from aegis.vault.services import Shredded, wiping


@receiver(wiping)
def _blank_fingerprints(sender: Any, **kwargs: Any) -> Shredded:
    from . import fingerprints
    from .models import Article, Proposal

    return Shredded(
        {
            "article_fingerprints": fingerprints.blank(Article.objects.all()),
            "incident_references": fingerprints.forget_references(),
        },
        (Article, Proposal),
    )


@receiver(record_shown, sender=Alert)
def _news_article(sender: Any, *, record: Alert, user: Any, **kwargs: Any) -> list[Notice]:
    """A news rule's alert says which article named the person: its headline and source to
    a reader who holds the search key (the mention names the alert by a token under it) and
    the article's key, linked to the proposal for an analyst and to the article's public
    address for the others; who may see it, to a reader who may not."""
    from . import mentions

    try:
        # None for another alert, before any key is asked for (a news alert is known by its
        # trigger key, its rule may have been deleted since).
        article = mentions.article_of_alert(record)
        if article is None:
            return []
        open_records([article])
        title = str(article.title or "") or _("(no title)")
        address = str(article.url or "")
    except (NoKeyAccess, VaultLocked):
        return [
            Notice(
                _(
                    "A monitored news article names this person. The case staff, who hold "
                    "the keys that open it, see which."
                )
            )
        ]
    where = article.source.name if article.source else _("added by an analyst")
    text = _("A monitored news article names this person: “%(title)s” (%(where)s).") % {
        "title": title,
        "where": where,
    }
    proposal = getattr(article, "proposal", None)
    if proposal is not None and user.has_perm("accounts.view_analytics"):
        return [Notice(text, reverse("monitoring:proposal", kwargs={"proposal_id": proposal.pk}))]
    return [Notice(text, address if address.lower().startswith(("https://", "http://")) else "")]
