"""`aegis exchange …`: the organisation's exchange keys, partners, and bundles.

    aegis exchange identity [--pub FILE]
    aegis exchange partner add NAME --age-recipient age1… [--minisign-key RW…] [--expires DATE]
    aegis exchange partner rotate NAME --age-recipient age1… --minisign-key RW…
    aegis exchange partner list
    aegis exchange export --partner NAME --case REF [--case REF…] --profile coded|pseudonymised|full
                          --out FILE --username USER [--password-file FILE]
    aegis exchange import FILE [--signature FILE.minisig] [--compartment NAME]
    aegis exchange import FILE --format openevsys|csv --partner NAME [--compartment NAME]

Export reads the cases with a caseworker's keys (their password from --password-file or a
prompt). Every command that signs or decrypts needs the exchange unlock secret
(AEGIS_EXCHANGE_UNLOCK or AEGIS_EXCHANGE_UNLOCK_FILE)."""

from __future__ import annotations

import datetime
import getpass
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from aegis import command_files
from aegis.cases import selectors as cases
from aegis.exchange import identity, selectors, services
from aegis.exchange.vocabulary import Profile, Purpose
from aegis.rules import RuleError
from aegis.vault import services as vault
from aegis.vault.keychain import Keychain, unlocked
from aegis.vault.selectors import keypair_for_user

SIGNATURE_SUFFIX = ".minisig"


