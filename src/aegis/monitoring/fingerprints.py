"""An article's fingerprints (its address, its MinHash signature) under a key of the instance.

Both are kept in clear to find the same story again, and the Mention and Proposal rows
beside them link an article to a person on file and an incident. Unkeyed, anyone with a
copy of the disk could hash a published address or text and learn which article that is,
so who in it the organisation protects. So they are keyed by the fingerprint key: one data
key, sealed like an article's to the analysts, case staff and recovery key, and to the alert
service so that the worker holds it (in memory, as the service key). A key context that
holds none (a worker started without the service's unlock secret) keeps unkeyed
fingerprints, and both kinds are looked up, so nothing is fetched twice when the key
arrives; `aegis monitoring key-fingerprints` keys those (and the ones of an instance made
before this) with the recovery key. The wipe shreds the key with every other one, and
blanks the fingerprints."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from aegis.vault import crypto, keychain, service_keys
from aegis.vault import selectors as vault_selectors
from aegis.vault import services as vault

from . import keys, texts

if TYPE_CHECKING:
    from aegis.vault.models import Keypair

PURPOSE = keys.FINGERPRINT_PURPOSE
_URL_DOMAIN = "monitoring-url"


def key() -> bytes | None:
    """The fingerprint key where this key context holds it (made on first use); else None."""
    chain = keychain.current_or_none()
    if chain is None:
        return None
    key_id = vault.single_key_id(PURPOSE, _holders)
    if not chain.holds(key_id):
        return None
    return chain.data_key(key_id)


def _holders() -> list[Keypair]:
    """Who the fingerprint key is sealed to when it is made: the monitoring roles and the
    recovery key (keys.holders), and the alert service, so that the worker holds it."""
    extra = [keypair] if (keypair := service_keys.service_keypair()) is not None else []
    return keys.holders(also=extra)


_INCIDENT_DOMAIN = "news-incident"


def incident_token(reference: str) -> str:
    """The token a proposal is found by from its incident (models.Proposal.incident_token):
    the reference under the fingerprint key, so that no copy of the disk can join a public
    article to an incident. NoKeyAccess where this key context holds no fingerprint key."""
    secret = key()
    if secret is None:
        raise keychain.NoKeyAccess(vault_selectors.live_key_id(PURPOSE))
    return crypto.hmac_index(secret, reference.strip().upper(), _INCIDENT_DOMAIN)


def incident_tokens(references: Any) -> dict[str, str]:
    """{token: reference} of these references; empty where this key context holds no
    fingerprint key (only the proposals kept in clear before are then found)."""
    secret = key()
    if secret is None:
        return {}
    return {
        crypto.hmac_index(secret, ref.strip().upper(), _INCIDENT_DOMAIN): ref for ref in references
    }


# Query parameters that say where a reader came from, not which page: the same story shared
# with other ones is the same address.
_TRACKING = re.compile(r"utm_\w*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|ref_src|igshid", re.I)


def identity(url: str) -> str:
    """The address as an article's identity: without its fragment and tracking parameters
    (the others kept as written, so that an address without either is itself)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    pairs = parts.query.split("&") if parts.query else []
    kept = [pair for pair in pairs if not _TRACKING.fullmatch(pair.partition("=")[0])]
    # A fragment is a place in the page, except a route of a page that is an app
    # ("#!/story/1", "#/story/1"): that one names the article.
    fragment = parts.fragment if parts.fragment.startswith(("!", "/")) else ""
    if len(kept) == len(pairs) and fragment == parts.fragment:
        return url
    return urlunsplit(parts._replace(query="&".join(kept), fragment=fragment))


def url_hashes(url: str, secret: bytes | None) -> list[str]:
    """What an address is stored as (its identity()): keyed first where the key is held, then
    unkeyed (the fingerprints of a context without the key)."""
    url = identity(url)
    plain = hashlib.sha256(url.encode()).hexdigest()
    if secret is None:
        return [plain]
    return [crypto.hmac_index(secret, url, _URL_DOMAIN), plain]


def signatures(body: str, secret: bytes | None) -> list[bytes]:
    """The text's MinHash signature, keyed first where the key is held, then unkeyed. A keyed
    and an unkeyed signature agree on a slot by chance only (32-bit values)."""
    plain = texts.signature(body)
    return [plain] if secret is None else [texts.signature(body, secret), plain]


