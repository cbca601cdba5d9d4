"""`aegis monitoring train --decisions`: the article-level models learn from the analysts'
confirmed decisions, read with the recovery key, and the model written keeps no word of the
organisation's articles that the public dataset does not have (a name, a place, a number):
its feature names are those of a model trained on the public data alone."""

from __future__ import annotations

import datetime
import json
import logging
import os
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from nacl.public import PrivateKey

from aegis.incidents.vocabulary import PerpetratorType, ViolationType
from aegis.monitoring import articles, decisions
from aegis.monitoring.extraction import decided, labels, linear, pipeline
from aegis.monitoring.extraction import features as F
from aegis.monitoring.extraction import train as training
from aegis.monitoring.extraction.data import dataset_dir
from aegis.monitoring.extraction.text import html_to_text
from aegis.monitoring.vocabulary import ArticleOrigin
from aegis.vault import services as vault
from aegis.vault.keychain import unlocked

from .conftest import STORY
from .test_decisions import EXTRACTED

# The worker's own call to the extractor (the suite's conftest stands a fake in for it).
worker_extracts = articles.run_extractor

# Words of the organisation's articles that no public article has: they must never reach
# the model on disk.
PRIVATE = ("Xochiquetzal", "Tlapanecoyan", "Ixmiquilpan")


def test_an_analysts_classes_map_back_to_the_datasets_labels_only_where_one_means_them():
    assert labels.dataset_perpetrator(PerpetratorType.POLICE) == "state actor"
    assert labels.dataset_perpetrator(PerpetratorType.PUBLIC_OFFICIAL) == "other state actors"
    assert labels.dataset_perpetrator(PerpetratorType.ORGANISED_CRIME) == (
        "other actors without permissions"
    )
    for split in ("company", "private_security", "political_party", "unknown", "nonsense"):
        assert labels.dataset_perpetrator(split) is None
    for code in PerpetratorType:
        back = labels.dataset_perpetrator(code)
        assert back is None or back in labels.PERPETRATOR_TYPES
    # Every dataset label comes back as itself; Aegis's finer classes are the dataset's other.
    for label in labels.VIOLATION_TYPES:
        assert labels.dataset_violations(labels.aegis_violations([label])) == [label]
    assert labels.dataset_violations(
        [ViolationType.ARBITRARY_DETENTION, ViolationType.DEATH_THREAT, ViolationType.RAID]
    ) == ["arbitrary detention", "other"]
    assert labels.dataset_violations([]) == ["unknown"]


def test_a_decided_text_keeps_only_ordinary_words():
    ordinary = frozenset(["police", "arrested", "in", "on", "she", "was", "held", "may", "the"])
    text = (
        "<p>Police arrested Maria Lopez in Bogota on 12 May. She was held.</p><p>The May Day.</p>"
    )
    assert decided.masked(text, ordinary) == "Police arrested in on. She was held.\nThe."
    # A capitalised ordinary word is a name after an abbreviation or an initial, or within a
    # sentence; only at a sentence's start is it the word.
    ordinary |= {"hope", "rose", "grace", "met"}
    text = "Hope met Mr. Hope and J. Rose. Grace met Grace (Rose)."
    assert decided.masked(text, ordinary) == "Hope met. Grace met."


def test_only_confirmed_decisions_teach_and_an_edit_speaks_for_the_analyst():
    edited = {
        "status": "accepted",
        "extracted": EXTRACTED,
        "decided": {
            "perpetrator_mentioned": True,
            "perpetrator_type": "company",
            "violation_types": ["torture", "raid"],
        },
    }
    assert decided.labels_of(edited) == {
        "perpetrator_mention": True,
        "perpetrator_type": None,  # a company: the dataset splits it between two labels
        "violation_types": ["torture", "other"],
        "country": None,
        "region": None,
        "city": None,
        "victims": [],
    }
    # Unedited, an acceptance confirms the draft the analyst saw (drafts.from_extraction).
    unedited = decided.labels_of({"status": "accepted", "extracted": EXTRACTED, "decided": None})
    assert unedited is not None
    assert unedited["perpetrator_type"] == "state actor"
    assert unedited["violation_types"] == ["arbitrary detention"]
    shown_as_unknown = {
        **EXTRACTED,
        "perpetrator_type": {"value": "other non-state actors"},
        "violation_types": [],
    }
    seen = decided.labels_of({"status": "accepted", "extracted": shown_as_unknown})
    assert seen is not None
    assert seen["perpetrator_type"] is None and seen["violation_types"] == ["other"]
    # A merge confirms the incident, not the labels, unless the analyst edited them.
    assert decided.labels_of({"status": "merged", "extracted": EXTRACTED, "decided": None}) is None
    assert decided.labels_of({**edited, "status": "merged"}) == decided.labels_of(edited)
    assert decided.labels_of({"status": "rejected", "extracted": EXTRACTED}) is None
    assert decided.labels_of({"status": "accepted", "extracted": {}, "decided": None}) is None


