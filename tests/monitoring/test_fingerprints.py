"""An article's fingerprints are keyed: a copy of the disk cannot hash a published address or
text to find the article, and through it the person and incident it is linked to. The worker
holds the key through the alert service key; the wipe blanks them."""

from __future__ import annotations

import datetime
import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from aegis import bootstrap
from aegis.monitoring import articles, campaigns, fingerprints, keys, texts
from aegis.monitoring.models import Article, CampaignItem
from aegis.monitoring.vocabulary import ArticleOrigin
from aegis.vault import selectors as vault_selectors
from aegis.vault import service_keys
from aegis.vault import services as vault
from aegis.vault.keychain import Keychain, unlocked

from .conftest import STORY

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


@pytest.mark.django_db(transaction=True)  # the wipe compacts the database
def test_the_wipe_blanks_the_fingerprints(team):
    _ingest(Keychain({}))
    _ingest(team.caseworker.keychain(), URL + "?b", RETOLD_TITLE)
    counts = vault.wipe()
    assert counts["article_fingerprints"] == 2
    assert {(h, bytes(s)) for h, s in Article.objects.values_list("url_hash", "signature")} == {
        ("", b"")
    }


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
    assert "Keyed the fingerprints of 1 articles." in out.getvalue()
    keyed = _fingerprints(article)
    assert keyed[0] != unkeyed[0] and keyed[1] != unkeyed[1]
    assert _ingest(_worker()) is None  # the address is still recognised, now keyed
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
