"""Fictional monitoring data for `aegis demo`: a paused feed (the demo reads nothing from the
internet), three articles proposed to the analyst, one of them told again by a second outlet,
and a smear campaign. Every outlet, name and event is invented."""

from __future__ import annotations

import datetime
from typing import Any

from aegis import clock

from . import articles, campaigns, sources
from .models import Source
from .vocabulary import ArticleOrigin, SourceStatus

ARTICLES = [
    (
        "Community leader detained after land protest",
        "Police in the river valley detained the community leader Tomasa Quispe on Tuesday "
        "after she led a peaceful protest against the expansion of a palm oil plantation. "
        "Her lawyer said she was held for 36 hours without charge and questioned about the "
        "association she founded. Neighbours said officers searched the association's office "
        "and took its computers. The regional police command did not answer requests for "
        "comment.",
    ),
    (
        "Journalist receives death threats after mining report",
        "The radio journalist Efraín Solís said he had received death threats by telephone "
        "and a written note left at his door, days after he reported on illegal gold mining "
        "near the border. Unknown men on a motorcycle followed him home on two nights. The "
        "station asked the authorities for protective measures for him and his family.",
    ),
    (
        "Harvest festival draws record crowds",
        "The town's harvest festival drew record crowds this weekend, with music, dancing and "
        "a market of local produce. The organisers thanked the volunteers and said next year's "
        "festival would last three days. Coffee growers reported good prices for the season.",
    ),
]
RETOLD = (
    "Police in the river valley detained the community leader Tomasa Quispe on Tuesday "
    "after she led a peaceful protest against the expansion of a palm oil plantation. "
    "Her lawyer said she was held for 36 hours without any charge and questioned about the "
    "association she founded. Neighbours said officers searched the association's office "
    "and took its computers. The regional police command did not answer requests for "
    "comment."
)


def create_demo_data(compartment: Any, actor: Any) -> None:
    source = sources.create_source(
        actor_id=actor.pk,
        name="Valley Herald (demo, paused)",
        kind="feed",
        url="https://valley-herald.example/feed.xml",
        language="en",
        country="CO",
        reliability="B",
        interval_minutes=60,
    )
    source.is_active = False
    source.save(update_fields=["is_active"])
    today = clock.today()
    for days, (title, text) in enumerate(ARTICLES, start=1):
        articles.ingest(
            origin=ArticleOrigin.FEED,
            source=source,
            title=title,
            text=text,
            url=f"https://valley-herald.example/news/{days}",
            published=today - datetime.timedelta(days=days),
            language="en",
        )
    # As if the worker had read them before the source was paused (its page says so).
    Source.objects.filter(pk=source.pk).update(
        status=SourceStatus.OK,
        articles_found=len(ARTICLES),
        last_polled_at=clock.now(),
        last_ok_at=clock.now(),
    )
    articles.ingest(
        origin=ArticleOrigin.PASTED,
        title="Valley: activist held for a day and a half",
        text=RETOLD,
        published=today - datetime.timedelta(days=1),
        language="en",
        actor_id=actor.pk,
    )
    campaign = campaigns.create_campaign(
        actor_id=actor.pk,
        target_kind="organisation",
        target_name="Valley Water Defence Association",
        narratives=["foreign_agent", "criminal"],
        platforms=["x", "whatsapp"],
        methods=["hashtags", "coordinated"],
        first_seen=today - datetime.timedelta(days=40),
        reach=25_000,
        attribution="Accounts linked to a plantation company's contractors",
        attribution_confidence="low",
    )
    campaigns.add_item(
        campaign,
        actor_id=actor.pk,
        platform="x",
        description="A hashtag calling the association paid foreign agents, spread by new accounts",
        seen_on=today - datetime.timedelta(days=38),
    )
