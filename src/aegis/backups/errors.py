"""The one refusal of backups: the command line prints its message and exits 1."""

from __future__ import annotations

from aegis.rules import RuleError


class BackupError(RuleError):
    """A backup that cannot be made, opened, verified or restored, and why."""