@pytest.fixture
def org_model(settings, tmp_path: Path) -> Path:
    settings.AEGIS_MONITORING_MODEL_DIR = tmp_path / "organisation-model"
    return settings.AEGIS_MONITORING_MODEL_DIR


def _ingest(team: Any, monkeypatch: pytest.MonkeyPatch, n: int) -> Any:
    """A story about a person only this organisation's articles name, told after the opening
    of a public article (each article its own story: one told twice is a duplicate)."""
    monkeypatch.setattr(articles, "run_extractor", lambda *a: EXTRACTED)
    story = STORY.replace("Maria Lopez", " ".join(PRIVATE[:2])).replace("Bogota", PRIVATE[2])
    data = dataset_dir()
    assert data is not None
    public = json.loads((data / "dev.json").read_text())[50 + n]["sample"]
    opening = html_to_text(public["Input.article_interface"])[:1500]
    with unlocked(team.analyst.keychain()):
        return articles.ingest(
            origin=ArticleOrigin.PASTED,
            title=f"{PRIVATE[0]} tortured in {PRIVATE[2]}",
            text=f"{opening}\n{story} She was beaten and tortured in custody.",
            url=f"https://news.example.org/{n}",
            published=datetime.date(2026, 11, 20),
            language="en",
        ).proposal


def _train(small: Path, *more: str) -> StringIO:
    out = StringIO()
    call_command("monitoring", "train", "--data", str(small), *more, stdout=out, stderr=out)
    return out


def test_the_decisions_teach_the_article_models_and_write_no_word_of_theirs(
    team, organisation, small, org_model, tmp_path, monkeypatch, caplog
):
    key_file = tmp_path / "recovery.txt"
    key_file.write_text(organisation + "\n")
    with unlocked(team.analyst.keychain()):
        for n in range(8):
            proposal = _ingest(team, monkeypatch, n)
            draft = decisions.draft_of(proposal)
            draft.violation_types = [ViolationType.TORTURE]
            draft.perpetrator_type = PerpetratorType.MILITARY
            decisions.edit(proposal, draft, actor_id=team.analyst.user.pk)
            decisions.accept(
                proposal, compartment_id=team.compartment.pk, actor_id=team.analyst.user.pk
            )
        decisions.reject(
            _ingest(team, monkeypatch, 40), reason="not_attack", actor_id=team.analyst.user.pk
        )

    said = _train(small, "--decisions", "--recovery-key-file", str(key_file)).getvalue()
    assert "Trained on 36 articles and 8 decisions" in said and str(org_model) in said
    public_only = tmp_path / "public"
    _train(small, "--out", str(public_only))

    written = (org_model / "model.json").read_text()
    with np.load(org_model / "weights.npz", allow_pickle=False) as arrays:
        written += " ".join(" ".join(map(str, arrays[k].ravel())) for k in arrays.files)
    for word in PRIVATE:
        assert word.lower() not in written.lower()
    learnt, extra = linear.load(org_model)
    public, public_extra = linear.load(public_only)
    assert extra["decisions"] == 8 and public_extra["decisions"] == 0
    assert extra["idf"] == public_extra["idf"]
    assert extra["perpetrator_chars_idf"].tolist() == public_extra["perpetrator_chars_idf"].tolist()
    # Not even which public words the organisation's articles use: the models the decisions
    # teach have no feature the public articles' rows lack (the headlines' "t:" and leads'
    # "lead:" words included). Compared with the rows, not with the public-only model, whose
    # near-zero weights are pruned (linear.Linear.from_sklearn) where these may not be.
    articles_read = [training.article(r) for r in training.load_records(small)]
    docs = [F.document(a, extra["idf"]) for a in articles_read]
    leads = [F.violation_document(a, extra["idf"], d) for a, d in zip(articles_read, docs)]
    assert set(learnt["perpetrator_mention"].index) <= set().union(*docs)
    for label in labels.VIOLATION_TYPES:
        assert set(learnt[f"violation:{label}"].index) <= set().union(*leads), label
    assert learnt["perpetrator_type"].index == public["perpetrator_type"].index  # never pruned
    # What the decisions move is the weight of public words.
    moved = learnt["violation:torture"].intercept - public["violation:torture"].intercept
    assert np.all(moved > 0.01), moved

    # The worker and `extract` read the organisation's model from then on.
    assert pipeline.in_use(org_model).decisions == 8
    assert pipeline.in_use(tmp_path / "none").decisions == 0
    asked = []
    in_use = pipeline.in_use
    monkeypatch.setattr(
        pipeline, "in_use", lambda folder=None: asked.append(folder) or in_use(folder)
    )
    proposed = worker_extracts("Held", STORY, None)
    assert proposed["violation_types"]
    assert asked == [org_model]
    # The proposal says what its extractor learnt from (its page shows it).
    assert proposed["model"] == {"articles": 36, "decisions": 8}

    # After an upgrade (another shipped model), the shipped one serves until trained again.
    monkeypatch.setattr(pipeline, "shipped_build", lambda: "another version")
    os.utime(org_model / "model.json", ns=(1, 1))
    with caplog.at_level(logging.WARNING, logger=pipeline.__name__):
        assert in_use(org_model).decisions == 0
    assert "trained beside another version of the shipped one" in caplog.text
    # So does it where the organisation's model cannot be read.
    (org_model / "model.json").write_text("{half")
    with caplog.at_level(logging.ERROR, logger=pipeline.__name__):
        assert in_use(org_model).decisions == 0
    assert "cannot be read (JSONDecodeError); the shipped model is used" in caplog.text


