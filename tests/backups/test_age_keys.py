"""The recovery key's age names: the identity and the recipient are one X25519 keypair, as
pyrage (the age library) sees them; key files are read in the forms people keep them."""

from __future__ import annotations

import pytest
from nacl.public import PrivateKey
from pyrage import x25519

from aegis.backups import age_keys
from aegis.vault.services import format_recovery_key

pytestmark = pytest.mark.engine_independent


@pytest.mark.parametrize("_", range(5))
def test_the_identity_of_a_recovery_key_opens_what_its_public_key_receives(_):
    private_key = PrivateKey.generate()
    identity = x25519.Identity.from_str(age_keys.identity_text(format_recovery_key(private_key)))
    recipient = age_keys.recipient_for(bytes(private_key.public_key))
    assert str(identity.to_public()) == recipient
    assert recipient.startswith("age1") and len(recipient) == 62


def test_a_recovery_key_is_read_as_typed_in_any_case_and_spacing():
    text = format_recovery_key(PrivateKey.generate())
    sloppy = "  " + text.lower().replace("-", " ") + "\n"
    assert [str(i.to_public()) for i in age_keys.identities(sloppy)] == [
        str(i.to_public()) for i in age_keys.identities(text)
    ]


def test_an_age_identity_file_with_comments_is_read():
    one, two = x25519.Identity.generate(), x25519.Identity.generate()
    text = f"# created: today\n# public key: {one.to_public()}\n{one}\n\n{two}\n"
    found = age_keys.identities(text)
    assert [str(i.to_public()) for i in found] == [str(one.to_public()), str(two.to_public())]


@pytest.mark.parametrize(
    "text", ["", "not a key", "AGE-SECRET-KEY-1NOTBECH32", "ABCD-EFGH", "age1xyz"]
)
def test_text_that_is_no_key_is_refused(text):
    with pytest.raises(age_keys.KeyNotUsable):
        age_keys.identities(text)


def test_a_recipient_that_is_no_age_key_is_refused():
    with pytest.raises(age_keys.KeyNotUsable):
        age_keys.recipients(["age1typo"])
