"""Monitoring keys follow the roles: someone given a monitoring role later receives the keys
of older articles and campaigns from a colleague who holds them; someone whose role no
longer reads monitoring loses their wraps at the role change."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from nacl.public import PrivateKey

from aegis import clock
from aegis.accounts import lifecycle
from aegis.audit.models import AuditEntry
from aegis.monitoring import articles, campaigns, keys
from aegis.monitoring.models import Article, Campaign, KeyHolder
from aegis.monitoring.vocabulary import ArticleOrigin
from aegis.roles import Role
from aegis.vault import services as vault
from aegis.vault.keychain import Keychain, NoKeyAccess, unlocked
from aegis.vault.selectors import keypair_for_user

from .conftest import STORY, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(team):
    """One article and one campaign, made before anyone below joined."""
    with unlocked(team.caseworker.keychain()):
        article = articles.ingest(
            origin=ArticleOrigin.FEED,
            title="Defender arrested",
            text=STORY,
            url="https://news.example.org/x",
            language="en",
        )
        campaign = campaigns.create_campaign(
            actor_id=team.caseworker.user.pk,
            target_kind="defender",
            target_name="Ana Ruiz",
            narratives=["terrorist"],
            platforms=["x"],
            methods=["hashtags"],
            first_seen=datetime.date(2026, 10, 1),
            reach=10,
            attribution="",
            attribution_confidence="low",
        )
    return article, campaign


@pytest.fixture
def reads(records):
    """Whether a person's own key opens both records (a fresh key context each time; the
    password is stretched once per person)."""
    unlocked_keys: dict[int, Keychain] = {}

    def check(person) -> bool:
        chain = unlocked_keys.get(person.user.pk)
        if chain is None:
            chain = unlocked_keys[person.user.pk] = person.keychain()
        return _reads(Keychain(dict(chain.private_keys), person.user.pk), *records)

    return check


def _reads(chain, article, campaign) -> bool:
    with unlocked(chain):
        try:
            Article.objects.get(pk=article.pk).title
            Campaign.objects.get(pk=campaign.pk).target_name
        except NoKeyAccess:
            return False
    return True


def test_a_later_analyst_receives_the_older_keys_and_loses_them_with_the_role(
    team, reads, make_person
):
    newcomer = make_person(Role.ANALYST)
    assert not reads(newcomer)

    with unlocked(team.analyst.keychain()):
        # The article's and the campaign's keys, and the fingerprint key (fingerprints.py).
        assert keys.pass_on(actor_id=team.analyst.user.pk) == 3
        assert keys.pass_on(actor_id=team.analyst.user.pk) == 0  # nobody waits any more
    assert reads(newcomer)

    admin = make_person(Role.ADMIN)
    lifecycle.change_role(newcomer.user, Role.RESPONDER, actor=admin.user)
    assert not reads(newcomer)
    # A move between monitoring roles keeps them.
    lifecycle.change_role(team.analyst.user, Role.CASEWORKER, actor=admin.user)
    assert reads(team.analyst)


def test_opening_the_campaigns_passes_the_keys_on(team, reads, make_person, client: Client):
    newcomer = make_person(Role.CASEWORKER)
    sign_in(client, team.coordinator)
    assert client.get(reverse("monitoring:campaigns")).status_code == 200
    assert reads(newcomer)


def test_a_holder_without_the_keys_passes_nothing_on(team, reads, make_person):
    late = make_person(Role.ANALYST)
    other = make_person(Role.ANALYST)
    with unlocked(late.keychain()):
        assert keys.pass_on(actor_id=late.user.pk) == 0
    assert not reads(other)


def test_the_recovery_key_passes_the_keys_on_when_no_holder_is_left(
    team, records, reads, make_person, organisation, tmp_path
):
    first = make_person(Role.ANALYST)
    second = make_person(Role.CASEWORKER)
    responder = make_person(Role.RESPONDER)
    key_file = tmp_path / "recovery.txt"
    key_file.write_text(organisation + "\n")
    wrong_file = tmp_path / "wrong.txt"
    wrong_file.write_text(vault.format_recovery_key(PrivateKey.generate()))

    with pytest.raises(CommandError, match="Refused: this is not this organisation"):
        call_command("monitoring", "pass-on-keys", "--recovery-key-file", str(wrong_file))
    with pytest.raises(CommandError, match="Only active analysts"):
        call_command(
            "monitoring", "pass-on-keys", "--username", responder.user.username,
            "--recovery-key-file", str(key_file),
        )  # fmt: skip
    with pytest.raises(CommandError, match="no person"):
        call_command("monitoring", "pass-on-keys", "--username", "nobody", "--recovery-key-file",
                     str(key_file))  # fmt: skip
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("monitoring", "pass-on-keys", "--recovery-key-file", str(tmp_path / "no"))
    assert not reads(first) and not reads(second)

    before = AuditEntry.objects.filter(action="key.grant").count()
    out = StringIO()
    call_command(
        "monitoring", "pass-on-keys", "--username", first.user.username,
        "--recovery-key-file", str(key_file), stdout=out,
    )  # fmt: skip
    assert "Passed on 3 monitoring keys" in out.getvalue()  # with the fingerprint key
    assert reads(first) and not reads(second)
    assert not reads(responder)

    call_command("monitoring", "pass-on-keys", "--recovery-key-file", str(key_file), stdout=out)
    assert reads(second) and not reads(responder)
    out = StringIO()
    call_command("monitoring", "pass-on-keys", "--recovery-key-file", str(key_file), stdout=out)
    assert "Nobody lacks" in out.getvalue()
    # One entry per receiver, made by nobody signed in.
    grants = AuditEntry.objects.filter(action="key.grant").order_by("seq")
    assert grants.count() == before + 2
    assert [g.actor_id for g in grants.reverse()[:2]] == [None, None]


# --- Who may be waiting is known without counting every key ---------------------------------


def _marked(person) -> KeyHolder | None:
    return KeyHolder.objects.filter(keypair=keypair_for_user(person.user.pk)).first()


def _article_without(person, holder) -> Article:
    """An article whose key was sealed to the role's holders as they were before `person`
    was given the role, and written only now (a poll that overlapped the role change)."""
    with unlocked(holder.keychain()):
        others = [k for k in keys.holders() if k.user_id != person.user.pk]
        key = vault.create_data_key(keys.ARTICLE_PURPOSE, others)
        return Article.objects.create(
            origin=ArticleOrigin.FEED,
            data_key=key,
            url="https://news.example.org/late",
            title="Late",
            text=STORY,
            fetched_at=clock.now(),
        )


def test_once_everybody_holds_every_key_opening_the_queue_counts_no_key(team, records, make_person):
    newcomer = make_person(Role.ANALYST)
    with unlocked(team.analyst.keychain()):
        assert keys.pass_on(actor_id=team.analyst.user.pk) == 3
        assert _marked(team.analyst) and _marked(newcomer) and _marked(team.caseworker)
        with CaptureQueriesContext(connection) as counted:
            assert keys.pass_on(actor_id=team.analyst.user.pk) == 0
    sql = [q["sql"] for q in counted.captured_queries]
    assert not [q for q in sql if "COUNT(" in q.upper()], sql  # no key's wraps counted
    assert len(sql) <= 5, sql  # who is unmarked; the service key and its fingerprint key


def test_a_newcomer_receives_the_newest_keys_first_a_few_at_each_opening(
    team, records, reads, make_person, monkeypatch
):
    """However many keys wait, one opening of the queue seals PASS_ON_AT_ONCE at most, the
    newest first; the newcomer is marked only once nothing is left."""
    from aegis.vault.models import DataKey, KeyWrap

    monkeypatch.setattr(keys, "PASS_ON_AT_ONCE", 2)
    with unlocked(team.caseworker.keychain()):
        keys.pass_on(actor_id=team.caseworker.user.pk)  # the team is marked: nobody waits
        later = [
            articles.ingest(
                origin=ArticleOrigin.FEED,
                title=f"Story {i}",
                text=STORY,
                url=f"https://news.example.org/{i}",
                language="en",
            )
            for i in range(4)
        ]
    oldest_first = [records[0], *later]
    start = clock.now() - datetime.timedelta(days=1)
    for i, article in enumerate(oldest_first):
        DataKey.objects.filter(pk=article.data_key_id).update(
            created_at=start + datetime.timedelta(minutes=i)
        )
    live = DataKey.objects.filter(purpose__in=keys.PURPOSES, shredded_at=None).count()
    newcomer = make_person(Role.ANALYST)
    keypair = keypair_for_user(newcomer.user.pk)

    def held() -> set:
        return set(KeyWrap.objects.filter(keypair=keypair).values_list("data_key_id", flat=True))

    made = []
    with unlocked(team.analyst.keychain()):
        made.append(keys.pass_on(actor_id=team.analyst.user.pk))
        assert held() == {later[3].data_key_id, later[2].data_key_id}  # the newest articles
        assert _marked(newcomer) is None
        while made[-1]:
            made.append(keys.pass_on(actor_id=team.analyst.user.pk))
            assert len(made) <= live
    assert all(0 < n <= 2 for n in made[:-1]) and sum(made) == live
    assert _marked(newcomer) is not None
    assert reads(newcomer)


def test_a_key_written_across_a_role_change_reaches_the_newcomer_at_the_confirmation(
    team, records, reads, make_person
):
    newcomer = make_person(Role.ANALYST)
    with unlocked(team.analyst.keychain()):
        keys.pass_on(actor_id=team.analyst.user.pk)
    late = _article_without(newcomer, team.caseworker)
    marked = _marked(newcomer)
    assert marked is not None and not marked.confirmed

    with unlocked(team.analyst.keychain()):
        assert keys.pass_on(actor_id=team.analyst.user.pk) == 0  # marked a moment ago
    later = clock.now() + keys.SETTLE_AFTER + datetime.timedelta(seconds=1)
    with clock.frozen(later), unlocked(team.analyst.keychain()):
        assert keys.pass_on(actor_id=team.analyst.user.pk) == 1  # the late key
    marked.refresh_from_db()
    assert marked.confirmed
    with unlocked(Keychain(dict(newcomer.keychain().private_keys), newcomer.user.pk)):
        assert Article.objects.get(pk=late.pk).title == "Late"


def test_a_holder_marked_but_not_yet_confirmed_confirms_nobody(team, records, make_person):
    """A mark is trusted for passing keys on only once confirmed: a holder who lacks the
    late key must not confirm others, who would then never receive it."""
    newcomer = make_person(Role.ANALYST)
    with unlocked(team.caseworker.keychain()):
        keys.pass_on(actor_id=team.caseworker.user.pk)
    late = _article_without(newcomer, team.caseworker)
    later = clock.now() + keys.SETTLE_AFTER + datetime.timedelta(seconds=1)
    with clock.frozen(later), unlocked(newcomer.keychain()):
        assert keys.pass_on(actor_id=newcomer.user.pk) == 0
    assert not KeyHolder.objects.filter(confirmed=True).exists()

    with clock.frozen(later), unlocked(team.analyst.keychain()):
        assert keys.pass_on(actor_id=team.analyst.user.pk) == 1  # the late key
    assert KeyHolder.objects.filter(confirmed=True).count() == 4  # the team and the newcomer
    with unlocked(Keychain(dict(newcomer.keychain().private_keys), newcomer.user.pk)):
        assert Article.objects.get(pk=late.pk).title == "Late"


def test_a_holder_who_lacks_keys_marks_nobody(team, records, make_person):
    late = make_person(Role.ANALYST)
    other = make_person(Role.ANALYST)
    with unlocked(late.keychain()):
        keys.pass_on(actor_id=late.user.pk)
    assert _marked(late) is None and _marked(other) is None


def test_losing_the_role_takes_the_mark_and_regaining_it_brings_the_keys_back(
    team, records, reads, make_person
):
    newcomer = make_person(Role.ANALYST)
    with unlocked(team.analyst.keychain()):
        keys.pass_on(actor_id=team.analyst.user.pk)
    admin = make_person(Role.ADMIN)
    lifecycle.change_role(newcomer.user, Role.RESPONDER, actor=admin.user)
    assert _marked(newcomer) is None and not reads(newcomer)

    lifecycle.change_role(newcomer.user, Role.ANALYST, actor=admin.user)
    with unlocked(team.analyst.keychain()):
        assert keys.pass_on(actor_id=team.analyst.user.pk) == 3
    assert reads(newcomer) and _marked(newcomer) is not None


def test_keys_made_while_an_account_was_inactive_reach_it_once_reactivated(
    team, records, make_person
):
    returning = make_person(Role.ANALYST)
    with unlocked(team.analyst.keychain()):
        keys.pass_on(actor_id=team.analyst.user.pk)
    KeyHolder.objects.update(confirmed=True)  # everybody settled long ago
    admin = make_person(Role.ADMIN)
    lifecycle.deactivate(returning.user, actor=admin.user)
    with unlocked(team.caseworker.keychain()):
        made = articles.ingest(
            origin=ArticleOrigin.FEED,
            title="While away",
            text=STORY,
            url="https://news.example.org/away",
            language="en",
        )  # sealed to the active holders only
    assert made is not None
    lifecycle.reactivate(returning.user, actor=admin.user)
    assert _marked(returning) is None

    with unlocked(team.analyst.keychain()):
        assert keys.pass_on(actor_id=team.analyst.user.pk) == 1
    with unlocked(Keychain(dict(returning.keychain().private_keys), returning.user.pk)):
        assert Article.objects.get(pk=made.pk).title == "While away"


def test_the_recovery_key_ceremony_marks_those_it_passed_the_keys_to(
    team, records, make_person, organisation, tmp_path
):
    newcomer = make_person(Role.CASEWORKER)
    key_file = tmp_path / "recovery.txt"
    key_file.write_text(organisation + "\n")
    call_command(
        "monitoring", "pass-on-keys", "--recovery-key-file", str(key_file), stdout=StringIO()
    )
    assert _marked(newcomer) is not None


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_marks_those_who_already_hold_every_key(team, records, make_person):
    """No page view after the upgrade pays for counting the keys of those who hold them all;
    those who lack some are left for a holder to pass them on."""
    from django.db.migrations.executor import MigrationExecutor

    newcomer = make_person(Role.ANALYST)  # given the role after the records were made
    MigrationExecutor(connection).migrate([("monitoring", "0006_one_record_per_form")])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("monitoring", "0007_key_holders_and_merged_order")])
    try:
        for person in (team.analyst, team.caseworker, team.coordinator):
            marked = _marked(person)
            assert marked is not None and marked.confirmed
        assert _marked(newcomer) is None
    finally:  # the later migrations again, for the tests after this one
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    with unlocked(team.analyst.keychain()):
        assert keys.pass_on(actor_id=team.analyst.user.pk) == 3
    assert _marked(newcomer) is not None