def test_a_wrong_key_or_nothing_confirmed_writes_nothing(
    team, organisation, small, org_model, tmp_path, monkeypatch
):
    key_file = tmp_path / "recovery.txt"
    key_file.write_text(organisation)
    wrong = tmp_path / "wrong.txt"
    wrong.write_text(vault.format_recovery_key(PrivateKey.generate()))
    with pytest.raises(CommandError, match="Refused: this is not this organisation"):
        _train(small, "--decisions", "--recovery-key-file", str(wrong))
    with pytest.raises(CommandError, match="No accepted proposal, or merged one with an edit"):
        _train(small, "--decisions", "--recovery-key-file", str(key_file))
    with pytest.raises(CommandError, match="never replaces the shipped one"):
        _train(small, "--decisions", "--out", str(pipeline.MODEL_DIR))
    with pytest.raises(CommandError, match="is for learning from the decisions: add --decisions"):
        _train(small, "--recovery-key-file", str(key_file), "--out", str(tmp_path / "m"))
    with unlocked(team.analyst.keychain()):
        proposal = _ingest(team, monkeypatch, 1)
        decisions.reject(proposal, reason="duplicate", actor_id=team.analyst.user.pk)
    with pytest.raises(CommandError, match="No accepted proposal, or merged one with an edit"):
        _train(small, "--decisions", "--recovery-key-file", str(key_file))
    assert not org_model.exists() and not (tmp_path / "m").exists()


def test_retraining_the_shipped_model_says_the_organisations_waits_for_its_turn(
    small, org_model, tmp_path, monkeypatch
):
    monkeypatch.setattr(pipeline, "MODEL_DIR", tmp_path / "shipped")
    org_model.mkdir()
    (org_model / "model.json").write_text("{}")
    said = _train(small).getvalue()
    assert f"The organisation's model in {org_model} was trained beside" in said


def test_decisions_the_recovery_key_cannot_open_are_counted_and_left_out(
    team, organisation, small, org_model, tmp_path, monkeypatch
):
    from aegis.vault.models import KeyWrap
    from aegis.vault.services import recovery_keypair

    key_file = tmp_path / "recovery.txt"
    key_file.write_text(organisation)
    with unlocked(team.analyst.keychain()):
        proposal = _ingest(team, monkeypatch, 2)
        decisions.accept(
            proposal, compartment_id=team.compartment.pk, actor_id=team.analyst.user.pk
        )
    # As an article kept before the recovery key held the monitoring keys.
    KeyWrap.objects.filter(
        keypair=recovery_keypair(),
        data_key_id__in=[proposal.data_key_id, proposal.article.data_key_id],
    ).delete()
    said = StringIO()
    with pytest.raises(CommandError, match="None of the decided proposals could be read"):
        call_command(
            "monitoring", "train", "--data", str(small), "--decisions",
            "--recovery-key-file", str(key_file), stdout=said, stderr=said,
        )  # fmt: skip
    assert "1 decided proposals were left out: the recovery key does not open" in said.getvalue()
    assert not org_model.exists()