class Command(BaseCommand):
    help = "Encrypted, signed bundles between partner organisations."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        shown = sub.add_parser(
            "identity", help="print this organisation's age recipient and minisign key"
        )
        shown.add_argument("--pub", help="also write the minisign public key file (minisign -p)")
        partner = sub.add_parser("partner", help="partner organisations and their keys")
        partner.add_argument("partner_action", choices=["add", "rotate", "list"])
        partner.add_argument("name", nargs="?")
        partner.add_argument("--age-recipient", default="")
        partner.add_argument("--minisign-key", default="")
        partner.add_argument("--expires", help="vetting expires on this date (YYYY-MM-DD)")
        export = sub.add_parser("export", help="write a bundle (FILE) and its signature")
        export.add_argument("--partner", required=True)
        export.add_argument("--case", action="append", required=True, dest="cases")
        export.add_argument("--profile", required=True, choices=Profile.values)
        export.add_argument(
            "--purpose", default=Purpose.JOINT_INVESTIGATION, choices=Purpose.values
        )
        export.add_argument("--out", required=True)
        export.add_argument("--to-self", action="store_true", help="also encrypt to our own key")
        export.add_argument(
            "--username", required=True, help="the caseworker whose keys open the cases"
        )
        export.add_argument("--password-file")
        imported = sub.add_parser("import", help="check a bundle and land it in quarantine")
        imported.add_argument("file")
        imported.add_argument("--signature")
        imported.add_argument(
            "--format",
            choices=["bundle", "openevsys", "csv"],
            default="bundle",
            help="openevsys or csv: an unsigned file from an older tool (name its --partner)",
        )
        imported.add_argument("--partner", help="who sent an OpenEvSys or CSV file")
        imported.add_argument(
            "--compartment", help="whose members review it (default: the only one)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except RuleError as broken:
            raise CommandError(str(broken.message)) from broken

    def _identity(self, options: dict[str, Any]) -> None:
        shown = identity.public() or identity.create()
        self.stdout.write(f"age recipient: {shown.age_recipient}")
        self.stdout.write(f"minisign public key: {shown.minisign_key}")
        self.stdout.write(f"key id: {shown.key_id}")
        self.stdout.write(f"fingerprint: {shown.fingerprint}")
        if options.get("pub"):  # call_command skips subparser defaults
            try:
                Path(options["pub"]).write_text(shown.public_key_file)
            except OSError as error:
                raise CommandError(f"Cannot write {options['pub']}: {error.strerror}.") from error
            self.stdout.write(f"minisign public key file: {options['pub']}")

    def _partner(self, options: dict[str, Any]) -> None:
        action = options["partner_action"]
        if action == "list":
            for partner in selectors.partners():
                key = services.current_key(partner)
                state = services.usable_problem(partner) or "vetted"
                self.stdout.write(f"{partner.name}\t{key.age_recipient if key else '-'}\t{state}")
            return
        if not options["name"]:
            raise CommandError("Name the partner.")
        if action == "add":
            expires = _date(options["expires"])
            partner = services.add_partner(
                options["name"],
                age_recipient=options["age_recipient"],
                minisign_key=options["minisign_key"],
                actor_id=None,
                vetted=True,  # the operator adding a partner on the command line vets it
                expires_on=expires,
            )
            self.stdout.write(f"Added {partner.name}.")
            return
        found = selectors.partner_by_name(options["name"])
        if found is None:
            raise CommandError(f"No partner named {options['name']}.")
        services.rotate_keys(
            found,
            age_recipient=options["age_recipient"],
            minisign_key=options["minisign_key"],
            actor_id=None,
        )
        self.stdout.write(f"New keys for {found.name}; the old ones still verify older bundles.")

    def _export(self, options: dict[str, Any]) -> None:
        partner = selectors.partner_by_name(options["partner"])
        if partner is None:
            raise CommandError(f"No partner named {options['partner']}.")
        out = Path(options["out"])
        signature_out = Path(f"{out}{SIGNATURE_SUFFIX}")
        # Said before the password is asked for: a bundle sent earlier is never replaced.
        command_files.refuse_existing(out, signature_out)
        user, chain = _keys_of(options["username"], options["password_file"])
        # The files are written inside the export's transaction: a bundle that could not be
        # written (or was stopped) is not recorded as sent to the partner.
        with unlocked(chain), transaction.atomic():
            sent = services.export_bundle(
                user,
                partner,
                options["cases"],
                profile=options["profile"],
                purpose=options["purpose"],
                to_self=options["to_self"],
            )
            command_files.write_new(
                ((out, sent.age_file), (signature_out, sent.signature.encode()))
            )
        self.stdout.write(
            f"Bundle {sent.export.pk} for {partner.name}: {out}, {out}{SIGNATURE_SUFFIX}"
        )

    def _import(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        signature_path = Path(options["signature"] or f"{path}{SIGNATURE_SUFFIX}")
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
        compartment = _compartment(options["compartment"])
        file_format = options.get("format", "bundle")  # call_command skips subparser defaults
        if file_format != "bundle":
            partner = selectors.partner_by_name(options.get("partner") or "")
            if partner is None:
                raise CommandError("Name the partner who sent the file (--partner).")
            received = services.import_legacy(
                data, file_format, partner=partner, compartment=compartment, actor_id=None
            )
        else:
            signature = _read_text(signature_path) if signature_path.exists() else None
            received = services.import_bundle(
                data, signature, compartment=compartment, actor_id=None
            )
        counts: dict[str, int] = {}
        for kind in received.items.values_list("kind", flat=True):
            counts[kind] = counts.get(kind, 0) + 1
        listed = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "nothing"
        self.stdout.write(
            f"Bundle {received.bundle_id} from {received.partner.name} ({received.profile}) is in "
            f"quarantine for {compartment.name}: {listed}."
        )


def _date(text: str | None) -> datetime.date | None:
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"Not a date (YYYY-MM-DD): {text}.") from error


def _read_text(path: Path) -> str:
    """A file's text, or the reason it cannot be read in words (not a traceback)."""
    try:
        return path.read_text()
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
    except UnicodeDecodeError as error:
        raise CommandError(f"Cannot read {path}: it is not text.") from error


def _keys_of(username: str, password_file: str | None) -> tuple[Any, Keychain]:
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    keypair = keypair_for_user(user.pk) if user is not None else None
    if user is None or keypair is None or not user.has_perm("accounts.view_cases"):
        raise CommandError(f"{username} is not a caseworker or coordinator of this instance.")
    if password_file:
        password = _read_text(Path(password_file)).strip()
    else:
        password = getpass.getpass(f"Password of {username}: ")
    try:
        private = vault.unlock_user_keypair(keypair, password)
    except vault.WrongPassphrase as error:
        raise CommandError("Wrong password.") from error
    return user, Keychain({keypair.pk: private}, user.pk)


def _compartment(name: str | None) -> Any:
    found = cases.work_compartments()  # never a safe house's own
    if name:
        found = found.filter(name=name)
    chosen = list(found[:2])
    if len(chosen) != 1:
        raise CommandError(
            "Name the compartment whose members review the bundle (--compartment)."
            if not name
            else f"No compartment named {name}."
        )
    return chosen[0]
