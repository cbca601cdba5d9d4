"""Creating an instance (`aegis init`) and destroying its keys (`aegis wipe`)."""

from __future__ import annotations

import getpass
import io
import shutil
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, transaction

from .accounts import selectors as account_selectors
from .accounts import services as accounts
from .backups import services as backups
from .roles import Role
from .vault import selectors as vault_selectors
from .vault import service_keys, wipe_key
from .vault import services as vault
from .vault.keychain import unlocked
from .vault.models import Keypair
from .vault.selectors import keypair_for_user
from .vault.service_keys import ALERTS, create_service_keypair


def migrate() -> None:
    """A new database made from the models (aegis.schema), an existing one migrated; with a
    progress bar on a terminal (stderr), since either takes many seconds on a slow laptop."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from tqdm import tqdm

    from . import schema

    if schema.unfinished():  # made from the models by a run that stopped before the end
        schema.finish()
    fresh = schema.is_empty()
    if fresh:
        steps = schema.steps()
    else:
        executor = MigrationExecutor(connection)
        steps = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    with tqdm(
        total=steps,
        desc="Setting up the database",
        unit=" steps",
        disable=None if steps else True,  # None: shown only on a terminal
        leave=False,
        mininterval=0,  # each step drawn (a hundred or more): the last is always seen
    ) as bar:
        if fresh:
            schema.create_from_models(stdout=_Steps(bar), step=lambda: bar.update(1))
        else:
            call_command("migrate", interactive=False, verbosity=1, stdout=_Steps(bar))
    accounts.ensure_roles()


class _Steps(io.TextIOBase):
    """What migrate writes, read only to move the bar: a step for each migration applied
    (its line ends in " OK") or table made ("Creating table ...")."""

    def __init__(self, bar: Any) -> None:
        super().__init__()
        self.bar = bar

    def write(self, text: str) -> int:
        line = text.strip()
        if line == "OK" or line.startswith("Creating table "):
            self.bar.update(1)
        return len(text)


def create_organisation_keys(unlock_secret: str | None = None) -> str:
    """The recovery key (returned, shown once), the search index key sealed to it, and the
    alert service's keypair, its private key sealed under the unlock secret (by default the
    one supplied to this process) and to the recovery key."""
    with transaction.atomic():
        recovery_text = vault.create_recovery_key()
        recovery = vault.recovery_keypair()
        assert recovery is not None
        create_service_keypair(ALERTS, unlock_secret)
        with unlocked(vault.recovery_keychain(recovery_text)):
            vault.create_index_key([recovery])
    return recovery_text


# How each service's key is named to the operator, and who needs its unlock secret.
SERVICE_WORDS = {
    ALERTS: ("alert service", "The worker (and the web server, to recognise duress words)"),
    "exchange": (
        "exchange service",
        "The web server and every 'aegis exchange' command (they sign and open bundles)",
    ),
}


def choose_unlock_secret(
    interactive: bool, from_file: str | None = None, use_supplied: bool = True, name: str = ALERTS
) -> tuple[str, bool]:
    """A service's new unlock secret and whether it was generated here (then it must be
    shown once): from a file, else the one supplied to this process, else typed by the
    operator on a terminal (empty: generated), else generated."""
    if from_file:
        return Path(from_file).read_text().strip(), False
    if use_supplied and (supplied := service_keys.supplied_unlock(name)) is not None:
        return supplied.secret, False
    label = SERVICE_WORDS[name][0].capitalize()
    while interactive and sys.stdin.isatty():
        typed = getpass.getpass(
            f"{label} unlock secret (16+ characters; press Enter to have one generated): "
        )
        if not typed:
            break
        if (why := service_keys.check_unlock_secret(typed)) is not None:
            print(f"Not accepted: {why}.")
            continue
        if getpass.getpass("The same unlock secret again: ") == typed:
            return typed, False
        print("The two were not the same.")
    return service_keys.new_unlock_secret(), True


def print_unlock_secret(secret: str, generated: bool, name: str = ALERTS) -> None:
    variable = service_keys.unlock_variable(name)
    label, who = SERVICE_WORDS[name]
    if generated:
        print(f"{label.upper()} UNLOCK SECRET — shown only this once:\n")
        print(f"    {secret}\n")
    else:
        print(f"The {label} key is sealed under the unlock secret you supplied.")
    print(f"{who} needs it at every start;")
    print("it is never written to AEGIS_HOME or the database, so a copy of the disk opens")
    # The systemd credential is the alert service's alone (service_keys.supplied_unlock).
    credential = f"the systemd credential '{service_keys.CREDENTIAL}', " if name == ALERTS else ""
    print(f"nothing. Give it as {credential}in")
    print(f"{variable}_FILE (a file on a tmpfs), or in {variable}. Keep a copy offline,")
    option = "" if name == ALERTS else f" --service {name}"
    print(f"away from the server and its backups. Lost: 'aegis seal-service-key{option}")
    print("--recovery-key-file F' seals the key under a new one.\n")


def print_enrolment(enrolment: accounts.Enrolment, password: str | None = None) -> None:
    print(f"  username: {enrolment.user.username}")
    if password:
        print(f"  password: {password}")
    print(f"  authenticator secret: {enrolment.totp_secret}")
    # Every code made (accounts.BACKUP_CODES): a code never shown here is shown nowhere.
    print(f"  backup codes (each works once): {' '.join(enrolment.backup_codes)}")


def _initialised() -> bool:
    """Whether the instance has its recovery key, read without migrating (no tables yet: no)."""
    try:
        return vault.recovery_keypair() is not None
    except DatabaseError:
        return False


def _username_taken(username: str) -> bool:
    """Whether an account has this username already (on a wiped instance, one from before
    the wipe: accounts stay, without their keys); read before migrating (no tables: no)."""
    try:
        return account_selectors.username_taken(username)
    except DatabaseError:
        return False


def _username_refusal(username: str) -> str | None:
    """Why the first administrator cannot have this username, in words; None when they can.
    Asked before anything is written: a taken name had failed only after the organisation's
    keys were made."""
    if problem := accounts.username_problem(username):
        return str(problem)
    if _username_taken(username):
        wiped = vault_selectors.wiped()
        kept = " (the accounts from before the wipe remain, without their keys)" if wiped else ""
        return f"someone already has the username {username!r}{kept}. Choose another."
    return None


def _password_refusal(username: str, password: str) -> str | None:
    try:
        password_validation.validate_password(password, get_user_model()(username=username))
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None


def _first_administrator(
    admin_username: str | None, admin_password: str | None, interactive: bool
) -> tuple[str, str] | None:
    """The first administrator's name and password; None (and what is wrong said) when they
    are missing or refused. Interactive, a missing or refused username is asked for (again)
    and a missing password asked twice, until both are accepted; a password from a file is
    refused when weak, never replaced by one typed. EOFError where the input ends first."""
    if not interactive and not (admin_username and admin_password):
        print(
            "Give --admin-username and --admin-password-file (or run without --no-input).",
            file=sys.stderr,
        )
        return None
    username = (admin_username or "").strip()
    while (problem := _username_refusal(username)) is not None:
        if not interactive:
            print(f"The username is not accepted: {problem}", file=sys.stderr)
            return None
        if username:  # nothing typed yet, or only Enter: just asked (again)
            print(f"The username is not accepted: {problem}")
        username = input("First administrator's username: ").strip()
    if admin_password:
        if (problem := _password_refusal(username, admin_password)) is not None:
            print(f"The password is not accepted: {problem}", file=sys.stderr)
            return None
        return username, admin_password
    while True:
        typed = getpass.getpass("First administrator's password (12+ characters): ")
        if (problem := _password_refusal(username, typed)) is not None:
            print(f"The password is not accepted: {problem}")
            continue
        # Typed unseen, as the unlock secret is: a typing mistake would lock the first
        # administrator out of an instance nobody else can sign in to yet.
        if getpass.getpass("The same password again: ") == typed:
            return username, typed
        print("The two were not the same.")


def init_instance(admin_username: str | None, admin_password: str | None, interactive: bool) -> int:
    try:
        return _init_instance(admin_username, admin_password, interactive)
    except EOFError:
        # Ctrl-D, or piped input that ran out, at a prompt: every question of a new instance
        # is asked before anything is written, so there is nothing to undo.
        print(
            ("\n" if sys.stderr.isatty() else "")  # the cursor stands after the prompt
            + "Stopped: the input ended before an answer was given. Nothing was set up.",
            file=sys.stderr,
        )
        return 2


def _init_instance(
    admin_username: str | None, admin_password: str | None, interactive: bool
) -> int:
    # A new instance's details, and its unlock secret, are asked and checked before the
    # migrations, which take many seconds on a slow machine, and before anything is written:
    # a weak password, a taken username or an unanswered prompt leaves the instance as it was.
    first = None
    unlock: tuple[str, bool] | None = None
    if not _initialised():
        first = _first_administrator(admin_username, admin_password, interactive)
        if first is None:
            return 2
        unlock = choose_unlock_secret(interactive)
    migrate()
    # After a wipe there is no recovery key: this sets the instance up again, with new keys.
    if vault.recovery_keypair() is not None:
        if service_keys.unsealed_key_file(ALERTS) is not None:
            print("This instance is already initialised, but its alert service key is not sealed.")
            return seal_service_key(interactive=interactive)
        print("This instance is already initialised; nothing to do.")
        return 0
    # Asked above: a recovery key found before migrating is still there after.
    assert first is not None and unlock is not None
    admin_username, admin_password = first
    unlock_secret, generated = unlock
    # All or nothing: keys made without their administrator had left an instance that says
    # it is initialised, that nobody can sign in to, and whose public form takes reports
    # sealed to a recovery key that was never shown.
    with transaction.atomic():
        recovery_text = create_organisation_keys(unlock_secret)
        enrolment = accounts.create_user(admin_username, admin_password, Role.ADMIN)
    print("Aegis is initialised.\n")
    print("ORGANISATION RECOVERY KEY — write it down and keep it offline, in a safe place.")
    print("It is shown only this once. It restores a person's access if they forget their")
    print("password, and it is needed for key ceremonies.\n")
    print(f"    {recovery_text}\n")
    print_unlock_secret(unlock_secret, generated)
    print("First administrator:")
    print_enrolment(enrolment)
    return 0


def wipe_instance(confirmed: bool) -> int:
    if not confirmed:
        if not sys.stdin.isatty():
            print("Refusing to wipe without --yes when nobody can confirm.", file=sys.stderr)
            return 2
        answer = input(
            "This destroys every key: all protected data becomes unreadable for ever. Type WIPE: "
        )
        if answer.strip() != "WIPE":
            print("Nothing was wiped.")
            return 1
    try:
        counts = vault.wipe()
    finally:
        # A backup or restore killed half-way left its copy of the database, key wraps and
        # all: removed even where the wipe itself failed.
        scratch, left = backups.remove_scratch()
        kept, kept_left = backups.remove_kept_backups()
        _remove_demo_messages()
    print(
        f"Wiped: {counts['key_wraps']} key wraps, {counts['keypairs']} private keys, "
        f"{counts.get('receipts', 0)} receipt codes, {counts.get('api_tokens', 0)} API tokens, "
        f"{counts['sessions']} sessions, {counts.get('second_factors', 0)} second factors, "
        f"{scratch} unfinished backup copies, {kept} backups kept in AEGIS_HOME, and the wipe key"
        f"{' (overwritten and deleted)' if counts.get('wipe_key') else ' (there was none)'}. "
        "Protected data can no longer be read. Older copies of sealed keys that the disk "
        "may keep in blocks it freed open no more either, even with a password or a "
        "receipt code: they were sealed under the wipe key."
    )
    print(
        "Backups kept elsewhere (off site) are not touched: with the organisation's recovery "
        "key they are its way back."
    )
    print("The public form takes no reports until 'aegis init' sets the instance up again.")
    # Both said where both hold: a running backup is what keeps the database open too.
    if left:
        print(
            "These folders hold copies of the database from before the wipe and could not be "
            "removed; delete them by hand: " + ", ".join(str(folder) for folder in left),
            file=sys.stderr,
        )
    if kept_left:
        print(
            "These backups could not be removed and still open with the recovery key; delete "
            "them by hand: " + ", ".join(str(path) for path in kept_left),
            file=sys.stderr,
        )
    if not counts["log_emptied"]:
        print(
            "Another process is reading the database, so its write-ahead log still holds "
            "copies of destroyed keys: stop Aegis's web and worker processes and run "
            "'aegis wipe --yes' again.",
            file=sys.stderr,
        )
    return 1 if left or kept_left or not counts["log_emptied"] else 0


def _remove_demo_messages() -> None:
    """`aegis demo` keeps the mail and texts it caught (contacts' addresses, in clear) in
    AEGIS_HOME: a wiped demo keeps none of them."""
    home = Path(settings.AEGIS_HOME)
    for name in ("demo-mail", "demo-texts"):
        shutil.rmtree(home / name, ignore_errors=True)


def _keypair_of(username: str) -> Keypair | None:
    user = get_user_model().objects.filter(username=username).first()
    return keypair_for_user(user.pk) if user is not None else None


def recover_access(username: str, recovery_key_text: str, new_password: str) -> int:
    """Offline recovery: the recovery key re-seals a person's private key under a new password."""
    keypair = _keypair_of(username)
    if keypair is None:
        print(f"There is no person with the username {username!r}.", file=sys.stderr)
        return 2
    try:
        password_validation.validate_password(new_password, keypair.user)
        with transaction.atomic():
            new_wipe_key = vault.recover_user_keypair(keypair, recovery_key_text, new_password)
            user = keypair.user
            assert user is not None
            user.set_password(new_password)
            # Someone else typed it: the person chooses their own at sign-in, and with it
            # gets a new key (accounts.services.change_password).
            user.must_change_password = True
            user.save(update_fields=["password", "must_change_password"])
            # Access is recovered when a password is lost or known to someone else: a token
            # (a copy of the key) must stop with the old password, as on a password change.
            accounts.revoke_api_tokens(user)
    except ValidationError as exc:
        print("The new password is not accepted: " + " ".join(exc.messages), file=sys.stderr)
        return 2
    except vault.WrongPassphrase as exc:
        print(f"Recovery failed: {exc}.", file=sys.stderr)
        return 1
    if keypair.user is not None and not keypair.user.is_active:
        # Done all the same, and exit 0: recovering before reactivating is the safe order
        # (reactivated first, the account opened again with a password someone else may
        # know). It had said they could sign in again.
        print(
            f"{username}'s keys were recovered under the new password, but the account is "
            "deactivated: they cannot sign in until an administrator reactivates it (People "
            "and roles, the person's page, Reactivate). They then choose a password of their "
            "own at sign-in."
        )
    else:
        print(
            f"{username} can sign in again with the new password; their keys are intact. "
            "They choose a password of their own at sign-in."
        )
    if new_wipe_key:
        print_after_new_wipe_key()
    return 0


def print_after_new_wipe_key() -> None:
    """What a wipe key made anew by `aegis recover` leaves to do: everything sealed under
    the lost one opens with nothing a person holds, only the recovery key brings it back."""
    stale = [
        keypair.name
        for keypair in Keypair.objects.filter(
            kind=Keypair.Kind.SERVICE,
            sealed_private_key__isnull=False,
            seal_version__gte=wipe_key.SEAL_VERSION,
        ).order_by("name")
    ]
    lines = [
        "",
        "The wipe key was missing: a new one was made, and what was sealed under the lost one",
        "opens with no password, unlock secret, code or token any more.",
    ]
    if stale:
        lines += [
            "  - The service keys must be sealed again: no unlock secret opens them now, and the",
            "    worker sends no alert (panic alerts included) until the alert service's is.",
            "    Each command prints the new unlock secret; supply it to 'aegis serve' and",
            "    'aegis worker' as before:",
            *(f"        {service_keys.reseal_command(name)}" for name in stale),
        ]
    lines += [
        "  - Everyone else recovers their access the same way, one by one:",
        "        aegis recover --username USERNAME --recovery-key-file RECOVERY-KEY-FILE",
        "  - Receipt codes and API tokens bound to the lost wipe key open nothing any more:",
        "    reporters holding such a code write in again, and API tokens are made again.",
    ]
    print("\n".join(lines))


def alert_service_grant_refusal() -> tuple[str, int] | None:
    """Why the search key cannot be given to the alert service now, and the exit status;
    None where it can. Asked before the recovery key is: it had been typed for nothing."""
    keypair = service_keys.service_keypair(ALERTS)
    if keypair is None or vault.index_key_id() is None:
        return "This instance has no keys yet; run 'aegis init' first.", 2
    try:
        why = service_keys.unlock_on_disk(ALERTS) or service_keys.unlock_kept_in_home(ALERTS)
    except service_keys.ServiceKeyMissing as exc:  # the wipe key is gone: nothing opens
        return (
            f"Refused: {exc} Until then, whether a file inside AEGIS_HOME opens the {ALERTS} "
            "service key cannot be checked.",
            2,
        )
    if why is not None:
        return (
            f"Refused: {why}, so a copy of the disk would let anyone test names and phone "
            "numbers against the search indexes. Seal the key (aegis seal-service-key) and "
            "supply its unlock secret from outside AEGIS_HOME first.",
            2,
        )
    if service_keys.holds_search_key(ALERTS):
        return "The alert service holds the search key already: nothing to do.", 0
    return None


def grant_search_key_to_alert_service(recovery_key_text: str) -> int:
    """Key ceremony: let the alert service find a defender's file by the phone number an
    inbound SMS comes from. Whoever holds the service key can then test names and numbers
    against the search indexes, so this is a choice, not a default, and never for a service
    whose key a copy of the disk opens."""
    if (refusal := alert_service_grant_refusal()) is not None:
        print(refusal[0], file=sys.stderr if refusal[1] else sys.stdout)
        return refusal[1]
    keypair = service_keys.service_keypair(ALERTS)
    index_key_id = vault.index_key_id()
    assert keypair is not None and index_key_id is not None  # checked above
    try:
        chain = vault.recovery_keychain(recovery_key_text)
    except vault.WrongPassphrase as exc:
        print(f"Refused: {exc}.", file=sys.stderr)
        return 1
    with unlocked(chain):
        vault.grant(index_key_id, keypair)
    print(
        "The alert service can now recognise defenders' numbers in inbound SMS and "
        "protected people's names in the monitored news."
    )
    return 0


def seal_service_key(
    interactive: bool,
    unlock_file: str | None = None,
    recovery_key_text: str | None = None,
    name: str = ALERTS,
) -> int:
    """Seal a service's key (the alert service's, or the exchange's) under a new unlock
    secret: an instance made before sealing (its unsealed key file is destroyed), or a lost
    or changed unlock secret (with the recovery key, or the current unlock secret supplied as
    usual)."""
    try:
        recovery = vault.recovery_keychain(recovery_key_text) if recovery_key_text else None
        unsealed = service_keys.unsealed_key_file(name) is not None
        if not unsealed and recovery is None:
            service_keys.load_private_key(name)  # the current unlock secret must open it
        # Sealing an old instance's key: a secret already supplied is the one to seal under.
        secret, generated = choose_unlock_secret(
            interactive, unlock_file, use_supplied=unsealed, name=name
        )
        if not generated and (why := service_keys.check_unlock_secret(secret)) is not None:
            print(f"Refused: {why}.", file=sys.stderr)
            return 2
        done = service_keys.seal_service_key(name, secret, recovery)
    except vault.WrongPassphrase as exc:
        print(f"Refused: {exc}.", file=sys.stderr)
        return 1
    except service_keys.ServiceKeyMissing as exc:
        print(f"Refused: {exc}", file=sys.stderr)
        return 2
    print(done + "\n")
    print_unlock_secret(secret, generated, name)
    return 0


def user_grant_refusal(username: str) -> tuple[str, int] | None:
    """Why the search key cannot be given to this person now, and the exit status; None
    where it can. Asked before the recovery key is."""
    keypair = _keypair_of(username)
    if keypair is None or keypair.user is None:
        return f"There is no person with the username {username!r}.", 2
    if not keypair.user.has_perm("accounts.view_cases"):
        return "Only caseworkers and coordinators receive the search key.", 2
    if vault.index_key_id() is None:
        return "This instance has no search key; run 'aegis init' first.", 2
    if vault_selectors.holds_search_key(keypair.user.pk):
        # It had said "can now search" and written no grant to the audit log.
        return f"{username} holds the search key already: nothing to do.", 0
    return None


def grant_search_key(username: str, recovery_key_text: str) -> int:
    """Key ceremony: seal the search index key to a caseworker or coordinator."""
    if (refusal := user_grant_refusal(username)) is not None:
        print(refusal[0], file=sys.stderr if refusal[1] else sys.stdout)
        return refusal[1]
    keypair = _keypair_of(username)
    index_key_id = vault.index_key_id()
    assert keypair is not None and index_key_id is not None  # checked above
    try:
        chain = vault.recovery_keychain(recovery_key_text)
    except vault.WrongPassphrase as exc:
        print(f"Refused: {exc}.", file=sys.stderr)
        return 1
    with unlocked(chain):
        vault.grant(index_key_id, keypair)
    print(f"{username} can now search by exact name, phone and reference.")
    return 0
