"""The alert rule of monitoring: a new article that names a protected person raises an alert
about them, through the alerts app's news rules (its migration adds one, "A protected person
is named in the news", which coordinators can switch off on the alert rules page). Names are
recognised only through the blind index under the search key (the worker holds it where the
key ceremony gave it to the alert service): candidate names in the article are indexed and
looked up among people's indexed names, so no list of names in clear exists on the server.
An article that names a campaign's target joins that campaign. An article an analyst adds by
hand (pasted, uploaded, sent by the API) is checked by the worker, since analysts hold no
search key: its key is sealed to the alert service until the worker has (check_later).

AEGIS_MONITORING_MENTION_ALERTS (default on) turns the alerts off; the mentions are kept."""

from __future__ import annotations

import datetime
import json
import logging
import re
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q

from aegis import clock
from aegis.alerts import services as alerts
from aegis.cases import selectors as cases
from aegis.paging import in_slices
from aegis.vault import selectors as vault_selectors
from aegis.vault import service_keys
from aegis.vault import services as vault
from aegis.vault.fields import blind_index, keyed_token
from aegis.vault.keychain import NoKeyAccess, VaultLocked, unlocked

from .keys import ARTICLE_PURPOSE
from .models import Article, Campaign, CampaignItem, Mention

log = logging.getLogger(__name__)
# Two to four capitalised words in a row: "María José Pérez", "Ana de la Cruz". (One run of
# spaces between words, never two that could share it: a long run of spaces is read once.)
_NAME = re.compile(
    r"\b([A-ZÁÉÍÓÚÑÇÀÈÂÊÎÔÛ][\w'’-]+(?:\s+(?:(?:de|del|la|da|dos|van|von|al|el|bin|ibn)\s+){0,2}"
    r"[A-ZÁÉÍÓÚÑÇÀÈÂÊÎÔÛ][\w'’-]+){1,3})"
)
# A word of a script without capitals (Arabic, Persian, Urdu, Hebrew, Devanagari, Amharic...),
# and the punctuation that closes a run of them ("،" and "؛" too).
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_RUN_BREAK = re.compile(r"[.,;:!?()\[\]\"«»“”،؛؟।\n]")
NAME_INDEXES = "name_indexes"  # in a proposal's extraction: with_name_indexes
# Index lookups per query (SQLite allows 32,766 parameters; PostgreSQL more).
LOOKUP_BATCH = 500
# A check the worker queued and has not finished this long after (its task lost, its worker
# stopped mid-check) is done by the housekeeping round instead (checks_left).
CHECK_LEFT_AFTER = datetime.timedelta(hours=1)


def candidate_names(article: Article, extracted: dict[str, Any]) -> set[str]:
    names = victim_names(extracted)
    # The whole text ingest kept (texts.TEXT_MAX): a person named only near the end of a long
    # report is still recognised.
    body = f"{article.title!s}\n{article.text!s}"
    for match in _NAME.finditer(body):
        names |= _runs(match.group(1).split())
    names |= _uncased_names(body)
    return {name for name in names if 3 <= len(name) <= 120}


def _runs(words: list[str], longest: int = 4) -> set[str]:
    """Every run of two to `longest` words: "Police arrested Ana Pérez" holds "Ana Pérez"."""
    return {
        " ".join(words[start:end])
        for start in range(len(words))
        for end in range(start + 2, min(start + longest, len(words)) + 1)
    }


def _uncased_names(body: str) -> set[str]:
    """In a script without capitals nothing marks a name, so every run of two to four words
    between punctuation is a candidate (its index is looked up, never kept): a protected
    person named in an Arabic article is recognised as one named in a Latin one."""
    names: set[str] = set()
    for clause in _RUN_BREAK.split(body):
        run: list[str] = []
        for token in clause.split():
            word = _WORD.fullmatch(token)
            if word and token.upper() == token.lower():
                run.append(token)
                continue
            names |= _runs(run)
            run = []
        names |= _runs(run)
    return names


def victim_names(extracted: dict[str, Any]) -> set[str]:
    """The names of the victims the extractor proposed."""
    return {str(v.get("name", "")) for v in extracted.get("victims", []) if v.get("name")}


def with_name_indexes(extracted: dict[str, Any]) -> dict[str, Any]:
    """The extraction with the blind indexes of its victims' names (`name_indexes`) where this
    key context holds the search key (the worker's): kept inside the encrypted proposal, so
    that the analyst, who holds no search key, is offered the incidents whose victims bear
    those names to merge with (decisions.candidates)."""
    names = victim_names(extracted)
    found = indexes_of(names) if names else None
    return extracted if found is None else {**extracted, NAME_INDEXES: sorted(found)}


