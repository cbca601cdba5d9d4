"""An article's fingerprints are keyed: a copy of the disk cannot hash a published address or
text to find the article, and through it the person and incident it is linked to. The worker
holds the key through the alert service key; the wipe blanks them."""

from __future__ import annotations

import datetime
import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aegis import bootstrap
from aegis.monitoring import articles, campaigns, fingerprints, keys, polling, sources, texts
from aegis.monitoring.models import Article, CampaignItem, Proposal
from aegis.monitoring.vocabulary import ArticleOrigin, SourceKind
from aegis.roles import Role
from aegis.vault import crypto, service_keys
from aegis.vault import selectors as vault_selectors
from aegis.vault import services as vault
from aegis.vault.keychain import Keychain, unlocked

from .conftest import STORY, rss

pytestmark = pytest.mark.django_db

URL = "https://news.example.org/2026/defender-arrested"
# The same story under another headline (wire copy): the same fingerprint, whatever the key.
RETOLD_TITLE = "Police detain a defender in Bogota"


def _ingest(chain: Keychain, url: str = URL, title: str = "Defender arrested") -> Article | None:
    with unlocked(chain):
        return articles.ingest(origin=ArticleOrigin.FEED, title=title, text=STORY, url=url)


def _fingerprints(article: Article) -> tuple[str, bytes]:
    url_hash, signature = Article.objects.values_list("url_hash", "signature").get(pk=article.pk)
    return url_hash, bytes(signature)


def _worker() -> Keychain:
    return service_keys.service_keychain()


def test_the_fingerprints_cannot_be_recomputed_from_the_published_article(team):
    article = _ingest(team.caseworker.keychain())
    assert article is not None
    url_hash, signature = _fingerprints(article)
    assert url_hash != hashlib.sha256(URL.encode()).hexdigest()
    unkeyed = texts.signature(texts.body_of("Defender arrested", STORY))
    assert texts.shared_slots(signature, unkeyed) < texts.NEAR_DUPLICATE_SLOTS
    # Still the same story to whoever holds the key: the worker, by the alert service key.
    assert _ingest(_worker()) is None  # the address was seen
    retold = _ingest(_worker(), URL + "?from=rss", RETOLD_TITLE)
    assert retold is not None and retold.duplicate_of == article


def test_without_the_key_the_fingerprints_are_unkeyed_and_still_found(team):
    """A worker started without the service's unlock secret holds no key at all."""
    with unlocked(team.analyst.keychain()):
        assert fingerprints.key() is not None  # made, by the first who needs it
    article = _ingest(Keychain({}))
    assert article is not None
    assert _fingerprints(article)[0] == hashlib.sha256(URL.encode()).hexdigest()
    # Whoever holds the key looks both kinds up.
    assert _ingest(team.analyst.keychain()) is None
    retold = _ingest(team.analyst.keychain(), URL + "?from=rss", RETOLD_TITLE)
    assert retold is not None and retold.duplicate_of == article


def test_an_alert_service_key_made_later_receives_the_fingerprint_key(team):
    assert _ingest(team.analyst.keychain()) is not None
    keypair = service_keys.service_keypair()
    assert keypair is not None
    key_id = vault_selectors.live_key_id(keys.FINGERPRINT_PURPOSE)
    assert key_id is not None
    vault.revoke(key_id, keypair)  # as if the service key had been made after the article
    with unlocked(_worker()) as chain:
        assert fingerprints.key() is None and not chain.holds(key_id)
    with unlocked(team.analyst.keychain()):
        assert keys.pass_on(actor_id=team.analyst.user.pk) == 1
    with unlocked(_worker()):
        assert fingerprints.key() is not None
    assert _ingest(_worker()) is None


def test_the_worker_passes_the_fingerprint_key_to_an_analyst_given_the_role_later(
    web, team, make_person
):
    """Without it, the newcomer's lookups find only unkeyed fingerprints: a story the others
    kept would be kept again. Nobody has to open the queue for the newcomer to receive it."""
    with unlocked(team.analyst.keychain()):
        assert fingerprints.key() is not None
    late = make_person(Role.ANALYST)
    with unlocked(late.keychain()):
        assert fingerprints.key() is None
    feed = sources.create_source(
        actor_id=None, name="Feed", kind=SourceKind.FEED, url=web.add("/f.xml", rss([]))
    )
    polling.poll(feed)
    with unlocked(late.keychain()):
        assert fingerprints.key() is not None
    assert _ingest(team.analyst.keychain()) is not None
    assert _ingest(late.keychain()) is None  # the colleague's keyed address is recognised


