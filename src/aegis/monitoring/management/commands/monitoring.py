"""`aegis monitoring train --data DIR [--out DIR]`: train the extraction models from the
HRDsAttack splits in DIR (--splits, default train,dev: all the labelled data) and write
them (arrays, no pickle) to the package's model folder (or --out). With --decisions
[--recovery-key-file FILE], the article-level models also learn from the analysts' confirmed
decisions, read with the recovery key and masked to ordinary words (extraction/decided.py),
and the model goes to the organisation's folder (AEGIS_HOME/monitoring-model), which the
worker then uses instead of the shipped one.
`aegis monitoring extract INPUT.json --out OUTPUT.json [--given-victims]`: read records in the
HRDsAttack schema (only `sample` is read) and write them with a predicted `merged_sample`;
with --given-victims, also the attributes of the victims named in each input's gold
`merged_sample.victims`, as `merged_sample.gold_victim_answers`. Offline: no network.
`aegis monitoring pass-on-keys [--username NAME] [--recovery-key-file FILE]`: offline key
ceremony, where no analyst or case staff member holding the monitoring keys is left: the
organisation recovery key passes the article and campaign keys on to the role holders who
lack them (or only to NAME).
`aegis monitoring key-fingerprints [--recovery-key-file FILE]`: key the articles' address and
MinHash fingerprints made without the fingerprint key (monitoring/fingerprints.py), pad the
texts of the articles, proposals and campaign items kept before they were padded, seal the
incidents' references the proposals kept in clear, and round the confidences kept exact, with
the recovery key."""

from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from aegis.accounts import selectors as accounts
from aegis.files.storage import written_whole
from aegis.monitoring import fingerprints, keys
from aegis.monitoring import selectors as monitoring_selectors
from aegis.monitoring.extraction import decided as decided_records
from aegis.monitoring.extraction import evaluate, linear, pipeline
from aegis.monitoring.extraction import train as training
from aegis.vault import services as vault
from aegis.vault.keychain import NoKeyAccess, unlocked
from aegis.vault.services import WrongPassphrase

# Records past which `extract` shows a progress bar (on stderr): about ten seconds of work.
PROGRESS_FROM = 200


def _output_file(out: Path, given: Path) -> Path:
    """Where `extract` writes: a link's target (it is written through, not replaced), never a
    device, a pipe or a folder (a file renamed over /dev/null had replaced the device), nor
    the input itself. Said before the articles are read, not after."""
    if out.is_symlink():
        out = out.resolve()
    if out.exists() and not out.is_file():
        raise CommandError(
            f"Cannot write {out}: it is not a regular file (a folder, a device or a pipe). "
            "Give the name of a file."
        )
    if not out.parent.is_dir():
        raise CommandError(f"Cannot write {out}: give a file in a folder that exists.")
    if out.exists() and os.path.samefile(out, given):
        raise CommandError(
            f"{out} is the input file: give --out another name, so that the input is kept."
        )
    return out


