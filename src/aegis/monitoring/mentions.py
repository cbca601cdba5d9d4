"""The alert rule of monitoring: a new article that names a protected person raises an alert
about them, through the alerts app's news rules (its migration adds one, "A protected person
is named in the news", which coordinators can switch off on the alert rules page). Names are
recognised only through the blind index under the search key (the worker holds it where the
key ceremony gave it to the alert service): candidate names in the article are indexed and
looked up among people's indexed names, so no list of names in clear exists on the server.
An article that names a campaign's target joins that campaign.

AEGIS_MONITORING_MENTION_ALERTS (default on) turns the alerts off; the mentions are kept."""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings

from aegis import clock
from aegis.alerts import services as alerts
from aegis.cases import selectors as cases
from aegis.vault import service_keys
from aegis.vault.fields import blind_index
from aegis.vault.keychain import NoKeyAccess, VaultLocked

from .models import Article, Campaign, CampaignItem, Mention

log = logging.getLogger(__name__)
# Two to four capitalised words in a row: "María José Pérez", "Ana de la Cruz".
_NAME = re.compile(
    r"\b([A-ZÁÉÍÓÚÑÇÀÈÂÊÎÔÛ][\w'’-]+(?:\s+(?:de|del|la|da|dos|van|von|al|el|bin|ibn)?\s*"
    r"[A-ZÁÉÍÓÚÑÇÀÈÂÊÎÔÛ][\w'’-]+){1,3})"
)
SCAN_CHARS = 50_000


def candidate_names(article: Article, extracted: dict[str, Any]) -> set[str]:
    names = {str(v.get("name", "")) for v in extracted.get("victims", []) if v.get("name")}
    body = f"{article.title!s}\n{str(article.text)[:SCAN_CHARS]}"
    for match in _NAME.finditer(body):
        words = match.group(1).split()
        # Every run of two or more words inside it: "Police arrested Ana Pérez" holds "Ana Pérez".
        for start in range(len(words)):
            for end in range(start + 2, len(words) + 1):
                names.add(" ".join(words[start:end]))
    return {name for name in names if 3 <= len(name) <= 120}


def indexes_of(names: set[str]) -> set[str] | None:
    """Blind indexes of the names; None when this key context holds no search key."""
    try:
        return {index for name in names if (index := blind_index("name", name))}
    except (NoKeyAccess, VaultLocked):
        return None


def alerts_on() -> bool:
    return bool(getattr(settings, "AEGIS_MONITORING_MENTION_ALERTS", True))


def check(article: Article, extracted: dict[str, Any]) -> int:
    """Record who this article names among people on file and campaign targets; raise one
    alert per person named. Returns how many people were recognised."""
    indexes = indexes_of(candidate_names(article, extracted))
    if not indexes:
        return 0
    for campaign in Campaign.objects.filter(target_index__in=indexes, is_active=True):
        CampaignItem.objects.create(
            campaign=campaign,
            data_key=campaign.data_key,
            article=article,
            platform="news",
            url=article.url,
            description=article.title,
            seen_on=article.published or clock.today(),
        )
    people = cases.people_with_name_indexes(indexes)
    for person in people:
        mention, created = Mention.objects.get_or_create(
            article=article, person=person, defaults={"found_at": clock.now()}
        )
        if not created or not alerts_on():
            continue
        if service_keys.service_keypair() is None:
            log.warning("monitoring: a protected person is named, but there is no alert key")
            continue
        fired = alerts.news_mention(person, article.pk)  # none when the news rules are off
        if fired:
            Mention.objects.filter(pk=mention.pk).update(alert_id=fired[0].pk)
    return len(people)
