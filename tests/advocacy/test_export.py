"""Exports: the PDF opens and its text is extracted (pdftotext); page 1 is kept as a PNG for
review; a person appears by name only where their consent covers naming them to the
government, otherwise by pseudonym with a line saying so; the mechanism's language is used."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from aegis.advocacy import export
from aegis.vault.keychain import unlocked

from .conftest import LEGAL_NAME, PSEUDONYM, draft_for, variant

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).parent / "artifacts"  # ignored by git (.gitignore beside it)


def _pdf_text(team, communication, tmp_path: Path, name: str) -> str:
    with unlocked(team.writer.keychain()):
        document = export.pdf(communication)
    assert document.startswith(b"%PDF-")
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(document)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    # Page 1 as a picture, kept for a person to look at.
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(path),
            str(tmp_path / name),
        ],
        check=True,
    )
    picture = tmp_path / f"{name}.png"
    assert picture.stat().st_size > 1000
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(picture, ARTIFACTS / picture.name)
    return text


def test_without_consent_to_name_the_pdf_has_the_pseudonym_not_the_name(team, tmp_path):
    communication = draft_for(team, "special_procedures", variant(consent=("un_mechanism",)))
    text = _pdf_text(team, communication, tmp_path, "pseudonym")
    assert PSEUDONYM in text
    assert LEGAL_NAME not in text and "Quintero" not in text
    assert "referred to by a pseudonym" in " ".join(text.split())
    assert "Urgent appeal" in text and "Detailed account" in text
    assert "Death threat" in text and "Non-state armed group" in text


def test_with_consent_to_name_the_pdf_names_the_person(team, tmp_path):
    spec = variant(consent=("un_mechanism", "name_to_government"))
    text = _pdf_text(team, draft_for(team, "special_procedures", spec), tmp_path, "named")
    assert LEGAL_NAME in " ".join(text.split())
    assert "referred to by a pseudonym" not in " ".join(text.split())


def test_a_withdrawn_consent_no_longer_names_the_person(team, tmp_path):
    from aegis.cases import services as cases
    from aegis.cases.models import ConsentRecord

    spec = variant(consent=("un_mechanism", "name_to_government"))
    communication = draft_for(team, "iachr", spec)
    consent = ConsentRecord.objects.get(scope="name_to_government")
    cases.withdraw_consent(consent, actor_id=team.writer.user.pk)
    with unlocked(team.writer.keychain()):
        body = export.render(communication, export.TEXT)
    assert LEGAL_NAME not in body and PSEUDONYM in body


def test_the_export_is_in_the_mechanisms_language(team, tmp_path):
    spec = variant(language="es", consent=())
    communication = draft_for(team, "iachr", spec)
    text = _pdf_text(team, communication, tmp_path, "spanish")
    assert "Solicitud de medidas cautelares" in text
    assert LEGAL_NAME not in text


def test_arabic_renders_right_to_left(team, tmp_path):
    communication = draft_for(team, "reprisals", variant(language="ar"))
    with unlocked(team.writer.keychain()):
        html = export.render(communication, export.PDF)
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    # Typed English keeps its own direction inside the right-to-left document.
    assert '<p dir="ltr">On the night of 3 March' in html
    _pdf_text(team, communication, tmp_path, "arabic")


def test_email_body_and_online_form_sheet(team):
    communication = draft_for(team, "wgeid")
    with unlocked(team.writer.keychain()):
        body = export.render(communication, export.TEXT)
        sheet = export.render(communication, export.SHEET)
    assert body.startswith("Subject: WGEID – new case – Colombia")
    assert "DETAILED ACCOUNT" in body and "<p>" not in body
    assert "STEPS TAKEN BY THE FAMILY" in body and LEGAL_NAME in body
    assert '<th scope="row">Alleged victims</th>' in sheet
    # Each part's lines are in the sheet to copy, one per line; no template tag left unread.
    assert f"<td>{LEGAL_NAME}</td>" in sheet and "{{" not in sheet and "{%" not in sheet
    assert "Habeas corpus filed on 5 March" in sheet and "<br>" in sheet
    assert body.splitlines()[0] == f"Subject: WGEID – new case – Colombia – {LEGAL_NAME}"
    assert export.default_format("email") == export.TEXT
    assert export.default_format("online_form") == export.SHEET
    assert export.default_format("fax_post") == export.PDF


def test_the_subject_names_the_victim_only_as_the_export_does(team):
    communication = draft_for(team, "wgeid", variant(consent=("un_mechanism",)))
    with unlocked(team.writer.keychain()):
        body = export.render(communication, export.TEXT)
    assert body.splitlines()[0] == f"Subject: WGEID – new case – Colombia – {PSEUDONYM}"
    assert LEGAL_NAME not in body


def test_the_rule_39_subject_gives_the_removal_not_todays_date(team):
    communication = draft_for(team, "echr_rule_39")
    with unlocked(team.writer.keychain()):
        body = export.render(communication, export.TEXT)
    first = body.splitlines()[0]
    assert first.endswith("removal on 28 March, 06:40, flight to the country of origin.")
    assert "<" not in first


def test_a_sentence_that_begins_with_a_latin_name_keeps_the_arabic_direction(team):
    communication = draft_for(team, "reprisals", variant(language="ar", consent=("un_mechanism",)))
    with unlocked(team.writer.keychain()):
        html = export.render(communication, export.PDF)
    line = next(line for line in html.splitlines() if PSEUDONYM in line and "\u2068" in line)
    assert 'dir="rtl"' in line, line
    assert export.direction("\u2068Zorro\u2069: يُشار") == "rtl"
    assert export.direction("Zorro: يُشار") == "ltr"


def test_the_arabic_e_mail_body_says_subject_not_the_party_concerned(team):
    communication = draft_for(team, "reprisals", variant(language="ar"))
    with unlocked(team.writer.keychain()):
        body = export.render(communication, export.TEXT)
    assert body.startswith("الموضوع: ")


def test_the_online_form_sheet_has_its_content_in_a_main_landmark(team):
    """axe had reported landmark-one-main and region on the standalone sheet."""
    from html.parser import HTMLParser

    class Landmarks(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.open: list[str] = []
            self.mains = 0
            self.outside: list[str] = []  # content elements of <body> outside <main>

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag == "main":
                self.mains += 1
            if "body" in self.open and "main" not in self.open and tag != "main":
                self.outside.append(tag)
            if tag not in ("br", "meta"):
                self.open.append(tag)

        def handle_endtag(self, tag: str) -> None:
            if tag in self.open:
                del self.open[len(self.open) - 1 - self.open[::-1].index(tag)]

    communication = draft_for(team, "wgeid")
    with unlocked(team.writer.keychain()):
        sheet = export.render(communication, export.SHEET)
    found = Landmarks()
    found.feed(sheet)
    assert found.mains == 1 and found.outside == []
