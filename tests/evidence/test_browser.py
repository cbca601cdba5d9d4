"""The evidence pages in Debian's Chromium with JavaScript off: add a photo, download it with
a reason, make a working copy, export the exhibit package and check it with sha256sum."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from playwright.sync_api import expect

from aegis import bootstrap
from aegis.accounts import services as accounts
from aegis.cases import services as cases
from aegis.roles import Role
from aegis.vault import services as vault
from aegis.vault.keychain import Keychain, unlocked
from aegis.vault.selectors import keypair_for_user
from tests.evidence.samples import gps_of, photo, sha256sum_check, unpack
from tests.test_browser import (  # noqa: F401
    PASSWORD,
    USERNAME,
    assert_csp,
    fill_sign_in,
    tab,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def desk(transactional_db, async_unsafe_allowed):
    bootstrap.create_organisation_keys()
    enrolment = accounts.create_user(USERNAME, PASSWORD, Role.CASEWORKER)
    keypair = keypair_for_user(enrolment.user.pk)
    chain = Keychain({keypair.pk: vault.unlock_user_keypair(keypair, PASSWORD)}, enrolment.user.pk)
    compartment = cases.create_compartment("Browser", members=[enrolment.user])
    with unlocked(chain):
        subject = cases.create_person(
            compartment, actor_id=enrolment.user.pk, pseudonym="Defender B", country="GT"
        )
        case = cases.open_case(
            compartment, subject_kind="person", person=subject, actor_id=enrolment.user.pk
        )
    return enrolment, case


def test_evidence_without_javascript(tab, desk, tmp_path):  # noqa: F811
    enrolment, case = desk
    page = tab.page
    page.goto(tab.url("/accounts/login/"))
    fill_sign_in(page, PASSWORD, enrolment.backup_codes[0])
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()

    response = page.goto(tab.url(f"/evidence/case/{case.reference}/"))
    assert_csp(response)
    expect(page.get_by_text("No evidence has been added to this case yet.")).to_be_visible()
    page.get_by_role("link", name="Add a file").click()

    jpeg = photo()
    source = tmp_path / "muro.jpg"
    source.write_bytes(jpeg)
    page.get_by_label("File").set_input_files(str(source))
    page.get_by_label("Description").fill("Graffiti on the office wall")
    page.get_by_label("How it was received").fill("Sent by the defender")
    page.get_by_role("button", name="Add the file").click()
    expect(page.get_by_role("heading", name="muro.jpg", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("added as an original")

    # The reason is required (the browser itself asks for it, no script needed).
    expect(page.get_by_label("Reason").first).to_have_attribute("required", "")
    page.get_by_label("Reason").first.fill("For the legal team")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download").click()
    downloaded = download_info.value
    assert downloaded.suggested_filename == "muro.jpg"
    assert Path(downloaded.path()).read_bytes() == jpeg

    page.get_by_role("button", name="Make a working copy").click()
    expect(page.get_by_role("heading", name="muro (working copy).jpg", level=1)).to_be_visible()
    page.get_by_label("Reason").first.fill("Check the copy")
    with page.expect_download() as copy_info:
        page.get_by_role("button", name="Download").click()
    assert gps_of(Path(copy_info.value.path()).read_bytes()) == {}

    page.goto(tab.url(f"/evidence/case/{case.reference}/"))
    page.get_by_label("Reason").fill("Submission to the Inter-American Commission")
    with page.expect_download() as exhibit_info:
        page.get_by_role("button", name="Export exhibit package").click()
    package = Path(exhibit_info.value.path()).read_bytes()
    root = unpack(package, tmp_path / "exhibit")
    check = sha256sum_check(root)
    assert check.returncode == 0, check.stdout + check.stderr
    with open(root / "custody.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    actions = [row["action"] for row in rows if not row["file"].startswith("working copy")]
    assert actions == ["upload", "view", "download", "copy", "export"]
    assert [row["action"] for row in rows if row["file"].startswith("working copy")] == [
        "copy",
        "view",
        "download",
    ]
    # A download ends its navigation, which the browser reports as aborted: nothing else may fail.
    assert all("ERR_ABORTED" in failure for failure in tab.failed_requests)
    assert tab.csp_violations() == [] and tab.error_responses == []
