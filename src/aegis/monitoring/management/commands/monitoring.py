"""`aegis monitoring train --data DIR [--out DIR]`: train the extraction models from the
HRDsAttack splits in DIR (--splits, default train: dev stays held out) and write them
(arrays, no pickle) to the package's model folder (or --out).
`aegis monitoring extract INPUT.json --out OUTPUT.json [--given-victims]`: read records in the
HRDsAttack schema (only `sample` is read) and write them with a predicted `merged_sample`;
with --given-victims, also the attributes of the victims named in each input's gold
`merged_sample.victims`, as `merged_sample.gold_victim_answers`. Offline: no network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aegis.monitoring.extraction import evaluate, linear, pipeline
from aegis.monitoring.extraction import train as training


class Command(BaseCommand):
    help = (
        "News monitoring: 'train' builds the extraction models from HRDsAttack data; "
        "'extract' proposes a merged_sample for each record of an HRDsAttack file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["train", "extract"])
        parser.add_argument("input", nargs="?", help="extract: the records to read (JSON)")
        parser.add_argument("--data", metavar="DIR", help="train: folder with train.json, dev.json")
        parser.add_argument(
            "--splits",
            default="train",
            help="train: the splits to learn from, comma-separated (default: train, so that "
            "dev stays held out for the benchmark)",
        )
        parser.add_argument("--out", metavar="PATH", help="extract: output file; train: folder")
        parser.add_argument("--given-victims", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "train":
            self._train(options)
        else:
            self._extract(options)

    def _train(self, options: dict[str, Any]) -> None:
        if not options["data"]:
            raise CommandError("train needs --data DIR (a folder with train.json and dev.json).")
        data = Path(options["data"])
        splits = tuple(s.strip() for s in options["splits"].split(",") if s.strip())
        missing = [s for s in splits if not (data / f"{s}.json").is_file()]
        if missing:
            raise CommandError(f"No {', '.join(m + '.json' for m in missing)} in {data}.")
        records = training.load_records(data, splits)
        models, extra = training.train(records)
        out = Path(options["out"]) if options["out"] else pipeline.MODEL_DIR
        linear.save(out, models, extra)
        pipeline.default.cache_clear()
        self.stdout.write(f"Trained on {len(records)} articles; model written to {out}.")

    def _extract(self, options: dict[str, Any]) -> None:
        if not options["input"] or not options["out"]:
            raise CommandError("extract needs INPUT.json and --out OUTPUT.json.")
        try:
            records = json.loads(Path(options["input"]).read_text())
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {options['input']}: {error}") from error
        if not isinstance(records, list) or not all(
            isinstance(r, dict) and isinstance(r.get("sample"), dict) for r in records
        ):
            raise CommandError("The input must be a JSON list of records, each with a 'sample'.")
        predicted = evaluate.predict(pipeline.default(), records, options["given_victims"])
        Path(options["out"]).write_text(json.dumps(predicted, ensure_ascii=False, indent=1))
        self.stdout.write(f"Wrote {len(predicted)} records to {options['out']}.")
