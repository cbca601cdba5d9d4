"""The duress word: a word the defender says or types (at sign-in, at a check-in) to signal,
without being seen to, that they are under coercion.

It is kept twice: encrypted (so staff can remind the defender of it) and as a digest for
comparison. The digest is HMAC-SHA256 of the normalised word under a subkey derived from the
plan's own data key, not the organisation's blind-index key, because:

- whoever must check it holds the plan key but not the index key: the alert worker (service
  key) and the defender's own account;
- a per-plan key means equal words in two plans give different digests, so a seized database
  or a holder of the index key cannot link plans or test guesses across all of them.

Normalisation is that of names (aegis.vault.normalise.name): case, accents (and Arabic
vowel marks), punctuation and spacing do not matter, so "Girasol!" matches "  girasol"."""

from __future__ import annotations

import hmac
import uuid

from aegis.vault import crypto, normalise
from aegis.vault.keychain import current

PURPOSE = b"aegis safety-plan duress word"


def normalised(word: str) -> str:
    return normalise.name(word)


def digest(data_key_id: uuid.UUID, word: str) -> str:
    """The comparable form of `word` for one plan; the plan's key must be unlocked."""
    key = crypto.derive_subkey(current().data_key(data_key_id), PURPOSE)
    return crypto.hmac_index(key, normalised(word), "duress")


def matches(data_key_id: uuid.UUID, stored_digest: str, word: str) -> bool:
    if not stored_digest or not normalised(word):
        return False
    return hmac.compare_digest(stored_digest, digest(data_key_id, word))
