"""Service keypairs: keys that a background process holds with nobody signed in.

The alert worker must reach a defender's emergency contacts at 3 a.m. The contacts are sealed
to the alert service's public key. Its private key is stored in the database only sealed
(SecretBox under an Argon2id key) under an *unlock secret* that is never written to
AEGIS_HOME or the database: each process receives it when it starts, from
AEGIS_ALERT_SERVICE_UNLOCK, a file named by AEGIS_ALERT_SERVICE_UNLOCK_FILE (a tmpfs file, a
secret manager's mount), a systemd credential ($CREDENTIALS_DIRECTORY/aegis-alert-unlock), or
typed at the worker's prompt, and keeps the opened key in memory only. A seized, powered-off
disk or a backup therefore opens nothing sealed to the service. The private key is also
sealed to the organisation recovery key (kept offline), so a lost unlock secret can be
replaced (`aegis seal-service-key --recovery-key-file`).

The demo keeps its unlock secrets in AEGIS_HOME/secrets (<name>_service_unlock.demo) for
convenience and says so on every start; such an instance never receives the search key.

Instances made before sealing kept the private key in clear in AEGIS_HOME/secrets/
<name>_service_key: nothing opens it any more until `aegis seal-service-key` seals it."""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from nacl.public import PrivateKey

from . import crypto, wipe_key
from .keychain import Keychain
from .models import Keypair
from .wipe_key import erase_file

ALERTS = "alerts"
CREDENTIAL = "aegis-alert-unlock"
MIN_UNLOCK_LENGTH = 16


class ServiceKeyMissing(Exception):
    """The service's private key cannot be opened in this process."""


class WrongUnlockSecret(ServiceKeyMissing):
    """An unlock secret was supplied but it does not open this instance's service key."""


class WipeKeyReplaced(ServiceKeyMissing):
    """The service key is bound to a wipe key that was replaced since (`aegis recover` after
    it was lost): no unlock secret opens it; it is sealed again with the recovery key."""


def reseal_command(name: str = ALERTS) -> str:
    service = "" if name == ALERTS else f" --service {name}"
    return f"aegis seal-service-key{service} --recovery-key-file RECOVERY-KEY-FILE"


@dataclass(frozen=True)
class Unlock:
    secret: str
    source: str  # where it came from, for messages (never the secret itself)
    path: Path | None = None  # the file it was read from, if any


# The unlock secret typed at a prompt, and the private key it opened: this process only.
_typed: dict[str, str] = {}
_opened: dict[str, tuple[bytes, PrivateKey]] = {}


def unlock_variable(name: str = ALERTS) -> str:
    return "AEGIS_ALERT_SERVICE_UNLOCK" if name == ALERTS else f"AEGIS_{name.upper()}_UNLOCK"


def how_to_supply(name: str = ALERTS) -> str:
    variable = unlock_variable(name)
    return (
        f"supply its unlock secret in {variable}, in a file named by {variable}_FILE "
        f"(on a tmpfs, or a secret manager's mount), as the systemd credential "
        f"'{CREDENTIAL}' (LoadCredential=), or type it when 'aegis worker' asks on a terminal"
    )


def _legacy_key_file(name: str) -> Path:
    return Path(settings.AEGIS_HOME) / "secrets" / f"{name}_service_key"


def unsealed_key_file(name: str = ALERTS) -> Path | None:
    """The private key in clear, as instances made before sealing kept it, if it is there."""
    path = _legacy_key_file(name)
    return path if path.exists() else None


def demo_unlock_file(name: str = ALERTS) -> Path:
    return Path(settings.AEGIS_HOME) / "secrets" / f"{name}_service_unlock.demo"


def remember_typed(secret: str, name: str = ALERTS) -> None:
    _typed[name] = secret


def supplied_unlock(name: str = ALERTS) -> Unlock | None:
    """The unlock secret given to this process, or None."""
    variable = unlock_variable(name)
    if name in _typed:
        return Unlock(_typed[name], "the prompt")
    if value := os.environ.get(variable, "").strip():
        return Unlock(value, variable)
    candidates = []
    if path := os.environ.get(f"{variable}_FILE"):
        candidates.append((Path(path), f"{variable}_FILE ({path})"))
    if name == ALERTS and (folder := os.environ.get("CREDENTIALS_DIRECTORY")):
        candidates.append((Path(folder) / CREDENTIAL, f"the systemd credential {CREDENTIAL}"))
    for file, source in candidates:
        try:
            text = file.read_text().strip()
        except OSError:
            continue
        if text:
            return Unlock(text, source, file)
    return None


