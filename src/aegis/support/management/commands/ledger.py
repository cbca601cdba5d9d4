"""`aegis ledger verify`: check the grant ledger's keyed chain as `aegis audit verify` checks
the audit log; exit 1 naming the first edited, removed or reordered entry by its number.
`aegis ledger csv [--out FILE]`: the ledger for an external auditor (no identity)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aegis.support import ledger, selectors
from aegis.support.exports import ledger_csv


class Command(BaseCommand):
    help = (
        "Grant ledger tools. 'verify' checks that no money entry was changed, removed or "
        "reordered; 'csv' writes the ledger for an external auditor."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "csv"])
        parser.add_argument("--out", metavar="FILE", help="csv: write FILE (default: print)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "csv":
            text = ledger_csv(selectors.ledger_entries().order_by("seq"))
            if options["out"] is None:
                self.stdout.write(text, ending="")
                return
            try:
                Path(options["out"]).write_text(text)
            except OSError as error:
                raise CommandError(f"Cannot write {options['out']}: {error.strerror}.") from error
            self.stdout.write(f"Wrote {options['out']}.")
            return
        checked, problem = ledger.verify()
        if problem is not None:
            raise CommandError(
                f"Grant ledger tampered with: {problem}. {checked} entries before it are intact."
            )
        noun = "entry" if checked == 1 else "entries"
        self.stdout.write(f"Grant ledger intact: {checked} {noun} verified.")
