"""`aegis monitoring train`: labels of the wrong type or spelling are refused in words that
name the split, the record and the field; the model is written whole or not at all (a
failed write leaves the model that was there); a folder left with halves of two trainings
is told, and `extract` says so rather than failing in a traceback."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from aegis.monitoring.extraction import linear, pipeline

# Training reads files and writes files: no database.
pytestmark = pytest.mark.engine_independent


def _merged(**fields: Any) -> dict[str, Any]:
    return {
        "perpetrator_mention": True,
        "perpetrator_type": "state actor",
        "violation_types": ["killing"],
        "country": "Mexico",
        "region": None,
        "city": None,
        "victims": [
            {
                "victim_name": "Ana Pérez",
                "victim_type": ["journalist"],
                "victim_sex_type": "woman",
                "victim_age_group": "adult",
                "victim_population_type": "individual",
            }
        ],
        **fields,
    }


def _victim(**fields: Any) -> list[dict[str, Any]]:
    return [{**_merged()["victims"][0], **fields}]


@pytest.mark.parametrize(
    ("merged", "said"),
    [
        (_merged(perpetrator_mention="False"), 'perpetrator_mention is "False", not true or false'),
        (_merged(perpetrator_type=7), "perpetrator_type is 7, not one of 'state actor'"),
        (_merged(violation_types="other"), 'violation_types is "other", not a list'),
        (_merged(violation_types=["beating"]), 'a violation type is "beating", not one of'),
        (_merged(city=["a"]), 'city is \\["a"\\], not a text or null'),
        (_merged(victims=_victim(victim_type="journalist")), "victim 1's victim_type is"),
        (_merged(victims=_victim(victim_sex_type="banana")), 'victim_sex_type is "banana"'),
        (_merged(victims=_victim(victim_age_group=None)), "victim_age_group is null"),
        (_merged(victims=_victim(victim_name=5)), "victim_name is 5, not a text or null"),
    ],
)
def test_labels_of_another_type_or_spelling_are_refused_naming_the_record(
    tmp_path: Path, merged: dict[str, Any], said: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    good = {"sample": {}, "merged_sample": _merged()}
    (data / "train.json").write_text(json.dumps([good, good]))
    (data / "dev.json").write_text(json.dumps([good, {"sample": {}, "merged_sample": merged}]))
    out = tmp_path / "model"
    with pytest.raises(CommandError) as refused:
        call_command("monitoring", "train", "--data", str(data), "--out", str(out))
    said_here = str(refused.value)
    assert "dev.json is not HRDsAttack training data: record 2: " in said_here
    assert re.search(said, said_here), said_here
    assert not out.exists()


def test_an_output_that_is_a_file_is_refused_before_training(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for split in ("train", "dev"):
        (data / f"{split}.json").write_text("[]")  # training would refuse it: never reached
    (tmp_path / "model").write_text("not a folder")
    with pytest.raises(CommandError, match="is a file: give the folder"):
        call_command("monitoring", "train", "--data", str(data), "--out", str(tmp_path / "model"))


def _train(data: Path, out: Path) -> None:
    call_command("monitoring", "train", "--data", str(data), "--out", str(out))


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_train_command_learns_from_train_and_dev_by_default(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "model"
    _train(small, out)
    meta = json.loads((out / "model.json").read_text())
    assert meta["trained_splits"] == ["train", "dev"] and meta["trained_on"] == 36
    extractor = pipeline.Extractor(*linear.load(out))
    assert extractor.trained_splits == ["train", "dev"] and extractor.trained_on == 36


def test_a_blank_victim_name_is_an_unnamed_victim(small: Path, tmp_path: Path) -> None:
    """A name of spaces is read as no name (as null), not as a person: it had stopped the
    training with an IndexError."""
    train = json.loads((small / "train.json").read_text())
    train[3]["merged_sample"]["victims"][0]["victim_name"] = "   "
    (small / "train.json").write_text(json.dumps(train))
    out = tmp_path / "model"
    _train(small, out)
    assert json.loads((out / "model.json").read_text())["trained_on"] == 36


def test_a_failed_write_leaves_the_model_that_was_there(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "model"
    _train(small, out)
    before = _files(out)

    def disk_full(handle: Any, **arrays: Any) -> None:
        handle.write(b"PK\x03\x04 half an archive")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez_compressed", disk_full)
    with pytest.raises(
        CommandError, match=r"No space left on device\. The model there is as it was"
    ):
        _train(small, out)
    assert _files(out) == before  # no part file left either
    linear.load(out)


def test_halves_of_two_trainings_are_told_and_extract_says_so(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, mixed = tmp_path / "a", tmp_path / "b", tmp_path / "mixed"
    _train(small, first)
    _train(small, second)
    mixed.mkdir()
    shutil.copy(first / "model.json", mixed / "model.json")
    shutil.copy(second / "weights.npz", mixed / "weights.npz")
    with pytest.raises(ValueError, match="half of one training and half of another"):
        linear.load(mixed)
    monkeypatch.setattr(pipeline, "MODEL_DIR", mixed)
    pipeline.default.cache_clear()
    source = tmp_path / "in.json"
    source.write_text(json.dumps([{"sample": {"Input.article_interface": "Held."}}]))
    try:
        with pytest.raises(CommandError, match=r"Cannot read the extraction model: .*train it"):
            call_command("monitoring", "extract", str(source), "--out", str(tmp_path / "o.json"))
    finally:
        pipeline.default.cache_clear()
    assert not (tmp_path / "o.json").exists()


def test_an_interrupted_training_says_so_and_writes_nothing(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aegis.monitoring.extraction import train as training

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(training, "train", interrupted)
    with pytest.raises(CommandError, match="Interrupted; the model is as it was"):
        _train(small, tmp_path / "model")
    assert not (tmp_path / "model").exists()


def _bench(data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AEGIS_HRDSATTACK_DIR": str(data)}
    command = [sys.executable, "-m", "aegis.cli", "bench", "monitoring", "--folds", "0"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    ("files", "said"),
    [
        ({}, "HRDsAttack data not found"),
        ({"dev.json": "[]"}, "HRDsAttack data not found"),  # no train.json
        ({"train.json": "[]", "dev.json": "[]"}, "train.json is not HRDsAttack data"),
        ({"train.json": "{bad", "dev.json": "[]"}, "Cannot read"),
    ],
)
def test_the_benchmark_stops_in_a_line_on_data_it_cannot_score(
    tmp_path: Path, files: dict[str, str], said: str
) -> None:
    """And it reads the folder named, not another one found elsewhere."""
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    ran = _bench(tmp_path)
    assert ran.returncode != 0 and said in ran.stdout + ran.stderr, ran.stdout + ran.stderr
    assert "Traceback" not in ran.stderr


def test_a_model_written_but_not_synced_is_not_swapped_in(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The weights are written whole, then the description fails to reach the disk: neither
    file is swapped in, so the folder never holds one new and one old file."""
    from aegis.files import storage

    out = tmp_path / "model"
    _train(small, out)
    before = _files(out)
    synced = []

    def failing_second(fd: int) -> None:
        synced.append(fd)
        if len(synced) == 2:
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(storage.os, "fsync", failing_second)
    with pytest.raises(CommandError, match="The model there is as it was"):
        _train(small, out)
    assert len(synced) == 2 and _files(out) == before
    linear.load(out)


def test_the_benchmark_says_in_a_line_that_a_label_has_one_value(tmp_path: Path) -> None:
    good = {
        "sample": {"Input.article_interface": "Police arrested Ana."},
        "merged_sample": _merged(),
    }
    for split in ("train", "dev"):
        (tmp_path / f"{split}.json").write_text(json.dumps([good, good]))
    ran = _bench(tmp_path)
    said = ran.stdout + ran.stderr
    assert ran.returncode == 2 and "Cannot run the benchmark: perpetrator_mention" in said, said
    assert "Traceback" not in said