def new_unlock_secret() -> str:
    """A generated unlock secret: 256 bits, in groups that are easy to copy."""
    text = secrets.token_urlsafe(32)
    return "-".join(text[i : i + 6] for i in range(0, len(text), 6))


def check_unlock_secret(secret: str) -> str | None:
    """Why an unlock secret chosen by a person is refused, or None."""
    if len(secret.strip()) < MIN_UNLOCK_LENGTH:
        return f"an unlock secret needs at least {MIN_UNLOCK_LENGTH} characters"
    return None


def service_keypair(name: str = ALERTS) -> Keypair | None:
    return Keypair.objects.filter(kind=Keypair.Kind.SERVICE, name=name).first()


def holds_search_key(name: str = ALERTS) -> bool:
    """Whether the search key is sealed to the service (the grant-search-key ceremony): the
    alert service then recognises people named in the news and in SMS."""
    from .selectors import keypair_holds_search_key

    keypair = service_keypair(name)
    return keypair is not None and keypair_holds_search_key(keypair)


def _seal(keypair: Keypair, private_key: PrivateKey, unlock_secret: str) -> None:
    from . import services  # the same sealing as a person's key, under the unlock secret

    services.reseal_user_keypair(keypair, private_key, unlock_secret)
    _opened[keypair.name] = (bytes(keypair.sealed_private_key or b""), private_key)


@transaction.atomic
def create_service_keypair(name: str = ALERTS, unlock_secret: str | None = None) -> Keypair:
    """Create the keypair with its private key sealed under the unlock secret (once)."""
    if (existing := service_keypair(name)) is not None:
        return existing
    if unlock_secret is None:
        supplied = supplied_unlock(name)
        if supplied is None:
            raise ServiceKeyMissing(
                f"No unlock secret for the {name} service key: {how_to_supply(name)}."
            )
        unlock_secret = supplied.secret
    private_key = crypto.new_keypair()
    keypair = Keypair.objects.create(
        kind=Keypair.Kind.SERVICE, name=name, public_key=bytes(private_key.public_key)
    )
    _seal(keypair, private_key, unlock_secret)
    return keypair


def _open(keypair: Keypair, unlock: Unlock) -> PrivateKey:
    from . import services

    try:
        private_key = services.unlock_user_keypair(keypair, unlock.secret)
    except services.WipeKeyMissing as exc:
        raise ServiceKeyMissing(str(exc)) from exc
    except services.SealedUnderOtherWipeKey as exc:
        raise WipeKeyReplaced(
            f"This instance's {keypair.name} service key is sealed under a wipe key that was "
            "replaced since (a lost wipe key is replaced by 'aegis recover'), so no unlock "
            f"secret opens it any more, the one from {unlock.source} included. Seal it again "
            f"with the organisation recovery key: {reseal_command(keypair.name)} (it prints "
            "the new unlock secret to supply)."
        ) from exc
    except services.WrongPassphrase as exc:
        # Sealed before the wipe key's id was kept: a replaced wipe key cannot be told apart.
        unknown = keypair.seal_version >= wipe_key.SEAL_VERSION and not keypair.wipe_key_id
        raise WrongUnlockSecret(
            f"The unlock secret from {unlock.source} does not open this instance's "
            f"{keypair.name} service key."
            + (
                " If a lost wipe key was replaced since it was sealed ('aegis recover'), "
                f"seal it again with the organisation recovery key: {reseal_command(keypair.name)}."
                if unknown
                else ""
            )
        ) from exc
    if bytes(private_key.public_key) != bytes(keypair.public_key):
        raise WrongUnlockSecret(f"The {keypair.name} service key does not match its public key.")
    return private_key


def load_private_key(name: str = ALERTS) -> PrivateKey:
    """The service's private key, opened once per process with the supplied unlock secret."""
    return _private_key(service_keypair(name), name)