@pytest.mark.django_db(transaction=True)  # the wipe compacts the database
def test_the_wipe_blanks_the_fingerprints(team):
    _ingest(Keychain({}))
    _ingest(team.caseworker.keychain(), URL + "?b", RETOLD_TITLE)
    counts = vault.wipe()
    assert counts["article_fingerprints"] == 2
    assert {(h, bytes(s)) for h, s in Article.objects.values_list("url_hash", "signature")} == {
        ("", b"")
    }


@pytest.mark.django_db(transaction=True)  # the wipe compacts the database
def test_the_wipe_forgets_the_incidents_references_kept_in_clear(team):
    """No key seals a proposal's reference kept in clear from before after the wipe: beside
    the article's feed and date it would still say which incident the article became."""
    article = _ingest(team.analyst.keychain())
    assert article is not None
    reference = "INC-2026-04417"
    Proposal.objects.filter(article=article).update(status="merged", legacy_reference=reference)
    counts = vault.wipe()
    assert counts["incident_references"] == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM monitoring_proposal WHERE article_id = %s", [article.pk])
        row = cursor.fetchone()
    raw = b"".join(bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for v in row)
    assert reference.encode() not in raw


def test_the_worker_adds_an_article_naming_a_campaign_target_to_the_campaign(team, organisation):
    """The worker holds no campaign's key: the item is kept under the article's."""
    assert bootstrap.grant_search_key_to_alert_service(organisation) == 0
    with unlocked(team.caseworker.keychain()):  # who holds the search key
        campaign = campaigns.create_campaign(
            actor_id=None,
            target_kind="defender",
            target_name="Maria Lopez",
            first_seen=datetime.date(2026, 10, 1),
        )
    assert campaign.target_index
    article = _ingest(_worker())
    assert article is not None
    item = CampaignItem.objects.get(campaign=campaign)
    assert item.article == article
    with unlocked(team.analyst.keychain()):
        assert CampaignItem.objects.get(pk=item.pk).description == "Defender arrested"


@pytest.mark.django_db(transaction=True)  # the command compacts the database
def test_the_recovery_key_keys_the_fingerprints_made_without_the_key(team, organisation, tmp_path):
    with unlocked(team.analyst.keychain()):
        assert fingerprints.key() is not None
    article = _ingest(Keychain({}))  # unkeyed: a worker without the unlock secret
    assert article is not None
    unkeyed = _fingerprints(article)
    key_file = tmp_path / "recovery.txt"
    key_file.write_text(organisation + "\n")
    out = StringIO()
    call_command("monitoring", "key-fingerprints", "--recovery-key-file", str(key_file), stdout=out)
    assert "Keyed, padded, sealed or rounded 1 articles" in out.getvalue()
    keyed = _fingerprints(article)
    assert keyed[0] != unkeyed[0] and keyed[1] != unkeyed[1]
    assert _ingest(_worker()) is None  # the address is still recognised, now keyed
    # An article the recovery key cannot open is left as it was, and the others are keyed.
    opened = _ingest(Keychain({}), URL + "?b", RETOLD_TITLE)
    closed = _ingest(Keychain({}), "https://other.example.org/x", "Another headline")
    assert opened is not None and closed is not None
    recovery = vault.recovery_keypair()
    assert recovery is not None
    vault.revoke(closed.data_key_id, recovery)
    out, err = StringIO(), StringIO()
    call_command(
        "monitoring",
        "key-fingerprints",
        "--recovery-key-file",
        str(key_file),
        stdout=out,
        stderr=err,
    )
    assert "Keyed, padded, sealed or rounded 1 articles" in out.getvalue()
    assert "1 articles or campaign items were left as they were" in err.getvalue()
    assert _fingerprints(closed)[0] == hashlib.sha256(b"https://other.example.org/x").hexdigest()
    wrong = tmp_path / "wrong.txt"
    wrong.write_text(vault.format_recovery_key(vault.crypto.new_keypair()))
    with pytest.raises(CommandError, match="Refused"):
        call_command("monitoring", "key-fingerprints", "--recovery-key-file", str(wrong))


def test_the_same_story_is_found_under_any_key_and_another_story_under_none():
    """The MinHash rule does not depend on the key's luck (a 64-bit SimHash within 6 bits
    caught a one-word change in this story 6 times in 10)."""
    body = texts.body_of("Defender arrested", STORY)
    retold = body.replace("on Monday", "on Monday morning")
    other = texts.body_of("Harvest", "Farmers in the valley celebrated a record coffee harvest.")
    for n in range(50):
        secret = hashlib.sha256(str(n).encode()).digest()
        signature = texts.signature(body, secret)
        assert texts.shared_slots(signature, texts.signature(retold, secret)) >= 45
        assert texts.shared_slots(signature, texts.signature(other, secret)) <= 3


