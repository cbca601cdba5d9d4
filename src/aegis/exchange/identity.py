"""The organisation's own exchange identity: an age X25519 identity (the "exchange" service
keypair of the vault, sealed under an unlock secret that never touches the disk) and an
Ed25519 signing key whose seed is sealed to that keypair. The public halves are printed by
`aegis exchange identity`; the private halves open only in a process given the secret in
AEGIS_EXCHANGE_UNLOCK (or a file named by AEGIS_EXCHANGE_UNLOCK_FILE)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from nacl.public import PrivateKey
from nacl.signing import SigningKey, VerifyKey
from pyrage import x25519

from aegis import clock
from aegis.rules import RuleError
from aegis.vault import crypto, service_keys

from . import keys
from .models import Identity

SERVICE = "exchange"


@dataclass(frozen=True)
class PublicIdentity:
    age_recipient: str
    minisign_key: str

    @property
    def fingerprint(self) -> str:
        return keys.fingerprint(self.age_recipient, self.minisign_key)

    @property
    def key_id(self) -> str:
        return keys.key_id_text(keys.key_id(self.minisign_key))

    @property
    def public_key_file(self) -> str:
        return keys.public_key_file(self.minisign_key)


@dataclass(frozen=True)
class OpenIdentity:
    public: PublicIdentity
    age: x25519.Identity
    signing: SigningKey


def locked_message() -> str:
    return _(
        "The exchange key is locked: give this process its unlock secret in "
        "AEGIS_EXCHANGE_UNLOCK or a file named by AEGIS_EXCHANGE_UNLOCK_FILE."
    )


def current() -> Identity | None:
    """The identity, if it still belongs to this instance's exchange keypair (a wipe and a
    new `aegis init` leave an old one nobody can open)."""
    keypair = service_keys.service_keypair(SERVICE)
    identity = Identity.objects.first()
    if keypair is None or identity is None:
        return None
    if bytes(identity.age_public) != bytes(keypair.public_key):
        return None
    return identity


def public() -> PublicIdentity | None:
    identity = current()
    if identity is None:
        return None
    return PublicIdentity(
        keys.recipient_for(bytes(identity.age_public)),
        keys.line_for(VerifyKey(bytes(identity.signing_public))),
    )


@transaction.atomic
def create(unlock_secret: str | None = None) -> PublicIdentity:
    """Make the identity once (needs the unlock secret); returns its public halves."""
    if (existing := public()) is not None:
        return existing
    try:
        keypair = service_keys.create_service_keypair(SERVICE, unlock_secret)
    except service_keys.ServiceKeyMissing as error:
        raise RuleError(locked_message()) from error
    signing = SigningKey.generate()
    Identity.objects.create(
        age_public=bytes(keypair.public_key),
        signing_public=bytes(signing.verify_key),
        sealed_signing_seed=crypto.seal(bytes(keypair.public_key), bytes(signing)),
        created_at=clock.now(),
    )
    found = public()
    assert found is not None
    return found


def opened() -> OpenIdentity:
    """The private halves, for signing and decrypting; RuleError when they cannot open."""
    identity, shown = current(), public()
    if identity is None or shown is None:
        raise RuleError(
            _("This organisation has no exchange identity yet: run 'aegis exchange identity'.")
        )
    try:
        private: PrivateKey = service_keys.load_private_key(SERVICE)
    except service_keys.ServiceKeyMissing as error:
        raise RuleError(locked_message()) from error
    signing = SigningKey(crypto.unseal(private, bytes(identity.sealed_signing_seed)))
    return OpenIdentity(shown, keys.identity_for(bytes(private)), signing)
