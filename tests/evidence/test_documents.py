"""A Word document stored as evidence: its working copy is the same bytes, and the item's page
says why (the type checks themselves are in tests/files/test_documents.py)."""

from __future__ import annotations

import io

from django.urls import reverse

from aegis.evidence import services
from aegis.files.documents import DOCX
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in
from tests.files.test_documents import docx


def test_a_word_document_is_stored_as_evidence_and_its_working_copy_is_exact(desk, client):
    data = docx()
    with unlocked(desk.person.keychain()):
        item = services.upload_evidence(
            desk.case, io.BytesIO(data), "statement.docx", actor_id=desk.user.pk
        )
        assert item.content_type == DOCX
        # Office documents keep their metadata: a working copy is the same bytes (images are
        # stripped and PDFs redrawn), and the item's page says so.
        copy = services.make_working_copy(item, actor_id=desk.user.pk)
        assert copy.sha256 == item.sha256
    page = sign_in(client, desk.person).get(reverse("evidence:detail", kwargs={"item_id": item.pk}))
    assert "Word and OpenDocument files keep theirs" in page.content.decode()