def test_the_first_near_signature_of_a_block_is_found_and_blanked_ones_are_skipped():
    body = texts.body_of("Defender arrested", STORY)
    other = texts.body_of("Harvest", "Farmers in the valley celebrated a record coffee harvest.")
    secret = b"k" * 32
    story = texts.signature(body, secret)
    retold = texts.signature(body.replace("on Monday", "on Monday morning"), secret)
    unrelated = texts.signature(other, secret)
    block = [b"", unrelated, retold, story]  # b"": a wiped article's
    assert texts.first_near([story], block) == 2
    assert texts.first_near([texts.signature(other), story], block) == 2
    assert texts.first_near([texts.signature(body)], block) is None  # unkeyed: another key
    assert texts.first_near([story], [b"", unrelated]) is None
    assert texts.first_near([b""], block) is None


def _raw(model: type, pk: int, *fields: str) -> list[bytes]:
    return [bytes(v) for v in model.objects.values_list(*fields).get(pk=pk)]


def test_articles_of_different_lengths_look_alike_on_disk(team):
    """The length of a public article's text, headline or address, or of the proposal the
    shipped extractor makes from it, would otherwise tell which one a row is (padded:
    crypto.padded_length)."""
    one = _ingest(team.analyst.keychain(), URL, "Arrest")
    two = _ingest(team.analyst.keychain(), URL + "/a-longer-address", "A defender arrested again")
    assert one is not None and two is not None
    fields = ("url", "title", "text")
    assert [len(v) for v in _raw(Article, one.pk, *fields)] == [
        len(v) for v in _raw(Article, two.pk, *fields)
    ]
    # Two stories of about 2,870 and 2,890 bytes.
    first = " ".join(f"alpha{n}" for n in range(400))[:2870]
    second = " ".join(f"beta{n}" for n in range(450))[:2890]
    with unlocked(team.analyst.keychain()):
        kept = [
            articles.ingest(origin=ArticleOrigin.PASTED, title=title, text=text)
            for title, text in (("Harvest", first), ("Arrest", second))
        ]
    assert all(a is not None and a.duplicate_of is None for a in kept)
    lengths = {len(_raw(Article, a.pk, "text")[0]) for a in kept if a is not None}
    assert lengths == {len(crypto.aead_encrypt(b"k" * 32, b"x" * 2890, b"", pad=crypto.MIN_PADDED))}
    # One proposal is an attack with a violation, the other none: the same length all the same.
    extracted = [_raw(Proposal, Proposal.objects.get(article=a).pk, "extracted")[0] for a in kept]
    assert len(extracted[0]) == len(extracted[1])


@pytest.mark.django_db(transaction=True)  # the command compacts the database
def test_the_recovery_key_pads_the_texts_of_articles_kept_before(team, organisation, tmp_path):
    padded = [
        f
        for model in (Article, Proposal, CampaignItem)
        for f in model._meta.concrete_fields
        if getattr(f, "pad", False)
    ]
    minimums = [field.pad for field in padded]
    for field in padded:
        field.pad = 0
    try:
        article = _ingest(team.analyst.keychain())
        assert article is not None
        with unlocked(team.caseworker.keychain()):  # who holds the search key
            campaign = campaigns.create_campaign(
                actor_id=None,
                target_kind="defender",
                target_name="Ana Ruiz",
                first_seen=datetime.date(2026, 10, 1),
            )
            item = campaigns.add_item(
                campaign,
                actor_id=None,
                platform="news",
                url="https://smear.example.org/post",
                description="She is a foreign agent",
                seen_on=datetime.date(2026, 10, 2),
            )
    finally:
        for field, minimum in zip(padded, minimums, strict=True):
            field.pad = minimum
    proposal = Proposal.objects.get(article=article)
    before = [
        *_raw(Article, article.pk, "url", "title", "text"),
        *_raw(Proposal, proposal.pk, "extracted", "edited"),
        *_raw(CampaignItem, item.pk, "url", "description"),
    ]
    assert {v[:1] for v in before} == {b"\x01"}
    Proposal.objects.filter(pk=proposal.pk).update(confidence=0.8734)  # kept exact before
    key_file = tmp_path / "recovery.txt"
    key_file.write_text(organisation + "\n")
    out = StringIO()
    call_command("monitoring", "key-fingerprints", "--recovery-key-file", str(key_file), stdout=out)
    assert "Keyed, padded, sealed or rounded 3 articles" in out.getvalue()  # and one confidence
    assert "compacted away" in out.getvalue()
    after = [
        *_raw(Article, article.pk, "url", "title", "text"),
        *_raw(Proposal, proposal.pk, "extracted", "edited"),
        *_raw(CampaignItem, item.pk, "url", "description"),
    ]
    assert {v[:1] for v in after} == {b"\x02"}
    assert Proposal.objects.get(pk=proposal.pk).confidence == 0.9
    out = StringIO()
    call_command("monitoring", "key-fingerprints", "--recovery-key-file", str(key_file), stdout=out)
    assert "Nothing to do" in out.getvalue()
    with unlocked(team.analyst.keychain()):
        assert Article.objects.get(pk=article.pk).text == STORY
        assert Proposal.objects.get(pk=proposal.pk).edited == ""
        assert CampaignItem.objects.get(pk=item.pk).description == "She is a foreign agent"


