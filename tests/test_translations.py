"""Every message in the code and templates is translated into every language Aegis offers:
the messages are extracted afresh (Django's makemessages, as a translator would) and each is
looked up in the compiled catalogues."""

from __future__ import annotations

import ast
import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

import aegis

pytestmark = [pytest.mark.slow, pytest.mark.engine_independent]

SOURCE = Path(aegis.__file__).parent
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]


def _catalogues(language: str) -> list[gettext.GNUTranslations]:
    found = sorted(SOURCE.glob(f"**/locale/{language}/LC_MESSAGES/django.mo"))
    assert found, f"no catalogue for {language}"
    return [gettext.GNUTranslations(path.open("rb")) for path in found]


def _po_string(lines: list[str]) -> str:
    return "".join(ast.literal_eval(line) for line in lines)


def _extracted(po: Path) -> list[tuple[str | None, str, str | None]]:
    """(context, message, plural) of every entry of a .po file, header left out."""
    entries: list[tuple[str | None, str, str | None]] = []
    fields: dict[str, list[str]] = {}
    current = ""

    def flush() -> None:
        if "msgid" in fields and _po_string(fields["msgid"]):
            context = _po_string(fields["msgctxt"]) if "msgctxt" in fields else None
            plural = _po_string(fields["msgid_plural"]) if "msgid_plural" in fields else None
            entries.append((context, _po_string(fields["msgid"]), plural))
        fields.clear()

    for raw in [*po.read_text().splitlines(), ""]:
        line = raw.strip()
        if not line or line.startswith("#"):
            if fields.get("msgid") is not None and not line:
                flush()
            continue
        if line.startswith('"'):
            if current in fields:  # continuation of a msgid, msgid_plural or msgctxt
                fields[current].append(line)
            continue
        key, _, value = line.partition(" ")
        current = key
        if key.startswith("msgstr"):
            continue
        fields[key] = [value]
    flush()
    return entries


def _translated(catalogues, context, message, plural) -> bool:
    key = f"{context}\x04{message}" if context else message
    for catalogue in catalogues:
        table = catalogue._catalog  # type: ignore[attr-defined]
        if plural is None and table.get(key):
            return True
        if plural is not None and table.get((key, 0)):
            return True
    return False


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (make test)")
def test_every_message_is_translated_in_every_language(tmp_path):
    copy = tmp_path / "aegis"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("locale", "__pycache__"))
    (copy / "locale").mkdir()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "--locale",
            "es",
            "--no-location",
            "--ignore",
            "*/migrations/*",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": ""},
    )
    messages = _extracted(copy / "locale" / "es" / "LC_MESSAGES" / "django.po")
    assert len(messages) > 1000, "the extraction found too few messages"
    for language in LANGUAGES:
        catalogues = _catalogues(language)
        missing = [m for c, m, p in messages if not _translated(catalogues, c, m, p)]
        assert not missing, f"{len(missing)} untranslated in {language}: {missing[:10]}"
