"""`aegis audit verify [--checkpoint FILE]`: check the keyed chain (and that it still extends
a signed checkpoint); exit 1 naming the first problem, 2 for a checkpoint that is not valid.
`aegis audit checkpoint --out FILE`: sign the head now (FILE and FILE.minisig).
`aegis audit public-key`: the minisign public key that checkpoints are signed with."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from aegis.audit import checkpoints, selectors, services

SUFFIX = ".minisig"


class Command(BaseCommand):
    help = (
        "Audit log tools. 'verify' checks that no entry was changed, removed or reordered "
        "(with --checkpoint, also that the log still extends a signed checkpoint); "
        "'checkpoint' signs the log's head now; 'public-key' prints the key checkpoints are "
        "signed with."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "checkpoint", "public-key"])
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--checkpoint",
            metavar="FILE",
            help="verify: a checkpoint file (its signature FILE.minisig beside it), or the "
            ".minisig alone",
        )
        parser.add_argument("--signature", metavar="SIG", help="verify: the checkpoint's signature")
        parser.add_argument(
            "--out",
            metavar="FILE",
            help="checkpoint: write FILE and FILE.minisig; public-key: write FILE (default: print)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "public-key":
            self._write(options["out"], checkpoints.public_key_file())
        elif action == "checkpoint":
            self._checkpoint(options["out"])
        else:
            self._verify(options)

    def _write(self, out: str | None, text: str) -> None:
        if out is None:
            self.stdout.write(text, ending="")
            return
        try:
            Path(out).write_text(text)
        except OSError as error:
            raise CommandError(f"Cannot write {out}: {error.strerror}.") from error
        self.stdout.write(f"Wrote {out}.")

    def _checkpoint(self, out: str | None) -> None:
        try:
            stored = services.take_checkpoint()
        except services.CheckpointRefused as refused:
            raise CommandError(str(refused)) from refused
        if out is None:
            self.stdout.write(stored.signature, ending="")
            return
        self._write(out, stored.statement)
        self._write(out + SUFFIX, stored.signature)
        self.stdout.write(
            f"Checkpoint of entry {stored.seq} signed. Keep both files off this server."
        )

    def _read_checkpoint(self, path: str, signature: str | None) -> checkpoints.Checkpoint:
        statement_path: Path | None = Path(path)
        if signature is not None:
            signature_path = Path(signature)
        elif path.endswith(SUFFIX):
            signature_path, statement_path = Path(path), Path(path[: -len(SUFFIX)])
            if not statement_path.exists():
                statement_path = None  # the .minisig carries the statement too
        else:
            signature_path = Path(path + SUFFIX)
        try:
            statement = None if statement_path is None else statement_path.read_text()
            signed = signature_path.read_text()
        except OSError as error:
            raise CommandError(
                f"Cannot read {error.filename}: {error.strerror}.", returncode=2
            ) from error
        except UnicodeDecodeError as error:
            raise CommandError("The checkpoint is not a text file.", returncode=2) from error
        try:
            return checkpoints.read(signed, statement)
        except checkpoints.CheckpointInvalid as error:
            raise CommandError(str(error), returncode=2) from error

    def _verify(self, options: dict[str, Any]) -> None:
        mark = None
        if options["checkpoint"]:
            mark = self._read_checkpoint(options["checkpoint"], options["signature"])
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
                    else f"Audit log tampered with: {problem}. {checked} entries before it "
                    "are intact."
                )
            else:
                checked, failure = selectors.verify_against(mark, progress=bar.update)
        if failure is not None:
            raise CommandError(failure)
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
            self.stdout.write(
                f"Audit log intact: {checked} {noun} verified; it extends the checkpoint of "
                f"{mark.at:%Y-%m-%d %H:%M} UTC (entry {mark.entry}, "
                f"{checked - mark.entry} added since)."
            )