def test_the_confidence_kept_in_clear_is_coarse(team, monkeypatch):
    """The shipped extractor's exact confidence, recomputed from a public article, would
    single it out; the queue ranks by tenths, the proposal keeps the exact figure."""
    exact = {"is_attack": True, "confidence": 0.8734, "violation_types": [], "victims": []}
    monkeypatch.setattr(articles, "run_extractor", lambda *a: exact)
    article = _ingest(team.analyst.keychain())
    assert article is not None
    assert Proposal.objects.values_list("confidence", flat=True).get(article=article) == 0.9
    assert [articles.queue_confidence({"confidence": c}) for c in (None, -1, 0.04, 0.06, 2)] == [
        0.0,
        0.0,
        0.0,
        0.1,
        1.0,
    ]
    with unlocked(team.analyst.keychain()):
        assert '"confidence": 0.8734' in Proposal.objects.get(article=article).extracted


def test_the_recovery_key_opens_the_articles_a_chunk_at_a_time(team, organisation):
    def queries_to_rekey() -> int:
        with CaptureQueriesContext(connection) as seen:
            fingerprints.rekey(vault.recovery_keychain(organisation))
        return len(seen.captured_queries)

    for n in range(2):
        _ingest(team.analyst.keychain(), f"{URL}?{n}", f"Headline {n}")
    fingerprints.rekey(vault.recovery_keychain(organisation))  # keyed and padded already
    few = queries_to_rekey()
    for n in range(2, 8):
        _ingest(team.analyst.keychain(), f"{URL}?{n}", f"Headline {n}")
    fingerprints.rekey(vault.recovery_keychain(organisation))
    assert queries_to_rekey() == few  # not one query more per article


def test_an_address_is_the_same_article_whatever_says_where_its_reader_came_from(team):
    assert _ingest(team.analyst.keychain(), URL + "?utm_source=rss&utm_medium=feed") is not None
    with unlocked(team.analyst.keychain()):
        assert articles.seen(URL + "?utm_source=newsletter#comments")
        assert articles.seen(URL + "?fbclid=IwAR0")
        assert not articles.seen(URL + "?page=2")  # another page of it
    assert fingerprints.identity("https://x.org/a?q=a%20b&gclid=1") == "https://x.org/a?q=a%20b"
    assert fingerprints.identity("https://x.org/a?id=3") == "https://x.org/a?id=3"
    # A route in the fragment names the article: kept.
    assert fingerprints.identity("https://x.org/#!/story/1?utm_source=x") == (
        "https://x.org/#!/story/1?utm_source=x"
    )
    assert (
        fingerprints.identity("https://x.org/?utm_source=x#/story/2") == "https://x.org/#/story/2"
    )


@pytest.mark.django_db(transaction=True)  # the command compacts the database
def test_the_recovery_key_seals_the_incidents_references_kept_in_clear(
    team, organisation, tmp_path
):
    """A proposal merged before the references were sealed keeps its incident's reference in
    clear (the migration holds no key): its caseworkers still find it, and the command seals
    it."""
    from aegis.incidents import services as incident_services
    from aegis.monitoring import selectors

    with unlocked(team.caseworker.keychain()):
        reference = incident_services.create_incident(
            team.compartment,
            actor_id=team.caseworker.user.pk,
            title="Arrest of a defender",
            date_start=datetime.date(2026, 11, 17),
            country="CO",
        ).reference
    article = _ingest(team.analyst.keychain())
    assert article is not None
    Proposal.objects.filter(article=article).update(
        status="merged", legacy_reference=reference, decided_at=article.fetched_at
    )
    proposal = Proposal.objects.get(article=article)
    user = team.caseworker.user

    def waiting() -> list[str]:
        with unlocked(team.caseworker.keychain()):
            assert selectors.merged_count(user) == (1, False)
            return [p.incident_reference for p in selectors.merged_page(user, {}).object_list]

    assert waiting() == [reference]
    assert proposal.legacy_reference == reference
    key_file = tmp_path / "recovery.txt"
    key_file.write_text(organisation + "\n")
    out = StringIO()
    call_command("monitoring", "key-fingerprints", "--recovery-key-file", str(key_file), stdout=out)
    assert "Keyed, padded, sealed or rounded 1 articles" in out.getvalue()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM monitoring_proposal WHERE id = %s", [proposal.pk])
        row = cursor.fetchone()
    raw = b"".join(bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for v in row)
    assert reference.encode() not in raw
    assert waiting() == [reference]
