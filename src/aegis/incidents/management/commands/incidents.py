"""`aegis incidents seal-days --username NAME [--password-file FILE]`: seal the exact days of
the incidents recorded before the days were sealed, with the keys of one member (the recovery
key does not hold incident keys). A migration holds no key, so those rows keep their days in
the month columns, in clear, until then; run it once with a member of each compartment."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aegis.accounts import selectors as accounts
from aegis.incidents import services
from aegis.incidents.models import Incident
from aegis.vault import services as vault
from aegis.vault.keychain import Keychain, unlocked
from aegis.vault.selectors import keypair_for_user
from aegis.vault.services import WrongPassphrase


class Command(BaseCommand):
    help = (
        "'seal-days' seals the exact days of the incidents recorded before the days were "
        "sealed, those the member named opens; the others are left for a member of theirs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["seal-days"])
        parser.add_argument("--username", required=True, help="a member whose keys open them")
        parser.add_argument("--password-file", help="read the member's password from this file")

    def handle(self, *args: Any, **options: Any) -> None:
        user = accounts.user_by_username(options["username"])
        keypair = keypair_for_user(user.pk) if user is not None else None
        if user is None or keypair is None:
            raise CommandError(f"There is no person with keys named {options['username']!r}.")
        try:
            private_key = vault.unlock_user_keypair(keypair, _password(options))
        except WrongPassphrase as error:
            raise CommandError(f"Refused: {error}.") from error
        with unlocked(Keychain({keypair.pk: private_key}, user.pk)):
            done = services.seal_older_days()
        if not done.sealed and not done.left:
            self.stdout.write("Nothing to do: the days of every incident are sealed.")
            return
        self.stdout.write(f"Sealed the days of {_incidents(done.sealed)}.")
        if done.sealed:
            self.stdout.write(
                "The rows they replaced were compacted away (copies in backups made before remain)."
                if vault.compact_database([Incident])
                else "The rows they replaced may remain in the database's log, which another "
                "process is reading: stop the worker and the web server and run this again."
            )
        if done.left:
            self.stderr.write(
                f"{_incidents(done.left)} {'was' if done.left == 1 else 'were'} left as "
                f"{'it was' if done.left == 1 else 'they were'}: this member's keys do not open "
                f"{'it' if done.left == 1 else 'them'}. Run this again with a member of their "
                "compartments."
            )


def _incidents(count: int) -> str:
    return f"{count} incident" if count == 1 else f"{count} incidents"


def _password(options: dict[str, Any]) -> str:
    path = options["password_file"]
    try:
        return Path(path).read_text().strip() if path else getpass.getpass("Password: ")
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error}") from error