class Command(BaseCommand):
    help = (
        "News monitoring: 'train' builds the extraction models from HRDsAttack data; "
        "'extract' proposes a merged_sample for each record of an HRDsAttack file; "
        "'pass-on-keys' passes the monitoring keys on with the organisation recovery key; "
        "'key-fingerprints' keys the articles' fingerprints made without the fingerprint key, "
        "pads older texts and seals the incidents' references kept in clear."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "action", choices=["train", "extract", "pass-on-keys", "key-fingerprints"]
        )
        parser.add_argument("input", nargs="?", help="extract: the records to read (JSON)")
        parser.add_argument("--data", metavar="DIR", help="train: folder with train.json, dev.json")
        parser.add_argument(
            "--splits",
            default="train,dev",
            help="train: the splits to learn from, comma-separated (default: train,dev, all "
            "the labelled data; the benchmark trains its own model on train to score dev)",
        )
        parser.add_argument("--out", metavar="PATH", help="extract: output file; train: folder")
        parser.add_argument("--given-victims", action="store_true")
        parser.add_argument(
            "--decisions",
            action="store_true",
            help="train: also learn from the analysts' accepted and merged proposals (read "
            "with the recovery key); the model goes to the organisation's model folder",
        )
        parser.add_argument(
            "--username",
            help="pass-on-keys: only to this person (default: every analyst, caseworker and "
            "coordinator who lacks them)",
        )
        parser.add_argument(
            "--recovery-key-file",
            metavar="FILE",
            help="pass-on-keys, key-fingerprints, train --decisions: the organisation recovery "
            "key (default: asked for)",
        )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        """Options before INPUT are read too ("extract --given-victims IN.json --out OUT.json"):
        argparse alone gives the positionals out at once, INPUT none, then refuses it."""
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.parse_args = parser.parse_intermixed_args  # type: ignore[method-assign]
        return parser

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "train":
            self._train(options)
        elif options["action"] == "pass-on-keys":
            self._pass_on_keys(options)
        elif options["action"] == "key-fingerprints":
            self._key_fingerprints(options)
        else:
            self._extract(options)

    def _train(self, options: dict[str, Any]) -> None:
        if not options["data"]:
            raise CommandError("train needs --data DIR (a folder with train.json and dev.json).")
        data = Path(options["data"])
        splits = tuple(s.strip() for s in options["splits"].split(",") if s.strip())
        if not splits:
            raise CommandError("--splits names no split: give e.g. --splits train,dev.")
        missing = [s for s in splits if not (data / f"{s}.json").is_file()]
        if missing:
            raise CommandError(f"No {', '.join(m + '.json' for m in missing)} in {data}.")
        if options["recovery_key_file"] and not options["decisions"]:
            raise CommandError(
                "--recovery-key-file is for learning from the decisions: add --decisions."
            )
        default_out = settings.AEGIS_MONITORING_MODEL_DIR if options["decisions"] else None
        out = Path(options["out"]) if options["out"] else default_out or pipeline.MODEL_DIR
        if default_out is not None and out.resolve() == pipeline.MODEL_DIR.resolve():
            raise CommandError(
                "A model that learnt from the decisions never replaces the shipped one: leave "
                "--out out (it goes to the organisation's model folder) or give another folder."
            )
        if out.exists() and not out.is_dir():
            # Said before training, not after.
            raise CommandError(f"--out {out} is a file: give the folder to write the model to.")
        records: list[dict[str, Any]] = []
        for split in splits:
            try:
                found = training.load_records(data, (split,))
            except (OSError, ValueError, RecursionError) as error:
                raise CommandError(f"Cannot read {data / split}.json: {error}") from error
            if problem := training.not_training_data(found):
                raise CommandError(
                    f"{data / split}.json is not HRDsAttack training data: {problem}"
                )
            records += found
        decided = self._decisions(records, options) if options["decisions"] else []
        try:
            models, extra = training.train(
                records, say=lambda step: self.stdout.write(step + "…"), decided=decided
            )
            extra["trained_splits"] = list(splits)
            if decided:
                extra["shipped_build"] = pipeline.shipped_build()
            linear.save(out, models, extra)
        except training.TooFewKinds as error:
            raise CommandError(f"Cannot train on the data in {data}: {error}.") from error
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            # What the schema check above does not foresee.
            raise CommandError(f"Cannot train on the data in {data}: {error!r}") from error
        except OSError as error:
            raise CommandError(
                f"Cannot write the model to {out}: {error}. The model there is as it was."
            ) from error
        except KeyboardInterrupt:
            raise CommandError("Interrupted; the model is as it was.") from None
        pipeline.default.cache_clear()
        learnt = f" and {len(decided)} decisions" if decided else ""
        self.stdout.write(f"Trained on {len(records)} articles{learnt}; model written to {out}.")
        if default_out is not None and out == default_out:
            self.stdout.write(
                "The worker uses it from its next article on; remove that folder to go back to "
                "the shipped model."
            )
        elif (
            out.resolve() == pipeline.MODEL_DIR.resolve()
            and (settings.AEGIS_MONITORING_MODEL_DIR / "model.json").exists()
        ):
            self.stderr.write(
                f"The organisation's model in {settings.AEGIS_MONITORING_MODEL_DIR} was trained "
                "beside the shipped model this replaces: the shipped one serves until it is "
                "trained again with --decisions."
            )

    def _decisions(
        self, records: list[dict[str, Any]], options: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """The confirmed decisions as training records, read with the recovery key (before
        any training: a wrong key or nothing to learn from stops here)."""
        chain = _recovery_chain(_recovery_key_text(options))
        unreadable: list[int] = []
        with unlocked(chain):
            rows = list(
                monitoring_selectors.decisions_for_training(
                    unreadable, statuses=decided_records.CONFIRMED
                )
            )
        public = [training.article(r) for r in records]
        decided = decided_records.records(rows, decided_records.ordinary_words(public))
        if unreadable:
            self.stderr.write(
                f"{len(unreadable)} decided proposals were left out: the recovery key does not "
                "open their articles (kept before it was made)."
            )
        if not decided:
            raise CommandError(
                "None of the decided proposals could be read with this recovery key; the model "
                "is as it was."
                if unreadable
                else "No accepted proposal, or merged one with an edit, to learn from yet; the "
                "model is as it was."
            )
        return decided

    def _extract(self, options: dict[str, Any]) -> None:
        if not options["input"] or not options["out"]:
            raise CommandError("extract needs INPUT.json and --out OUTPUT.json.")
        try:
            # utf-8-sig: a file saved "UTF-8 with BOM" (Windows editors) reads as any other.
            records = json.loads(Path(options["input"]).read_text(encoding="utf-8-sig"))
        except (OSError, ValueError, RecursionError) as error:  # (JSON nested past Python's depth)
            raise CommandError(f"Cannot read {options['input']}: {error}") from error
        if not isinstance(records, list):
            raise CommandError("The input must be a JSON list of records, each with a 'sample'.")
        for number, record in enumerate(records, 1):
            if not isinstance(record, dict):
                raise CommandError(
                    f"Record {number} is not a JSON object: the input must be a JSON list of "
                    "records, each with a 'sample'."
                )
        # One record without its sample does not cost the others their predictions: it is
        # read as an article with no text, and said.
        if without := sum(not isinstance(r.get("sample"), dict) for r in records):
            self.stderr.write(
                f"{without} record(s) have no 'sample' object: each is predicted as an article "
                "with no text."
            )
        out = _output_file(Path(options["out"]), Path(options["input"]))
        try:
            # The organisation's model where one was trained (--decisions), as the worker.
            extractor = pipeline.in_use(settings.AEGIS_MONITORING_MODEL_DIR)
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(
                f"Cannot read the extraction model: {error}. Train it again: aegis monitoring "
                "train --data DIR."
            ) from error
        try:
            with tqdm(
                total=len(records),
                unit="articles",
                disable=len(records) < PROGRESS_FROM,
                file=sys.stderr,
            ) as bar:
                predicted = evaluate.predict(
                    extractor, records, options["given_victims"], progress=bar.update
                )
            # ASCII with escapes: the records are copied back as read, and a lone surrogate
            # ("\ud800", valid in JSON text) has no UTF-8 form.
            with written_whole(out) as handle:
                handle.write(json.dumps(predicted, ensure_ascii=True, indent=1).encode())
        except OSError as error:
            raise CommandError(f"Cannot write {out}: {error}") from error
        except RecursionError:
            raise CommandError(
                f"The input nests its values too deeply to be written back; nothing was "
                f"written to {out}."
            ) from None
        except KeyboardInterrupt:
            raise CommandError(f"Interrupted; nothing was written to {out}.") from None
        self.stdout.write(f"Wrote {len(predicted)} records to {options['out']}.")

    def _pass_on_keys(self, options: dict[str, Any]) -> None:
        user_ids = None
        if username := options["username"]:
            user = accounts.user_by_username(username)
            if user is None:
                raise CommandError(f"There is no person with the username {username!r}.")
            if not any(user.has_perm(f"accounts.{p}") for p in keys.HOLDING_PERMISSIONS):
                raise CommandError(
                    "Only active analysts, caseworkers and coordinators receive the monitoring "
                    "keys."
                )
            user_ids = [user.pk]
        text = _recovery_key_text(options)
        try:
            made = keys.pass_on_with_recovery_key(text, user_ids)
        except WrongPassphrase as error:
            raise CommandError(f"Refused: {error}.") from error
        if made:
            self.stdout.write(f"Passed on {made} monitoring keys.")
        else:
            self.stdout.write("Nobody lacks a monitoring key the recovery key holds.")

    def _key_fingerprints(self, options: dict[str, Any]) -> None:
        text = _recovery_key_text(options)
        try:
            chain = vault.recovery_keychain(text)
            done = fingerprints.rekey(chain)
        except WrongPassphrase as error:
            raise CommandError(f"Refused: {error}.") from error
        except NoKeyAccess as error:
            raise CommandError(
                "The recovery key does not hold the fingerprint key; pass the keys on first "
                "('aegis monitoring pass-on-keys')."
            ) from error
        if not done.changed:
            self.stdout.write(
                "Nothing to do: every fingerprint is keyed, every text padded and every "
                "incident's reference sealed."
            )
        else:
            self.stdout.write(
                f"Keyed, padded, sealed or rounded {done.changed} articles, proposals and "
                "campaign items."
            )
            self.stdout.write(
                "The rows they replaced were compacted away (copies in backups made before remain)."
                if done.compacted
                else "The rows they replaced may remain in the database's log, which another "
                "process is reading: stop the worker and the web server and run this again."
            )
        if done.skipped:
            self.stderr.write(
                f"{done.skipped} articles or campaign items were left as they were: the "
                "recovery key does not open them (they were kept before it was made)."
            )


def _recovery_key_text(options: dict[str, Any]) -> str:
    path = options["recovery_key_file"]
    try:
        return (
            Path(path).read_text().strip()
            if path
            else getpass.getpass("Organisation recovery key: ")
        )
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error}") from error


def _recovery_chain(text: str) -> Any:
    try:
        return vault.recovery_keychain(text)
    except WrongPassphrase as error:
        raise CommandError(f"Refused: {error}.") from error
