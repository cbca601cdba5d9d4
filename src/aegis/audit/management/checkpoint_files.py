"""What `aegis audit` and `aegis ledger` share: writing a checkpoint's two files, and reading
one given with `verify --checkpoint FILE` (exit 2 for a checkpoint that is unreadable,
altered, another instance's, or of another chain)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aegis import command_files
from aegis.audit import checkpoints
from aegis.audit.models import AuditCheckpoint

SUFFIX = ".minisig"


class CheckpointCommand(BaseCommand):
    def add_checkpoint_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            metavar="FILE",
            help="verify: a checkpoint file (its signature FILE.minisig beside it), or the "
            ".minisig alone",
        )
        parser.add_argument("--signature", metavar="SIG", help="verify: the checkpoint's signature")

    def write(self, out: str | None, text: str) -> None:
        if out is None:
            self.stdout.write(text, ending="")
            return
        try:
            Path(out).write_text(text)
        except OSError as error:
            raise CommandError(f"Cannot write {out}: {error.strerror}.") from error
        self.stdout.write(f"Wrote {out}.")

    def refuse_existing(self, out: str | None) -> None:
        """Auditors keep the older checkpoints: neither file is ever replaced."""
        if out is not None:
            command_files.refuse_existing(Path(out), Path(out + SUFFIX))

    def write_checkpoint(self, stored: AuditCheckpoint, out: str | None) -> None:
        if out is None:
            self.stdout.write(stored.signature, ending="")
            return
        self.refuse_existing(out)
        written = command_files.write_new(
            (
                (Path(out), stored.statement.encode("utf-8")),
                (Path(out + SUFFIX), stored.signature.encode("utf-8")),
            )
        )
        for path in written:
            self.stdout.write(f"Wrote {path}.")
        self.stdout.write(
            f"Checkpoint of entry {stored.seq} signed. Keep both files off this server."
        )

    def read_checkpoint(
        self, path: str, signature: str | None, kept: checkpoints.Kept
    ) -> checkpoints.Checkpoint:
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
            mark = checkpoints.read(signed, statement)
        except checkpoints.CheckpointInvalid as error:
            raise CommandError(str(error), returncode=2) from error
        if (other := checkpoints.wrong_chain(kept.chain, mark)) is not None:
            raise CommandError(
                f"{other} '{kept.command}' checks the {kept.name} only.", returncode=2
            )
        return mark

    def extends_text(self, checked: int, mark: checkpoints.Checkpoint) -> str:
        noun = "entry" if checked == 1 else "entries"
        return (
            f"{checked} {noun} verified; it extends the checkpoint of "
            f"{mark.at:%Y-%m-%d %H:%M} UTC (entry {mark.entry}, "
            f"{checked - mark.entry} added since)."
        )
