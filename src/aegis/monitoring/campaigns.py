"""Smear campaigns: who is targeted, with which narratives, on which platforms, by which
methods, since when, how far it reached, and who is believed to be behind it (with a
confidence). Articles and posts are attached as its sources. The target's name is ciphertext;
its blind index (when the writer holds the search key) lets the worker attach new articles
that name the target (mentions.py)."""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aegis import clock, rules
from aegis.audit import services as audit
from aegis.rules import Conflict, RuleError
from aegis.vault import normalise
from aegis.vault.fields import blind_index
from aegis.vault.keychain import NoKeyAccess, VaultLocked

from . import keys, mentions, selectors, texts
from .drafts import EARLIEST
from .models import Article, Campaign, CampaignItem
from .vocabulary import Confidence, Method, Narrative, Platform, TargetKind

log = logging.getLogger(__name__)

MAX_REACH = 10_000_000_000  # fits Campaign.reach (a big integer)
_Made = TypeVar("_Made", Campaign, CampaignItem)


def _codes(values: Iterable[Any], vocabulary: Any, field: str, label: Any) -> list[str]:
    codes = [str(v) for v in values if v]
    for code in codes:
        rules.choice(code, vocabulary, field, label)
    return list(dict.fromkeys(codes))


def checked_day(value: Any, field: str) -> datetime.date:
    """A day a campaign was seen: not in the future, not before EARLIEST; else RuleError."""
    return _date(value, field)


def _date(value: Any, field: str) -> datetime.date:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise RuleError(_("Give a date."), field)
    if value > clock.today():
        raise RuleError(_("The date cannot be in the future."), field)
    if value < EARLIEST:
        raise RuleError(_("The date cannot be before %(year)s.") % {"year": EARLIEST.year}, field)
    return value


def _target_index(name: str) -> str:
    try:
        return mentions.target_token(blind_index("name", name))
    except (NoKeyAccess, VaultLocked):
        return ""  # recognised by hand until someone with the search key saves it again


def _name_key(name: Any) -> str:
    """The name as the blind index sees it: a rename that changes only this much (case,
    accents, spacing) still matches the same articles."""
    return normalise.name(str(name or ""))


def _checked(fields: dict[str, Any]) -> dict[str, Any]:
    name = rules.text(
        fields.get("target_name", ""),
        "target_name",
        gettext_lazy("The target"),
        limit=200,
        line=True,
    )
    if not name:
        raise RuleError(_("Name the defender or organisation targeted."), "target_name")
    kind = fields.get("target_kind", "")
    rules.choice(kind, TargetKind, "target_kind", gettext_lazy("Target"))
    confidence = fields.get("attribution_confidence", Confidence.LOW)
    rules.choice(confidence, Confidence, "attribution_confidence", gettext_lazy("Confidence"))
    try:
        reach = int(fields.get("reach") or 0)
    except (TypeError, ValueError):
        reach = -1
    if reach < 0:
        raise RuleError(_("Give the reach as a whole number of people."), "reach")
    if reach > MAX_REACH:
        raise RuleError(
            _("The reach can be at most %(most)s people.")
            % {"most": number_format(MAX_REACH, force_grouping=True)},
            "reach",
        )
    return {
        "target_name": name,
        "target_kind": kind,
        "narratives": _codes(
            fields.get("narratives", ()), Narrative, "narratives", gettext_lazy("Narratives")
        ),
        "platforms": _codes(
            fields.get("platforms", ()), Platform, "platforms", gettext_lazy("Platforms")
        ),
        "methods": _codes(fields.get("methods", ()), Method, "methods", gettext_lazy("Methods")),
        "first_seen": _date(fields.get("first_seen"), "first_seen"),
        "reach": reach,
        "attribution": rules.text(
            fields.get("attribution", ""),
            "attribution",
            gettext_lazy("The attribution"),
            limit=2000,
        ),
        "attribution_confidence": confidence,
        "notes": rules.text(
            fields.get("notes", ""), "notes", gettext_lazy("The note"), limit=20_000
        ),
    }


@transaction.atomic
def create_campaign(
    *, actor_id: int | None, is_active: bool = True, once: str = "", **fields: Any
) -> Campaign:
    """`once` is the one-time token of the form that sent it (forms.OnceForm): a form sent
    again records nothing and gives back the campaign it recorded the first time."""
    values = _checked(fields)

    def make() -> Campaign:
        campaign = Campaign(
            data_key=keys.new_key(keys.CAMPAIGN_PURPOSE),
            created_by_id=actor_id,
            is_active=bool(is_active),
            form_token=once,
            **values,
        )
        campaign.target_index = _target_index(values["target_name"])
        campaign.target_tokenised = bool(campaign.target_index)
        campaign.save()
        return campaign

    campaign, new = _made_once(lambda: selectors.campaign_recorded_by(once), make)
    if new:
        audit.record(
            "monitoring.campaign", actor_id=actor_id, object_type="campaign", object_id=campaign.pk
        )
    return campaign


