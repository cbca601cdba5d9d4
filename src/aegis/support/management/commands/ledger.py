"""`aegis ledger verify [--checkpoint FILE]`: check the grant ledger's keyed chain as `aegis
audit verify` checks the audit log (and, against the newest checkpoint kept here or a signed
one kept elsewhere, that its end was not removed); exit 1 naming the first edited, removed
or reordered entry by its number, 2 for a checkpoint that is not valid or not the ledger's.
`aegis ledger checkpoint [--out FILE]`: sign the ledger's head now (FILE and FILE.minisig).
`aegis ledger csv [--out FILE]`: the ledger for an external auditor (no identity)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from aegis.audit import selectors as audit_selectors
from aegis.audit import services as audit
from aegis.audit.management.checkpoint_files import CheckpointCommand
from aegis.support import ledger, selectors
from aegis.support.exports import ledger_csv


class Command(CheckpointCommand):
    help = (
        "Grant ledger tools. 'verify' checks that no money entry was changed, removed or "
        "reordered (with --checkpoint, also that the ledger still extends a signed "
        "checkpoint); 'checkpoint' signs the ledger's head now; 'csv' writes the ledger for "
        "an external auditor."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "checkpoint", "csv"])
        self.add_checkpoint_arguments(parser)
        parser.add_argument(
            "--out",
            metavar="FILE",
            help="checkpoint: write FILE and FILE.minisig; csv: write FILE (default: print)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "csv":
            self.write(options["out"], ledger_csv(selectors.ledger_entries().order_by("seq")))
        elif options["action"] == "checkpoint":
            self.refuse_existing(options["out"])  # before signing: nothing is stored for it
            try:
                stored = ledger.take_checkpoint()
            except audit.CheckpointRefused as refused:
                raise CommandError(str(refused)) from refused
            self.write_checkpoint(stored, options["out"])
        elif options["checkpoint"]:
            mark = self.read_checkpoint(options["checkpoint"], options["signature"], ledger.KEPT)
            checked, failure = ledger.verify_against(mark)
            if failure is not None:
                raise CommandError(failure)
            self.stdout.write(f"Grant ledger intact: {self.extends_text(checked, mark)}")
        else:
            checked, problem = ledger.verify()
            if problem is not None:
                raise CommandError(
                    f"Grant ledger tampered with: {problem}."
                    + audit_selectors.intact_before(problem, checked)
                )
            noun = "entry" if checked == 1 else "entries"
            self.stdout.write(f"Grant ledger intact: {checked} {noun} verified.")
