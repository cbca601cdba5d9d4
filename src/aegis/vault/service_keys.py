"""Service keypairs: keys that a background process holds with nobody signed in.

The alert worker must reach a defender's emergency contacts at 3 a.m. The contacts are sealed
to the alert service's public key (in the database); its private key lives only in the
worker's environment: AEGIS_ALERT_SERVICE_KEY, a file named by AEGIS_ALERT_SERVICE_KEY_FILE,
or AEGIS_HOME/secrets/alert_service_key (written once by `aegis init`, mode 0600). It is never
stored in the database, and `aegis wipe` deletes the file."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from django.conf import settings
from django.db import transaction
from nacl.public import PrivateKey

from . import crypto
from .keychain import Keychain
from .models import Keypair

ALERTS = "alerts"


class ServiceKeyMissing(Exception):
    """The service's private key is not in this process's environment."""


def _key_file(name: str) -> Path:
    if path := os.environ.get(f"AEGIS_{name.upper()}_SERVICE_KEY_FILE"):
        return Path(path)
    return Path(settings.AEGIS_HOME) / "secrets" / f"{name}_service_key"


def service_keypair(name: str = ALERTS) -> Keypair | None:
    return Keypair.objects.filter(kind=Keypair.Kind.SERVICE, name=name).first()


@transaction.atomic
def create_service_keypair(name: str = ALERTS) -> Keypair:
    """Create the keypair and write its private key to the secrets folder (once)."""
    if (existing := service_keypair(name)) is not None:
        return existing
    private_key = crypto.new_keypair()
    path = _key_file(name)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.b64encode(bytes(private_key)).decode())
    return Keypair.objects.create(
        kind=Keypair.Kind.SERVICE, name=name, public_key=bytes(private_key.public_key)
    )


def load_private_key(name: str = ALERTS) -> PrivateKey:
    text = os.environ.get(f"AEGIS_{name.upper()}_SERVICE_KEY")
    if not text:
        path = _key_file(name)
        if not path.exists():
            raise ServiceKeyMissing(
                f"The {name} service key is not available to this process: set "
                f"AEGIS_{name.upper()}_SERVICE_KEY or AEGIS_{name.upper()}_SERVICE_KEY_FILE."
            )
        text = path.read_text()
    return PrivateKey(base64.b64decode(text.strip()))


def service_keychain(name: str = ALERTS) -> Keychain:
    """A key context holding the service's private key, for its background work."""
    keypair = service_keypair(name)
    if keypair is None:
        raise ServiceKeyMissing(f"This instance has no {name} service key; run 'aegis init'.")
    private_key = load_private_key(name)
    if bytes(private_key.public_key) != bytes(keypair.public_key):
        raise ServiceKeyMissing(
            f"The {name} service key in the environment is not this instance's."
        )
    return Keychain({keypair.pk: private_key})


def destroy_key_files() -> int:
    """For `aegis wipe`: overwrite and delete every service key file in the secrets folder,
    and the alert service's file where AEGIS_ALERTS_SERVICE_KEY_FILE names another place.
    A file this process may not change (a read-only credential) is left: with the service's
    keypair and wraps gone, the key it holds opens nothing."""
    removed = 0
    paths = {*(Path(settings.AEGIS_HOME) / "secrets").glob("*_service_key"), _key_file(ALERTS)}
    for path in paths:
        try:
            size = path.stat().st_size
            with open(path, "r+b") as handle:
                handle.write(os.urandom(size))
                handle.flush()
                os.fsync(handle.fileno())
            path.unlink()
        except OSError:
            continue
        removed += 1
    return removed
