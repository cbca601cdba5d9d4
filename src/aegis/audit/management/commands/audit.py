"""`aegis audit verify [--checkpoint FILE]`: check the keyed chain (and that it still extends
a signed checkpoint), then the chains kept beside it (companions.py: the chain of custody);
exit 1 naming the first problem, 2 for a checkpoint that is not valid.
`aegis audit checkpoint --out FILE`: sign the head now (FILE and FILE.minisig).
`aegis audit public-key`: the minisign public key that checkpoints are signed with."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from aegis.audit import checkpoints, companions, selectors, services
from aegis.audit.management.checkpoint_files import CheckpointCommand


class Command(CheckpointCommand):
    help = (
        "Audit log tools. 'verify' checks that no entry was changed, removed or reordered "
        "(with --checkpoint, also that the log still extends a signed checkpoint); "
        "'checkpoint' signs the log's head now; 'public-key' prints the key checkpoints are "
        "signed with."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "checkpoint", "public-key"])
        parser.add_argument("--no-progress", action="store_true")
        self.add_checkpoint_arguments(parser)
        parser.add_argument(
            "--out",
            metavar="FILE",
            help="checkpoint: write FILE and FILE.minisig; public-key: write FILE (default: print)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "public-key":
            self.write(options["out"], checkpoints.public_key_file())
        elif action == "checkpoint":
            self._checkpoint(options["out"])
        else:
            self._verify(options)

    def _checkpoint(self, out: str | None) -> None:
        self.refuse_existing(out)  # before one is signed and stored for nothing
        try:
            stored = services.take_checkpoint()
        except services.CheckpointRefused as refused:
            raise CommandError(str(refused)) from refused
        self.write_checkpoint(stored, out)

    def _verify(self, options: dict[str, Any]) -> None:
        mark = None
        if options["checkpoint"]:
            mark = self.read_checkpoint(
                options["checkpoint"], options["signature"], selectors.AUDIT
            )
        total = selectors.entry_count()
        with tqdm(
            None,
            total=total,
            unit="entries",
            disable=options["no_progress"] or total < 10_000,
            file=sys.stderr,
        ) as bar:
            if mark is None:
                checked, problem = selectors.verify_chain(progress=bar.update)
                failure = (
                    None
                    if problem is None
                    else f"Audit log tampered with: {problem}."
                    + selectors.intact_before(problem, checked)
                )
            else:
                checked, failure = selectors.verify_against(mark, progress=bar.update)
        if failure is not None:
            raise CommandError(failure)
        self._report_log(mark, checked)
        for companion in companions.registered():
            self._verify_companion(companion, options["no_progress"])

    def _verify_companion(self, companion: companions.Companion, no_progress: bool) -> None:
        total = companion.count()
        with tqdm(
            None,
            total=total,
            unit=companion.unit,
            disable=no_progress or total < 10_000,
            file=sys.stderr,
        ) as bar:
            checked, problem = companion.verify(bar.update)
        if problem is not None:
            raise CommandError(
                f"{companion.title} tampered with: {problem}. {checked} {companion.unit} "
                "before it are intact."
            )
        self.stdout.write(f"{companion.title} intact: {checked} {companion.unit} verified.")

    def _report_log(self, mark: checkpoints.Checkpoint | None, checked: int) -> None:
        noun = "entry" if checked == 1 else "entries"
        anchor = selectors.latest_anchor()
        pruned = anchor.seq if anchor is not None else 0
        if mark is None:
            since = f" after entry {pruned}, where retention shortened it" if pruned else ""
            self.stdout.write(f"Audit log intact: {checked} {noun} verified{since}.")
        elif mark.entry < pruned:
            self.stdout.write(
                f"Audit log intact: {checked} {noun} verified after entry {pruned}, where "
                f"retention shortened it under a signed anchor; the checkpoint's entry "
                f"{mark.entry} was among those removed."
            )
        else:
            self.stdout.write(f"Audit log intact: {self.extends_text(checked, mark)}")