def indexes_of(names: set[str]) -> set[str] | None:
    """Blind indexes of the names; None when this key context holds no search key."""
    try:
        return {index for name in names if (index := blind_index("name", name))}
    except (NoKeyAccess, VaultLocked):
        return None


def alerts_on() -> bool:
    return bool(getattr(settings, "AEGIS_MONITORING_MENTION_ALERTS", True))


def check(article: Article, extracted: dict[str, Any]) -> int | None:
    """Record who this article names among people on file and campaign targets; raise one
    alert per person named. Returns how many people were recognised; None when this key
    context holds no search key, so that nobody could be (check_later)."""
    found = indexes_of(candidate_names(article, extracted))
    if found is None:
        return None
    if not found:
        return 0
    indexes = sorted(found)
    batches = in_slices(indexes, LOOKUP_BATCH)
    # A campaign's target is indexed in a domain of its own (target_token); the name's own
    # index still finds a campaign saved before, until housekeeping turns it (tokenise_targets).
    tokens = sorted(target_token(index) for index in indexes)
    active = Campaign.objects.filter(is_active=True)
    targeted = [
        campaign
        for query in (
            # The old indexes first: a campaign housekeeping turns in between is then found
            # by its token (and a retry adds it once), not missed by both.
            *(active.filter(target_index__in=batch, target_tokenised=False) for batch in batches),
            *(
                active.filter(target_index__in=batch, target_tokenised=True)
                for batch in in_slices(tokens, LOOKUP_BATCH)
            ),
        )
        for campaign in query
    ]
    # The same story from another outlet (a near duplicate) is the story already seen: it
    # raises no second alert and joins a campaign once, else each syndicated copy would send
    # the person's contacts another round of alerts.
    story = _story_of(article)
    for campaign in targeted:
        if CampaignItem.objects.filter(campaign=campaign).filter(story).exists():
            continue  # this story joined it already (or a retry)
        try:
            with transaction.atomic():
                # Under the article's key, not the campaign's: the worker holds only the key
                # it has just made (both are sealed to the same roles and the recovery key).
                CampaignItem.objects.create(
                    campaign=campaign,
                    data_key=article.data_key,
                    article=article,
                    platform="news",
                    url=article.url,
                    description=article.title,
                    seen_on=article.published or clock.today(),
                    # The one-time token's unique column, one value per story and campaign:
                    # two copies of the story checked at the same moment add it once.
                    form_token=campaign_story_token(campaign, article),
                )
        except IntegrityError:
            continue  # the story's other copy, checked at the same moment, added it
    people = {p.pk: p for b in batches for p in cases.people_with_name_indexes(b)}.values()
    for person in people:
        # One alert per story and person: the trigger key is the story's (a token, so that
        # no column ties the person to the article), and the alerts app raises a trigger key
        # once, whichever copy of the story is checked first, or at the same time.
        news = news_token(article, person.pk)
        _, created = Mention.objects.get_or_create(
            article=article,
            story_token=story_token(article, person.pk),
            defaults={"found_on": clock.today(), "alert_token": alert_token(news)},
        )
        if not created or not alerts_on():
            continue
        if service_keys.service_keypair() is None:
            log.warning("monitoring: a protected person is named, but there is no alert key")
            continue
        alerts.news_mention(person, news)
    return len(people)


def campaign_story_token(campaign: Campaign, article: Article) -> str:
    """A campaign item's one-time token when a check adds it: the story's in this campaign,
    under the search key (the row names the campaign and the article in clear already)."""
    return keyed_token("campaign-story", f"{campaign.pk}:{_original(article)}")


def target_token(name_index: str) -> str:
    """A campaign target's index: from the name's blind index, in a domain of its own, so
    that a campaign's row joins no person's on a copy of the disk (the same name gives the
    same index to a person and to a campaign's target)."""
    return keyed_token("campaign-target", name_index)


def _original(article: Article) -> int:
    return article.duplicate_of_id or article.pk


def story_token(article: Article, person_id: int) -> str:
    """Which person a mention is of, under the search key: one token for every copy of a
    story (the original article and its near duplicates)."""
    return keyed_token("mention-story", f"{_original(article)}:{person_id}")


def news_token(article: Article, person_id: int) -> str:
    """The story and person in a news alert's trigger key, under the search key."""
    return keyed_token("news-alert", f"{_original(article)}:{person_id}")


def alert_token(news: str) -> str:
    """What a mention keeps of the alert it raised (`news`: its trigger key's token), under
    the search key: set on every mention of the story, alert or none (rules off), so that
    the column marks no article as one that raised an alert."""
    return keyed_token("mention-alert", news)