def _private_key(keypair: Keypair | None, name: str) -> PrivateKey:
    if keypair is None:
        raise ServiceKeyMissing(f"This instance has no {name} service key; run 'aegis init'.")
    if keypair.sealed_private_key is None:
        _opened.pop(name, None)
        if (unsealed := unsealed_key_file(name)) is not None:
            raise ServiceKeyMissing(
                f"The {name} service key is stored unsealed in {unsealed}, where a copy of "
                "the disk reads it; run 'aegis seal-service-key' to seal it."
            )
        raise ServiceKeyMissing(f"The {name} service key was destroyed (aegis wipe).")
    sealed = bytes(keypair.sealed_private_key)
    cached = _opened.get(name)
    if cached is not None and cached[0] == sealed:
        return cached[1]
    unlock = supplied_unlock(name)
    if unlock is None:
        raise ServiceKeyMissing(
            f"The {name} service key is sealed and this process has no unlock secret: "
            f"{how_to_supply(name)}."
        )
    private_key = _open(keypair, unlock)
    _opened[name] = (sealed, private_key)
    return private_key


def service_keychain(name: str = ALERTS) -> Keychain:
    """A key context holding the service's private key, for its background work."""
    keypair = service_keypair(name)
    private_key = _private_key(keypair, name)
    assert keypair is not None
    return Keychain({keypair.pk: private_key})


def unlock_on_disk(name: str = ALERTS) -> str | None:
    """Why the service key can be opened from a copy of AEGIS_HOME, or None: its private key
    in clear (made before sealing), the demo's unlock secret, or an unlock file kept there."""
    if _legacy_key_file(name).exists():
        return f"the {name} service key is stored unsealed in {_legacy_key_file(name)}"
    keypair = service_keypair(name)
    demo = demo_unlock_file()
    if demo.exists() and keypair is not None and keypair.sealed_private_key is not None:
        try:
            _open(keypair, Unlock(demo.read_text().strip(), str(demo)))
        except WrongUnlockSecret:
            pass  # not this instance's demo secret
        else:
            return f"its unlock secret is stored in {demo} (the demo's convenience mode)"
    supplied = supplied_unlock(name)
    home = Path(settings.AEGIS_HOME).resolve()
    path = supplied.path if supplied is not None else None
    if path is not None and path.resolve().is_relative_to(home):
        return f"its unlock secret is read from {path}, inside AEGIS_HOME"
    return None


# The most files the key ceremony tries as unlock secrets (each try costs an Argon2id
# derivation); an unlock secret is a short line of text, so only small files are tried.
HOME_CANDIDATES = 32
CANDIDATE_MAX_BYTES = 1024


def unlock_kept_in_home(name: str = ALERTS) -> str | None:
    """Why the service key opens from a file kept inside AEGIS_HOME, or None: the small text
    files there (the secrets folder first) tried as its unlock secret. The key ceremony runs
    in an admin's shell, whose environment says nothing of where the worker reads its
    secret; a file that opens the key is found whichever process reads it."""
    keypair = service_keypair(name)
    if keypair is None or keypair.sealed_private_key is None:
        return None
    home = Path(settings.AEGIS_HOME).resolve()
    secrets_folder = home / "secrets"
    found: list[tuple[Path, str]] = []
    for folder, _dirs, files in os.walk(home):
        for file in sorted(files):
            path = Path(folder, file)
            try:
                if not MIN_UNLOCK_LENGTH <= path.stat().st_size <= CANDIDATE_MAX_BYTES:
                    continue
                if not path.resolve().is_relative_to(home):
                    continue  # a link to a tmpfs or a secret manager's mount
                text = path.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError):  # encrypted blobs are not text
                continue
            if len(text) >= MIN_UNLOCK_LENGTH and "\n" not in text:
                found.append((path, text))
    found.sort(key=lambda candidate: not candidate[0].is_relative_to(secrets_folder))
    for path, text in found[:HOME_CANDIDATES]:
        try:
            _open(keypair, Unlock(text, str(path)))
        except WrongUnlockSecret:
            continue
        return f"its unlock secret is kept in {path}, inside AEGIS_HOME"
    return None


def drop_search_key(name: str = ALERTS) -> int:
    """Take the search key back from the service (a `key.revoke` audit entry); how many keys
    were taken back. Needs no key: the wrap is deleted."""
    from . import services
    from .fields import INDEX_KEY_PURPOSE

    keypair = service_keypair(name)
    if keypair is None:
        return 0
    return services.revoke_purposes([INDEX_KEY_PURPOSE], keypair, actor_id=None)


def forget(name: str = ALERTS) -> None:
    """Drop the key and typed secret this process holds (wipe; tests of a process without)."""
    _opened.pop(name, None)
    _typed.pop(name, None)