def _made_once(
    recorded: Callable[[], _Made | None], make: Callable[[], _Made]
) -> tuple[_Made, bool]:
    """What a form with a one-time token records, and whether it is new: what it recorded
    before if it was sent before, or at the same moment (the second insert meets the first's
    token, and its savepoint, key and all, is undone); else what `make` makes."""
    if made := recorded():
        return made, False
    try:
        with transaction.atomic():
            return make(), True
    except IntegrityError:
        if made := recorded():
            return made, False
        raise


def saved_state(campaign: Campaign) -> str:
    """A short digest of what the edit page shows: the page sends back the state it showed
    (`seen`), so that what was saved since (a colleague's edit, another tab's, a First seen
    moved earlier by an older item attached) is not undone unseen."""
    values: dict[str, Any] = {
        name: str(getattr(campaign, name) or "")
        for name in ("target_kind", "target_name", "attribution", "attribution_confidence", "notes")
    }
    values.update(
        narratives=list(campaign.narratives),
        platforms=list(campaign.platforms),
        methods=list(campaign.methods),
        first_seen=campaign.first_seen.isoformat(),
        reach=int(campaign.reach),
        is_active=bool(campaign.is_active),
    )
    text = json.dumps(values, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


STALE = gettext_lazy(
    "This campaign was changed since you opened this page (by a colleague, or in another "
    "tab), so nothing was saved. What you typed is below: open the campaign in another tab to "
    "see the changes; saving again replaces them with what is below."
)


@transaction.atomic
def update_campaign(
    campaign: Campaign,
    *,
    actor_id: int | None,
    is_active: bool = True,
    seen: str = "",
    **fields: Any,
) -> Campaign:
    """`seen`: the campaign's saved_state as the page showed it; refused (Conflict) where it
    has changed since. The form refuses it first, and draws the page again on the present
    state (forms.CampaignEditForm); this is for two saves at the same moment."""
    values = _checked(fields)
    if seen:
        # Locked until the save commits: a second save at the same moment waits, then sees it.
        campaign.refresh_from_db(from_queryset=Campaign.objects.select_for_update())
        if saved_state(campaign) != seen:
            raise Conflict(str(STALE))
    renamed = _name_key(campaign.target_name) != _name_key(values["target_name"])
    for name, value in values.items():
        setattr(campaign, name, value)
    campaign.is_active = bool(is_active)
    index = _target_index(values["target_name"])
    if index:
        campaign.target_index, campaign.target_tokenised = index, True
    elif renamed and campaign.target_index:
        # The old index would keep collecting articles that name the old target.
        campaign.target_index, campaign.target_tokenised = "", False
        log.warning(
            "monitoring: campaign %s renamed without the search key: articles are no longer "
            "collected by name until someone holding it saves the campaign",
            campaign.pk,
        )
    campaign.save()
    audit.record(
        "monitoring.campaign", actor_id=actor_id, object_type="campaign", object_id=campaign.pk
    )
    return campaign


@transaction.atomic
def add_item(
    campaign: Campaign,
    *,
    actor_id: int | None,
    platform: str,
    url: str = "",
    description: str = "",
    seen_on: Any,
    article: Article | None = None,
    once: str = "",
) -> CampaignItem:
    """`once` as for create_campaign: the same form sent again attaches nothing more."""
    rules.choice(platform, Platform, "platform", gettext_lazy("Platform"))
    url = texts.lowered_scheme(
        rules.text(url, "url", gettext_lazy("The address"), limit=1000, line=True)
    )
    if url and not texts.web_address(url):
        raise RuleError(
            _(
                "Give a web address starting with https:// or http://, of 1,000 characters at "
                "most, with no spaces, or none."
            ),
            "url",
        )
    description = rules.text(
        description, "description", gettext_lazy("The description"), limit=5000
    )
    if not url and not description and article is None:
        raise RuleError(_("Give the post's address or describe it."), "description")
    seen_on = _date(seen_on, "seen_on")
    try:
        item, new = _made_once(
            lambda: selectors.item_recorded_by(campaign, once),
            lambda: CampaignItem.objects.create(
                campaign=campaign,
                data_key=campaign.data_key,
                article=article,
                platform=platform,
                url=url,
                description=description,
                seen_on=seen_on,
                added_by_id=actor_id,
                form_token=once,
            ),
        )
    except IntegrityError:
        if not once:
            raise
        # Its token sent by hand to another campaign's page: it attaches there without one.
        return add_item(
            campaign,
            actor_id=actor_id,
            platform=platform,
            url=url,
            description=description,
            seen_on=seen_on,
            article=article,
        )
    if new:
        if seen_on < campaign.first_seen:
            # An older post found later: the campaign began then, not when first recorded.
            campaign.first_seen = seen_on
            campaign.save(update_fields=["first_seen"])
        audit.record(
            "monitoring.campaign", actor_id=actor_id, object_type="campaign", object_id=campaign.pk
        )
    return item