@dataclasses.dataclass
class Rekeyed:
    changed: int = 0  # articles, proposals and campaign items keyed, padded or rounded
    skipped: int = 0  # those whose key the key context lacks: left as they were
    compacted: bool = True  # False where SQLite's log could not be emptied (in use)


def rekey(chain: keychain.Keychain) -> Rekeyed:
    """Key again the fingerprints made before the key existed or by a context without it, pad
    the texts kept before they were padded, seal the incidents' references kept in clear
    (models.Proposal) and round the confidences kept exact (models.Article), in a key context
    holding every article's and campaign's key (the recovery key's: `aegis monitoring
    key-fingerprints`). One record the key context cannot
    open never stops the others. The replaced rows are then compacted away."""
    from .articles import queue_confidence
    from .models import Article, CampaignItem, Proposal

    changed = skipped = 0
    with keychain.unlocked(chain):
        secret = key()
        if secret is None:
            raise keychain.NoKeyAccess(vault_selectors.live_key_id(PURPOSE))
        rows = Article.objects.select_related("proposal").order_by("pk")
        for article in vault_selectors.opened_in_chunks(rows):
            try:
                url, title, text = str(article.url), str(article.title), str(article.text)
            except keychain.NoKeyAccess:
                skipped += 1
                continue
            keyed = (
                url_hashes(url, secret)[0] if url else "",
                texts.signature(texts.body_of(title, text), secret),
            )
            # A duplicate has no proposal (the reverse accessor raises an AttributeError).
            proposal = getattr(article, "proposal", None)
            padded = [_pad(record) for record in (article, proposal) if record is not None]
            sealed = proposal is not None and seal_reference(proposal)
            if keyed != (article.url_hash, bytes(article.signature)) or any(padded) or sealed:
                Article.objects.filter(pk=article.pk).update(url_hash=keyed[0], signature=keyed[1])
                changed += 1
        for item in vault_selectors.opened_in_chunks(CampaignItem.objects.order_by("pk")):
            try:
                changed += _pad(item)
            except keychain.NoKeyAccess:
                skipped += 1
    for pk, exact in Proposal.objects.values_list("pk", "confidence").iterator():
        rounded = queue_confidence({"confidence": exact})
        if rounded != exact:
            Proposal.objects.filter(pk=pk).update(confidence=rounded)
            changed += 1
    compacted = vault.compact_database([Article, Proposal, CampaignItem]) if changed else True
    return Rekeyed(changed, skipped, compacted)


def seal_reference(proposal: Any) -> bool:
    """Seal the incident's reference of a proposal decided before it was sealed
    (models.Proposal.legacy_reference). Whether there was one; NoKeyAccess where the key
    context cannot write the proposal or holds no fingerprint key."""
    if not proposal.legacy_reference:
        return False
    proposal.incident_reference = proposal.legacy_reference
    proposal.save(update_fields=["incident_sealed", "incident_token", "legacy_reference"])
    return True


def _pad(record: Any) -> bool:
    """Encrypt again, padded, the fields of a record kept before they were padded. Whether
    there were any; NoKeyAccess where the key context cannot open it."""
    fields = [
        f.name
        for f in record._meta.concrete_fields
        if getattr(f, "pad", False) and _unpadded(record.__dict__.get(f.attname))
    ]
    for name in fields:
        setattr(record, name, getattr(record, name))  # read in clear: saved padded
    if fields:
        record.save(update_fields=fields)
    return bool(fields)


def blank(articles: Any) -> int:
    """Forget the fingerprints of these articles (the wipe). Returns how many."""
    return int(articles.update(url_hash="", signature=b""))


def forget_references() -> int:
    """Forget the incidents' references kept in clear before they were sealed (the wipe:
    their proposals can be sealed no more). Returns how many."""
    from .models import Proposal

    return int(Proposal.objects.exclude(legacy_reference="").update(legacy_reference=""))


def _unpadded(raw: Any) -> bool:
    return isinstance(raw, bytes | memoryview) and bytes(raw[:1]) == crypto.FIELD_VERSION
