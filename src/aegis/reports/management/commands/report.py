"""aegis report annual --year 2026 [--output DIR] [--language ar]: the annual report as PDF
and HTML, one pair per language the instance offers (or the one asked for)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aegis import clock
from aegis.audit import services as audit
from aegis.reports import annual
from aegis.reports.release import public_release


class Command(BaseCommand):
    help = "Build reports from the protected statistics (annual: PDF and HTML)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["annual"])
        parser.add_argument("--year", type=int, default=None)
        parser.add_argument("--output", default=".", help="Folder for the files (default: .)")
        parser.add_argument("--language", default="", help="One language code (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"] or clock.today().year
        if not 1900 <= year <= 2200:
            raise CommandError(f"{year} is not a year this report can cover.")
        languages = annual.languages()
        if options["language"]:
            if options["language"] not in languages:
                raise CommandError(
                    f"Unknown language {options['language']!r}; offered: {', '.join(languages)}"
                )
            languages = [options["language"]]
        folder = Path(options["output"])
        folder.mkdir(parents=True, exist_ok=True)
        release = public_release()  # one release: every language shows the same counts
        for language in languages:
            report = annual.build(year, language, release)
            stem = folder / f"annual-report-{year}-{language}"
            stem.with_suffix(".html").write_text(report.html, encoding="utf-8")
            stem.with_suffix(".pdf").write_bytes(annual.pdf(report))
            self.stdout.write(f"{stem}.pdf and .html")
        audit.record("report.annual", actor_id=None, object_type="year", object_id=year)
