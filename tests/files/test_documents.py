"""Documents (.pdf, .docx, .odt) are accepted wherever the forms say "documents", with real
type checks: a PDF's magic bytes, and for Word and OpenDocument files the type written inside
the ZIP container. Files built here, as the office programs build them (the evidence and
intake tests use them too)."""

from __future__ import annotations

import io
import zipfile

import pytest

from aegis.files.documents import DOCX, ODT
from aegis.files.uploads import UploadRejected, check_upload

pytestmark = pytest.mark.engine_independent

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="{main}"/></Types>'
)


def docx(main: str = DOCX + ".main+xml", extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(main=main))
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document><w:body>Statement</w:body></w:document>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def odt(mimetype: str = ODT) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # The OpenDocument rule: "mimetype" first, stored uncompressed.
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr(
            "content.xml", "<office:document-content>Statement</office:document-content>"
        )
        archive.writestr("META-INF/manifest.xml", "<manifest:manifest/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photos/list.txt", "not a document")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "claimed", "expected"),
    [
        ("statement.pdf", MINIMAL_PDF, "application/pdf", "application/pdf"),
        ("statement.docx", docx(), DOCX, DOCX),
        ("statement.odt", odt(), ODT, ODT),
        # Some browsers name only the container, or nothing.
        ("statement.docx", docx(), "application/zip", DOCX),
        ("statement.odt", odt(), "", ODT),
    ],
    ids=["pdf", "docx", "odt", "docx-claimed-zip", "odt-unclaimed"],
)
def test_documents_are_accepted_with_their_real_type(name, data, claimed, expected):
    checked = check_upload(io.BytesIO(data), name, claimed)
    assert checked.content_type == expected and checked.size == len(data)
    assert checked.data.read() == data


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        # The extension lies: a plain archive, a spreadsheet, a PDF or a text document
        # named as another kind.
        ("statement.docx", plain_zip(), "not a kind of file we accept"),
        ("sheet.odt", odt("application/vnd.oasis.opendocument.spreadsheet"), "not a kind"),
        ("statement.docx", MINIMAL_PDF, "does not match its type"),
        ("statement.pdf", docx(), "does not match its type"),
        ("statement.odt", docx(), "does not match its type"),
        ("statement.docx", odt(), "does not match its type"),
        # A Word file with macros renamed .docx.
        ("macros.docx", docx(extra={"word/vbaProject.bin": b"\x00" * 64}), "not a kind"),
        # A damaged container.
        ("broken.docx", docx()[:200], "not a kind of file we accept"),
    ],
    ids=[
        "zip",
        "spreadsheet",
        "pdf-as-docx",
        "docx-as-pdf",
        "docx-as-odt",
        "odt-as-docx",
        "macros",
        "truncated",
    ],
)
def test_a_document_whose_extension_lies_is_refused(name, data, message):
    with pytest.raises(UploadRejected, match=message):
        check_upload(io.BytesIO(data), name, "")


def test_the_refusal_names_the_document_kinds():
    with pytest.raises(UploadRejected) as refused:
        check_upload(io.BytesIO(plain_zip()), "archive.zip", "application/zip")
    assert "documents (PDF, Word .docx, OpenDocument .odt)" in str(refused.value)


@pytest.mark.parametrize(
    "data",
    [
        "La policía detuvo a la defensora María López".encode("cp1252"),
        "La policía detuvo a la defensora".encode("utf-16"),
        bytes(range(256)),
    ],
    ids=["windows-1252", "utf-16", "binary"],
)
def test_a_text_file_not_in_utf8_is_refused_in_plain_words(data):
    with pytest.raises(UploadRejected, match="not plain text in UTF-8"):
        check_upload(io.BytesIO(data), "informe.txt", "text/plain")


def test_a_utf8_text_cut_inside_a_character_is_still_text():
    data = ("a" * 8191 + "é" + "b" * 100).encode()  # the sample ends inside "é"
    assert check_upload(io.BytesIO(data), "informe.txt", "text/plain").content_type == (
        "text/plain"
    )


def test_a_long_file_name_is_shortened_in_its_stem_and_keeps_its_extension():
    name = "informe-" + "á" * 600 + ".txt"
    checked = check_upload(io.BytesIO(b"La policia detuvo a la defensora."), name, "text/plain")
    assert checked.content_type == "text/plain"
    assert len(checked.name) == 200 and checked.name.endswith("á.txt")
    odd = check_upload(io.BytesIO(b"Texto."), "x" * 300 + ".txt", "text/plain")
    assert odd.name == "x" * 196 + ".txt"


@pytest.mark.parametrize("name", ["a.png", "photo.jpg", "statement.pdf", "clip.mp4"])
def test_unknown_content_named_as_a_kind_taken_says_it_does_not_match(name):
    """Bytes of no known kind named as a photo or document: "not a kind of file we accept"
    had sent the person looking for another format, when the file is not what it says."""
    with pytest.raises(UploadRejected, match="does not match its type"):
        check_upload(io.BytesIO(bytes(range(1, 256)) * 40), name, "")
