"""`aegis audit verify`: check the hash chain; exit 1 naming the first bad entry."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from aegis.audit import selectors


class Command(BaseCommand):
    help = "Audit log tools. 'verify' checks that no entry was changed, removed or reordered."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        total = selectors.entry_count()
        with tqdm(
            None,
            total=total,
            unit="entries",
            disable=options["no_progress"] or total < 10_000,
            file=sys.stderr,
        ) as bar:
            checked, problem = selectors.verify_chain(progress=bar.update)
        if problem is not None:
            raise CommandError(
                f"Audit log tampered with: {problem}. {checked} entries before it are intact."
            )
        noun = "entry" if checked == 1 else "entries"
        self.stdout.write(f"Audit log intact: {checked} {noun} verified.")
