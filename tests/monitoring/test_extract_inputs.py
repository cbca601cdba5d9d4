"""What the extractor does with inputs no annotated article has: scripts in the markup, stray
"<", an article far longer than news, a placeholder publish date, ISO 8601 dates, and the
command's output when the disk refuses it or the input nests too deep. How long the worst of
them take is measured by the benchmark (bench/monitoring.py), not asserted here."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from aegis.monitoring.extraction import dates, extract, features, text
from aegis.monitoring.extraction.schema import publish_date

pytestmark = pytest.mark.engine_independent

STORY = (
    "<p>Journalist Maria Lopez was arrested by police in Lagos on March 3, 2021.</p>"
    "<p>Her lawyer said she is still detained.</p>"
)


def test_what_scripts_and_style_sheets_hold_is_no_text_of_the_article() -> None:
    markup = (
        "<p>Nothing happened here.</p><SCRIPT type='x'>John Smith was arrested in Lagos "
        "on May 5, 2020</script ><style>p { color: red }</style><p>The end.</p>"
    )
    assert text.html_to_text(markup) == "Nothing happened here.\nThe end."
    assert extract("Title", markup).victims == ()
    # One left open runs to the end of the text.
    assert text.html_to_text("<p>Kept.</p><script>var name = 'John Smith';") == "Kept."


def test_a_stray_angle_bracket_leaves_the_words_after_it() -> None:
    assert text.html_to_text("<p>a<b and c</p><p>d < e</p>") == "a<b and c\nd < e"
    assert text.html_to_text("<" * 1000 + "<p>Words.</p>") == "<" * 1000 + "\nWords."


def test_an_article_longer_than_news_is_read_up_to_its_first_hundred_thousand_characters() -> None:
    paragraph = "The journalist Maria Lopez was arrested by police in Lagos. " * 20
    body = "\n".join([paragraph] * 200)  # about 240,000 characters
    article = features.Article.make("Title", body, None)
    assert len(article.plain) <= features.READ_CHARS
    assert article.plain.endswith(paragraph)  # cut at a paragraph's end
    assert features.Article.make("x" * 5000, "Body.", None).title == "x" * features.TITLE_CHARS


@pytest.mark.parametrize("placeholder", [date.min, date(1, 1, 3), date.max])
def test_a_placeholder_publish_date_gives_no_date(placeholder: date) -> None:
    found = extract("Defender arrested", STORY.replace(" on March 3, 2021", ""), placeholder)
    assert (found.year.value, found.month.value, found.day.value) == (None, None, None)


def test_publish_dates_as_the_dataset_and_iso_8601_write_them() -> None:
    for raw in ("2021-03-08 23:00:34", "2021-03-08 23:00:34+00:00", "2021-03-08T23:00:34Z"):
        assert publish_date({"Input.publish_date": raw}) == date(2021, 3, 8)
    assert publish_date({"Input.publish_date": "08/03/2021"}) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.integers(1, 30)), max_size=40))
def test_the_spans_taken_as_dates_answer_as_a_look_at_every_span(
    spans: list[tuple[int, int]],
) -> None:
    taken = dates._Taken()
    seen: list[tuple[int, int]] = []
    for start, length in spans:
        taken.add(start, start + length)
        seen.append((start, start + length))
        assert taken.starts == sorted(taken.starts)
        assert all(end < start for end, start in zip(taken.ends, taken.starts[1:], strict=False))
    for offset in range(0, 440):
        assert (offset in taken) == any(a <= offset < b for a, b in seen)
        end = offset + 5
        assert taken.overlaps(offset, end) == any(a < end and offset < b for a, b in seen)


def test_many_dates_are_each_read_once() -> None:
    found = dates.mentions("on May 5, 2020 " * 50 + "in 2019", date(2021, 1, 1))
    assert [(d.year, d.month, d.day) for d in found[:2]] == [(2020, 5, 5), (2020, 5, 5)]
    assert len(found) == 51 and found[-1].year == 2019 and found[-1].kind == "year"


def test_a_date_is_one_mention_however_many_patterns_read_it() -> None:
    # "of February" (a month alone) starts before "February 26" and is part of it.
    found = dates.mentions("He was detained on the night of February 26.", date(2021, 3, 8))
    assert [(d.year, d.month, d.day) for d in found] == [(2021, 2, 26)]


def _records(tmp_path: Path) -> Path:
    source = tmp_path / "in.json"
    source.write_text(
        json.dumps(
            [
                {
                    "sample": {"Input.title": "Arrest", "Input.article_interface": STORY},
                    "annotations": [{"kept": True}],
                    "merged_sample": {"victims": [{"victim_name": "Maria Lopez"}]},
                }
            ]
        )
    )
    return source


def test_the_records_are_written_back_with_their_other_keys(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    call_command("monitoring", "extract", str(_records(tmp_path)), "--out", str(out))
    (written,) = json.loads(out.read_text())
    assert written["annotations"] == [{"kept": True}]
    assert written["merged_sample"]["victims"][0]["victim_name"] == "Maria Lopez"


def test_an_output_the_disk_refuses_leaves_the_file_that_was_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.json"
    out.write_text("the earlier results")

    def full_disk(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(CommandError, match=r"Cannot write .*No space left"):
        call_command("monitoring", "extract", str(_records(tmp_path)), "--out", str(out))
    assert out.read_text() == "the earlier results"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json", "out.json"]


def test_input_nested_past_what_python_reads_is_refused_in_words(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("monitoring", "extract", str(deep), "--out", str(tmp_path / "o.json"))
    assert not (tmp_path / "o.json").exists()


def test_an_output_that_is_no_regular_file_is_refused_and_a_link_written_through(
    tmp_path: Path,
) -> None:
    """--out never renames a file over a device or a pipe (a run as root had replaced
    /dev/null), nor over the input; a link is written through to its target."""
    source = _records(tmp_path)
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    for refused, words in ((pipe, "not a regular file"), (source, "is the input file")):
        with pytest.raises(CommandError, match=words):
            call_command("monitoring", "extract", str(source), "--out", str(refused))
    assert pipe.is_fifo() and json.loads(source.read_text())[0]["annotations"]
    target, link = tmp_path / "target.json", tmp_path / "link.json"
    target.write_text("earlier")
    link.symlink_to(target)
    call_command("monitoring", "extract", str(source), "--out", str(link))
    assert link.is_symlink() and json.loads(target.read_text())[0]["merged_sample"]


def test_given_victims_keep_their_own_idx_past_an_unnamed_group(tmp_path: Path) -> None:
    """A group with no name is passed over (as the paper does), and each named victim's
    answer keeps that victim's victim_idx, so it pairs with it by idx as by name."""
    source = tmp_path / "in.json"
    victims = [
        {"victim_idx": 1, "victim_name": None, "victim_population_type": "multiple"},
        {"victim_idx": 2, "victim_name": "Maria Lopez"},
        {"victim_idx": 3, "victim_name": "   "},
        {"victim_name": "Ana Ruiz"},
    ]
    sample = {"Input.title": "Arrest", "Input.article_interface": STORY}
    source.write_text(json.dumps([{"sample": sample, "merged_sample": {"victims": victims}}]))
    out = tmp_path / "out.json"
    call_command("monitoring", "extract", str(source), "--out", str(out), "--given-victims")
    (written,) = json.loads(out.read_text())
    answers = written["merged_sample"]["gold_victim_answers"]
    assert [(a["victim_idx"], a["victim_name"]) for a in answers] == [
        (2, "Maria Lopez"),
        (4, "Ana Ruiz"),
    ]


def test_a_damaged_model_is_said_in_words(tmp_path: Path) -> None:
    """weights.npz cut short: read as a damaged model in words (ValueError), so that the
    worker falls back to the shipped model (pipeline._from_folder) and the command says so,
    never a zipfile traceback."""
    import shutil

    from aegis.monitoring.extraction import linear, pipeline

    folder = tmp_path / "model"
    shutil.copytree(pipeline.MODEL_DIR, folder)
    weights = folder / "weights.npz"
    weights.write_bytes(weights.read_bytes()[:100_000])
    with pytest.raises(ValueError, match="damaged"):
        linear.load(folder)
    assert pipeline._from_folder(folder, (0, 0, 0)) is None