def start_up_notice(name: str = ALERTS) -> tuple[bool, str]:
    """(usable, what to tell the operator) for `aegis worker` and `aegis serve` at start."""
    try:
        load_private_key(name)
    except ServiceKeyMissing as exc:
        return False, str(exc)
    if (why := unlock_on_disk(name)) is not None:
        # The search key is never held by a service whose key a copy of the disk opens,
        # whatever the ceremony's shell could tell: taken back here, at every start.
        dropped = (
            f" The search key sealed to the {name} service was taken back (recorded in the "
            "audit log): with it, a copy of that folder would let anyone test names and phone "
            "numbers against the search indexes. To give it back, supply the unlock secret "
            "from outside AEGIS_HOME, restart, and run 'aegis grant-search-key "
            "--alert-service' again."
            if drop_search_key(name)
            else ""
        )
        return True, (
            f"NOT FOR PRODUCTION: {why}; anyone with a copy of that folder reads every "
            f"safety plan's contacts.{dropped} In production, {how_to_supply(name)}."
        )
    unlock = supplied_unlock(name)
    source = unlock.source if unlock is not None else "memory"
    return True, f"The {name} service key is unlocked (unlock secret from {source})."


@transaction.atomic
def seal_service_key(name: str, unlock_secret: str, recovery: Keychain | None = None) -> str:
    """Seal the service key under a new unlock secret. It is opened from the unsealed file of
    an instance made before sealing (then destroyed), or with the unlock secret this process
    holds, or with the organisation recovery key (`recovery`). Returns what was done."""
    keypair = service_keypair(name)
    if keypair is None:
        raise ServiceKeyMissing(f"This instance has no {name} service key; run 'aegis init'.")
    legacy = _legacy_key_file(name)
    if legacy.exists():
        private_key = PrivateKey(base64.b64decode(legacy.read_text().strip()))
        if bytes(private_key.public_key) != bytes(keypair.public_key):
            raise ServiceKeyMissing(f"{legacy} does not hold this instance's {name} service key.")
        done = f"The {name} service key from {legacy} is now sealed; the file was destroyed."
    elif recovery is not None:
        if keypair.recovery_sealed_private_key is None:
            raise ServiceKeyMissing(f"The {name} service key was never sealed to the recovery key.")
        recovery_private = next(iter(recovery.private_keys.values()))
        private_key = PrivateKey(
            crypto.unseal(recovery_private, bytes(keypair.recovery_sealed_private_key))
        )
        done = f"The {name} service key is sealed under a new unlock secret."
    else:
        private_key = load_private_key(name)
        done = f"The {name} service key is sealed under a new unlock secret."
    _seal(keypair, private_key, unlock_secret)
    if legacy.exists():
        transaction.on_commit(lambda: erase_file(legacy))
    return done


def write_demo_unlock_file(name: str = ALERTS) -> str:
    """The demo's convenience mode: a generated unlock secret kept in AEGIS_HOME/secrets."""
    path = demo_unlock_file(name)
    if path.exists():
        return path.read_text().strip()
    secret = new_unlock_secret()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret


def unlock_for_demo_data(name: str) -> None:
    """Give this process an unlock secret for another service's demo key. In the demo's
    convenience mode (the alert service's secret is on disk) it is kept beside that one and
    handed to later processes through the environment; on an instance made by `aegis init`
    it stays in this process only, so a copy of the folder opens nothing."""
    if supplied_unlock(name) is not None:
        return
    if not demo_unlock_file().exists():
        remember_typed(new_unlock_secret(), name)
        return
    write_demo_unlock_file(name)
    os.environ[f"{unlock_variable(name)}_FILE"] = str(demo_unlock_file(name))


def destroy_key_files() -> int:
    """For `aegis wipe`: overwrite and delete every service key file in the secrets folder
    (an unsealed key of an older instance, the demo's unlock secret), and forget the key
    this process opened."""
    for name in list(_opened) + list(_typed):
        forget(name)
    folder = Path(settings.AEGIS_HOME) / "secrets"
    removed = 0
    for path in [*folder.glob("*_service_key"), *folder.glob("*_service_unlock.demo")]:
        try:
            erase_file(path)
        except OSError:  # a file this process may not change: the key it holds opens nothing
            continue
        removed += 1
    return removed