def article_of_alert(alert: Any) -> Article | None:
    """The article (the story's first kept) whose mention raised this news alert; None for
    another alert; NoKeyAccess or VaultLocked where this key context holds no search key."""
    news = alerts.news_token_of(alert)
    if news is None:
        return None
    mention = (
        Mention.objects.filter(alert_token=alert_token(news))
        .select_related("article__source", "article__proposal")
        # The story's original (it has the proposal) before a copy checked first.
        .order_by(F("article__duplicate_of").asc(nulls_first=True), "pk")
        .first()
    )
    return mention.article if mention is not None else None


def _story_of(article: Article) -> Q:
    """The rows (mentions, campaign items) of the article's story: the article, its original
    and the original's other near duplicates."""
    original = _original(article)
    return Q(article_id=article.pk) | Q(article_id=original) | Q(article__duplicate_of_id=original)


def check_later(article: Article) -> bool:
    """Where an article was added by somebody who holds no search key (an analyst's paste or
    upload), the worker checks it if the alert service holds that key: the article's key is
    sealed to the service until then (tasks.check_mentions takes it back). True when
    queued; run inside the transaction that added the article."""
    keypair = service_keys.service_keypair()
    if keypair is None or not vault_selectors.keypair_holds_search_key(keypair):
        return False
    vault.grant(article.data_key_id, keypair)
    # Imported here: the tasks import the polling, which imports this module.
    from .tasks import check_mentions

    transaction.on_commit(lambda: check_mentions.enqueue(article.pk))
    return True


def check_by_worker(article_id: int) -> int | None:
    """The worker's side of check_later: check the article with the alert service's keys,
    then take the article's key back from the service, whatever the check gave."""
    keypair = service_keys.service_keypair()
    article = Article.objects.filter(pk=article_id).select_related("proposal").first()
    if article is None or keypair is None:
        return None
    if not vault_selectors.holders_of(article.data_key_id).filter(pk=keypair.pk).exists():
        return None  # checked already (checks_left), its key taken back
    try:
        with unlocked(service_keys.service_keychain()):
            proposal = getattr(article, "proposal", None)
            extracted = json.loads(str(proposal.extracted or "{}")) if proposal else {}
            if proposal is not None and NAME_INDEXES not in extracted:
                indexed = with_name_indexes(extracted)
                if indexed is not extracted:
                    extracted = indexed
                    proposal.extracted = json.dumps(extracted, ensure_ascii=False, default=str)
                    proposal.save(update_fields=["extracted"])
            return check(article, extracted)
    except service_keys.ServiceKeyMissing:
        log.warning("monitoring: an added article could not be checked: no alert service key")
        return None
    finally:
        vault.revoke(article.data_key_id, keypair)


def checks_left(limit: int = LOOKUP_BATCH) -> int:
    """The checks queued by check_later and not done CHECK_LEFT_AFTER later: done now, and
    the article keys taken back from the alert service. Without this, a lost task left a
    protected person's mention unseen and the service holding that article's key for good.
    A key whose article is gone is taken back. Returns how many keys were taken back; run
    by the worker's housekeeping (retention.worker), `limit` at a time."""
    keypair = service_keys.service_keypair()
    if keypair is None:
        return 0
    try:
        service_keys.service_keychain()
    except service_keys.ServiceKeyMissing:
        return 0  # this worker cannot open the service key: the checks wait for one that can
    before = clock.now() - CHECK_LEFT_AFTER
    key_ids = list(vault_selectors.keys_sealed_before(keypair, ARTICLE_PURPOSE, before)[:limit])
    found = dict(Article.objects.filter(data_key_id__in=key_ids).values_list("data_key_id", "pk"))
    for key_id in key_ids:
        if key_id in found:
            check_by_worker(found[key_id])
        else:
            vault.revoke(key_id, keypair)
    return len(key_ids)


def tokenise_targets(limit: int = LOOKUP_BATCH) -> int:
    """Campaigns saved with their target's name index (before target_token): given the
    token instead, so that no campaign's row joins a person's on a copy of the disk. Run by
    the worker's housekeeping with the alert service's keys (which hold the search key after
    the key ceremony; without it, nothing is done). Returns how many were turned."""
    try:
        chain = service_keys.service_keychain()
    except service_keys.ServiceKeyMissing:
        return 0
    waiting = list(Campaign.objects.filter(target_tokenised=False).exclude(target_index="")[:limit])
    turned = 0
    try:
        with unlocked(chain):
            for campaign in waiting:
                # Only the index read: a rename saved meanwhile (its index emptied) stays.
                turned += Campaign.objects.filter(
                    pk=campaign.pk, target_tokenised=False, target_index=campaign.target_index
                ).update(target_index=target_token(campaign.target_index), target_tokenised=True)
    except (NoKeyAccess, VaultLocked):
        return 0  # the service holds no search key: the key ceremony gives it
    return turned
