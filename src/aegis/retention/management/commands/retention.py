"""`aegis retention run [--dry-run]`: expire what is past its retention period now (the
worker does it daily), or only say what would expire."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aegis.retention import services
from aegis.rules import RuleError


class Command(BaseCommand):
    help = "Expire the records past their retention period (crypto-shredding)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        run = actions.add_parser("run", help="expire what is due now")
        run.add_argument(
            "--dry-run", action="store_true", help="only print what would expire and what is kept"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = bool(options.get("dry_run"))
        try:
            outcome = services.expire(dry_run=dry_run)
        except RuleError as error:
            raise CommandError(error.message) from error
        verb = "would expire" if dry_run else "expired"
        for due in outcome.expired:
            self.stdout.write(
                f"{verb}: {due.record_class} {due.label} (period ended {due.expires_at:%Y-%m-%d})"
            )
        for due in outcome.held:
            self.stdout.write(f"kept, legal hold: {due.record_class} {due.label}")
        for due, needed_by in outcome.needed:
            self.stdout.write(f"kept, still needed by {needed_by}: {due.record_class} {due.label}")
        if outcome.audit_entries:
            self.stdout.write(f"{verb}: {outcome.audit_entries} audit log entries")
        if outcome.sessions:
            self.stdout.write(f"{verb}: {outcome.sessions} ended sessions")
        if outcome.finished_tasks:
            self.stdout.write(f"{verb}: {outcome.finished_tasks} finished worker tasks")
        self.stdout.write(
            f"{len(outcome.expired)} {verb}, {len(outcome.held) + len(outcome.needed)} kept."
        )
