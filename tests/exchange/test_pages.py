"""The exchange pages: partners, sending, receiving, and the side-by-side review; records
outside the reader's compartments answer 404."""

from __future__ import annotations

import io
import json
import re
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from aegis.audit.models import AuditEntry
from aegis.exchange import demo
from aegis.exchange.models import Partner, QuarantineItem, Received
from aegis.exchange.vocabulary import Decision
from aegis.roles import Role
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in

from . import bundles


def _upload(client, data, signature, compartment):
    return client.post(
        "/exchange/import/",
        {
            "file_format": "bundle",
            "bundle": SimpleUploadedFile("b.age", data),
            "signature": SimpleUploadedFile("b.age.minisig", signature.encode()),
            "compartment": compartment.pk,
        },
    )


def test_home_shows_our_keys_and_the_partners(desk, partner):
    page = sign_in(Client(), desk.lucia).get("/exchange/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Casa Andina" in body and "age1" in body and "RW" in body


def test_receive_then_review_side_by_side(desk, partner, partner_keys):
    client = sign_in(Client(), desk.lucia)
    answer = _upload(client, *bundles.make(partner_keys), desk.compartment)
    assert answer.status_code == 302
    received = Received.objects.get()
    listing = client.get(f"/exchange/received/{received.pk}/")
    assert "Guardian Rio" in listing.content.decode()
    event = QuarantineItem.objects.get(kind="event")
    page = client.get(f"/exchange/quarantine/{event.pk}/")
    assert page.status_code == 200
    assert desk.incident.reference in page.content.decode()  # the match, beside it
    # Codes by their names, in the reader's language (they had read "CO CO-ANT", "death_threat").
    shown = page.content.decode()
    assert "Antioquia, Colombia" in shown and "Death threat" in shown
    assert "death_threat" not in shown and "CO-ANT" not in shown
    person = QuarantineItem.objects.get(kind="person")
    shown = client.get(f"/exchange/quarantine/{person.pk}/").content.decode()
    assert "<dt>Legal name</dt>" in shown and "<dt>Sex or gender</dt>" in shown
    assert "legal_name" not in shown and ">man<" not in shown and ">CO<" not in shown
    assert ">Man<" in shown and ">Colombia<" in shown
    spanish = client.get(
        f"/exchange/quarantine/{person.pk}/", headers={"accept-language": "es"}
    ).content.decode()
    assert "Hombre" in spanish or "hombre" in spanish
    done = client.post(
        f"/exchange/quarantine/{event.pk}/",
        {"decision": "linked", "target": desk.incident.reference},
    )
    assert done.status_code == 302
    assert QuarantineItem.objects.get(pk=event.pk).decision == Decision.LINKED
    decided = client.get(f"/exchange/quarantine/{event.pk}/").content.decode()
    assert f'href="/incidents/{desk.incident.reference}/"' in decided  # not a bare reference


def test_a_refused_bundle_says_why_on_the_page(desk, partner, partner_keys):
    client = sign_in(Client(), desk.lucia)
    data, _ = bundles.make(partner_keys)
    answer = client.post(
        "/exchange/import/",
        {
            "file_format": "bundle",
            "bundle": SimpleUploadedFile("b.age", data),
            "compartment": desk.compartment.pk,
        },
    )
    assert answer.status_code == 400
    assert "no signature" in answer.content.decode()


def test_a_decision_without_a_target_is_shown_on_the_form(desk, partner, partner_keys):
    client = sign_in(Client(), desk.lucia)
    _upload(client, *bundles.make(partner_keys), desk.compartment)
    person = QuarantineItem.objects.get(kind="person")
    answer = client.post(f"/exchange/quarantine/{person.pk}/", {"decision": "merged"})
    assert answer.status_code == 400
    assert "Choose a person you can open" in answer.content.decode()


def test_a_merge_target_that_is_no_number_is_refused_in_words(desk, partner, partner_keys):
    client = sign_in(Client(), desk.lucia)
    _upload(client, *bundles.make(partner_keys), desk.compartment)
    person = QuarantineItem.objects.get(kind="person")
    for target in ("²", "abc"):
        answer = client.post(
            f"/exchange/quarantine/{person.pk}/", {"decision": "merged", "target": target}
        )
        assert answer.status_code == 400
        assert "Choose a person you can open" in answer.content.decode()
    assert QuarantineItem.objects.get(pk=person.pk).decision == Decision.PENDING


def test_an_outsider_gets_404(desk, partner, partner_keys, make_person):
    sign_in(Client(), desk.lucia)
    client = sign_in(Client(), desk.lucia)
    _upload(client, *bundles.make(partner_keys), desk.compartment)
    outsider = sign_in(Client(), make_person(Role.CASEWORKER, "pedro"))
    item = QuarantineItem.objects.first()
    assert outsider.get(f"/exchange/received/{item.received_id}/").status_code == 404
    assert outsider.get(f"/exchange/quarantine/{item.pk}/").status_code == 404


def test_send_downloads_the_bundle_and_its_signature(desk, partner):
    client = sign_in(Client(), desk.lucia)
    answer = client.post(
        "/exchange/export/",
        {
            "partner": partner.pk,
            "cases": desk.case.reference,
            "profile": "coded",
            "purpose": "referral",
        },
    )
    assert answer.status_code == 200, answer.content.decode()[:500]
    names = zipfile.ZipFile(io.BytesIO(answer.content)).namelist()
    assert len(names) == 2 and names[1].endswith(".age.minisig")


def test_send_without_consent_is_refused_on_the_form(desk, partner):
    desk.consent.delete()
    client = sign_in(Client(), desk.lucia)
    answer = client.post(
        "/exchange/export/",
        {
            "partner": partner.pk,
            "cases": desk.case.reference,
            "profile": "full",
            "purpose": "referral",
        },
    )
    assert answer.status_code == 400
    assert "Defender Sol has no live consent" in answer.content.decode()
    # Where consent is recorded: the person's page (the case's page sends people there).
    assert "record it on their person&#x27;s page" in answer.content.decode()


def test_a_coordinator_adds_a_partner_and_bad_keys_are_refused(
    make_person, organisation, partner_keys
):
    client = sign_in(Client(), make_person(Role.COORDINATOR))
    bad = client.post("/exchange/partners/add/", {"name": "X", "age_recipient": "age1nope"})
    assert bad.status_code == 400 and "not an age X25519 recipient" in bad.content.decode()
    good = client.post(
        "/exchange/partners/add/",
        {
            "name": "Casa Andina",
            "age_recipient": partner_keys.recipient,
            "minisign_key": partner_keys.minisign_line,
            "vetted": "on",
        },
    )
    assert good.status_code == 302
    assert Partner.objects.get().vetted_at is not None


def test_demo_data_has_a_partner_a_consent_and_a_bundle_in_quarantine(desk, make_person):
    from aegis.vault.keychain import unlocked

    with unlocked(desk.lucia.keychain()):
        demo.create_demo_data(desk.compartment, desk.lucia.user)
    assert Partner.objects.filter(name=demo.PARTNER).exists()
    assert QuarantineItem.objects.filter(decision=Decision.PENDING).count() == 2
    assert desk.person.consents.filter(scope="share_partner").count() == 2


def test_the_case_page_lists_the_bundles_it_left_in(desk, partner):
    from aegis.exchange import services
    from aegis.vault.keychain import unlocked

    client = sign_in(Client(), desk.lucia)
    assert "Sent to partners" not in client.get(f"/cases/{desk.case.reference}/").content.decode()
    with unlocked(desk.lucia.keychain()):
        services.export_bundle(desk.lucia.user, partner, [desk.case.reference], profile="coded")
    page = client.get(f"/cases/{desk.case.reference}/").content.decode()
    assert "Sent to partners" in page and "Casa Andina" in page


def test_an_openevsys_file_needs_its_partner_named(desk, partner):
    from aegis.exchange import interop

    from .bundles import RECORDS

    client = sign_in(Client(), desk.lucia)
    form = {
        "file_format": "openevsys",
        "bundle": SimpleUploadedFile("events.xml", interop.openevsys_xml(RECORDS)),
        "compartment": desk.compartment.pk,
    }
    refused = client.post("/exchange/import/", form)
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "Choose the partner who sent this file" in body
    form["bundle"] = SimpleUploadedFile("events.xml", interop.openevsys_xml(RECORDS))
    assert client.post("/exchange/import/", {**form, "partner": partner.pk}).status_code == 302
    assert Received.objects.get().schema == "openevsys"


def test_a_received_bundle_is_listed_a_page_at_a_time(desk, partner, partner_keys, monkeypatch):
    from aegis.exchange import selectors

    client = sign_in(Client(), desk.lucia)
    _upload(client, *bundles.make(partner_keys), desk.compartment)
    received = Received.objects.get()
    items = list(QuarantineItem.objects.filter(received=received).order_by("kind", "pk"))
    assert len(items) >= 2
    monkeypatch.setattr(selectors, "PAGE_SIZE", 1)
    url = f"/exchange/received/{received.pk}/"
    for number, item in enumerate(items, 1):
        body = client.get(url, {"page": number}).content.decode()
        assert f"Page {number} of {len(items)}" in body
        shown = {i.pk for i in items if f"/exchange/quarantine/{i.pk}/" in body}
        assert shown == {item.pk}
    body = client.get(url, {"page": "x"}).content.decode()  # a bad number: the first page
    assert f"Page 1 of {len(items)}" in body


def test_a_bundle_larger_than_the_upload_limit_is_taken_whole(
    desk, partner, partner_keys, settings
):
    """A partner's bundle has its own limit (MAX_BUNDLE); kept only up to the upload limit, a
    bundle of a few evidence files had been cut short and refused as altered after signing."""
    import hashlib
    import os

    from aegis.exchange import bundle, identity

    settings.AEGIS_MAX_UPLOAD_MB = 1
    content = os.urandom(1_500_000)  # does not compress: the bundle is past 1 MB
    records = {
        **bundles.RECORDS,
        "evidence": [
            {
                "id": "F1",
                "case": None,
                "file": "evidence/F1",
                "name": "photo.jpg",
                "description": "",
                "content_type": "image/jpeg",
                "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
                "custody": [],
            }
        ],
    }
    own = identity.public()
    packed = bundle.pack({**bundles.files(records), "evidence/F1": content}, bundles.manifest())
    data = bundle.encrypt(packed, [own.age_recipient])
    signature = bundle.sign(data, partner_keys.signing, bundle_id="test", sender="Casa Andina")
    assert len(data) > 1024 * 1024
    answer = _upload(sign_in(Client(), desk.lucia), data, signature, desk.compartment)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert QuarantineItem.objects.filter(kind="evidence").count() == 1


def test_a_signature_file_is_kept_only_to_a_signatures_size(desk, partner, partner_keys):
    """Only the bundle may be large: a 'signature' of megabytes had been held in memory whole."""
    data, _signature = bundles.make(partner_keys)
    answer = _upload(sign_in(Client(), desk.lucia), data, "x" * 300_000, desk.compartment)
    assert answer.status_code == 400
    assert "too large" in answer.content.decode()
    assert not Received.objects.exists()


def test_bundles_sent_are_shown_only_to_the_compartments_of_their_cases(
    desk, partner, make_person, make_compartment
):
    """A bundle names its cases' references and who sent it: a caseworker of another
    compartment had read them off the partner's page, and counted them on the home page."""
    from aegis.exchange import services
    from aegis.vault.keychain import unlocked

    with unlocked(desk.lucia.keychain()):
        services.export_bundle(desk.lucia.user, partner, [desk.case.reference], profile="coded")
    outsider = make_person(Role.CASEWORKER, "tomas")
    make_compartment(outsider, name="Sahel")
    for person, shown in ((desk.lucia, True), (outsider, False)):
        client = sign_in(Client(), person)
        page = client.get(f"/exchange/partners/{partner.pk}/").content.decode()
        assert (desk.case.reference in page) is shown
        assert ("Nothing has been sent to this partner." in page) is not shown
        home = client.get("/exchange/").content.decode()
        assert f"<td>{1 if shown else 0}</td>" in home.split("Casa Andina", 1)[1]


def test_a_bundle_whose_case_is_gone_stays_listed(desk, partner):
    """Retention deletes an expired case, not the record of where it went: the bundle stays
    on the partner's page rather than vanishing for everyone (its sender too)."""
    from aegis.exchange import selectors, services
    from aegis.exchange.models import ExportedRecord
    from aegis.vault.keychain import unlocked

    with unlocked(desk.lucia.keychain()):
        sent = services.export_bundle(
            desk.lucia.user, partner, [desk.case.reference], profile="coded"
        )
    # As the expired case's row would be: its reference names no case any more.
    ExportedRecord.objects.filter(record_type="case").update(record_id="AEG-1999-00001")
    assert list(selectors.exports_to(partner, desk.lucia.user)) == [sent.export]
    assert selectors.partners(desk.lucia.user).get(pk=partner.pk).sent == 1


def test_a_refused_import_is_said_once_on_the_page(desk, partner):
    """As the tester met it: a CSV that is not the exchange layout, from an older tool."""
    page = sign_in(Client(), desk.lucia).post(
        "/exchange/import/",
        {
            "file_format": "csv",
            "partner": partner.pk,
            "bundle": SimpleUploadedFile("old.csv", b"a,b\n1,2\n"),
            "compartment": desk.compartment.pk,
        },
    )
    assert page.status_code == 400
    assert page.content.decode().count("not OpenEvSys XML or the exchange CSV") == 1


def test_a_record_kept_in_another_shape_is_shown_and_can_be_rejected(desk, partner, partner_keys):
    """An item kept before the bundle's shapes were checked: its page is shown, not a 500."""
    client = sign_in(Client(), desk.lucia)
    assert _upload(client, *bundles.make(partner_keys), desk.compartment).status_code == 302
    event = QuarantineItem.objects.get(kind="event")
    person = QuarantineItem.objects.get(kind="person")
    for item, content in (
        (event, {"event": {"title": "Raid", "place": "Bogotá", "acts": "threat"}}),
        (person, {"person": {"biographic_details": ["Guardian Rio"]}}),
    ):
        with unlocked(desk.lucia.keychain()):
            stored = QuarantineItem.objects.get(pk=item.pk)
            stored.content = json.dumps(content)
            stored.save(update_fields=["content"])
        assert client.get(f"/exchange/quarantine/{item.pk}/").status_code == 200
    rejected = client.post(
        f"/exchange/quarantine/{event.pk}/", {"decision": "rejected", "reason": "damaged"}
    )
    assert rejected.status_code == 302
    assert QuarantineItem.objects.get(pk=event.pk).decision == Decision.REJECTED


def test_a_rejection_without_a_reason_is_refused_in_words_keeping_what_was_typed(
    desk, partner, partner_keys
):
    client = sign_in(Client(), desk.lucia)
    _upload(client, *bundles.make(partner_keys), desk.compartment)
    person = QuarantineItem.objects.get(kind="person")
    page = f"/exchange/quarantine/{person.pk}/"
    typed = "We hold her already as Sol"
    answer = client.post(page, {"decision": "rejected", "note": typed})
    assert answer.status_code == 400
    shown = answer.content.decode()
    assert "Say why this record is rejected." in shown
    assert typed in shown and re.search(r'value="rejected"[^>]*checked', shown)
    answer = client.post(page, {"decision": "rejected", "reason": "other", "note": " "})
    assert answer.status_code == 400
    shown = answer.content.decode()
    assert "Say in a few words why this record is rejected." in shown
    assert '<option value="other" selected>' in shown
    spanish = client.post(
        page, {"decision": "rejected"}, headers={"accept-language": "es"}
    ).content.decode()
    assert "Indique por qué se rechaza este registro." in spanish
    kept = QuarantineItem.objects.get(pk=person.pk)
    assert kept.decision == Decision.PENDING and kept.reject_reason == ""
    assert not AuditEntry.objects.filter(action="exchange.review").exists()


def test_a_rejection_s_reason_is_shown_with_the_decision(desk, partner, partner_keys):
    client = sign_in(Client(), desk.lucia)
    _upload(client, *bundles.make(partner_keys), desk.compartment)
    person = QuarantineItem.objects.get(kind="person")
    page = f"/exchange/quarantine/{person.pk}/"
    form = client.get(page).content.decode()
    assert "Reason for rejecting" in form and "Duplicate of a record we hold" in form
    done = client.post(
        page, {"decision": "rejected", "reason": "duplicate", "note": "Same as person 12 <b>"}
    )
    assert done.status_code == 302
    kept = QuarantineItem.objects.get(pk=person.pk)
    assert (kept.decision, kept.reject_reason) == (Decision.REJECTED, "duplicate")
    shown = client.get(page).content.decode()
    assert "Duplicate of a record we hold" in shown
    assert "Same as person 12 &lt;b&gt;" in shown and "<b>" not in shown
    assert "Record the decision" not in shown
    listing = client.get(f"/exchange/received/{person.received_id}/").content.decode()
    assert "Rejected · Duplicate of a record we hold" in listing
    assert "Same as person 12" not in listing
    spanish = client.get(page, headers={"accept-language": "es"}).content.decode()
    assert "Duplicado de un registro que ya tenemos" in spanish


TOKEN = re.compile(r'name="sent_once" value="([^"]+)"')


def _token(client, url) -> str:
    found = TOKEN.search(client.get(url).content.decode())
    assert found
    return found.group(1)


def test_a_bundle_sent_twice_from_one_form_is_received_once(desk, partner, partner_keys):
    """A double click on "Check and receive" sent one bundle twice at once (a 500): the
    upload's form is sent once per token, the second led where the first went."""
    client = sign_in(Client(), desk.lucia)
    token = _token(client, "/exchange/import/")
    data, signature = bundles.make(partner_keys)

    def send():
        return client.post(
            "/exchange/import/",
            {
                "file_format": "bundle",
                "bundle": SimpleUploadedFile("b.age", data),
                "signature": SimpleUploadedFile("b.age.minisig", signature.encode()),
                "compartment": desk.compartment.pk,
                "sent_once": token,
            },
        )

    first, again = send(), send()
    assert first.status_code == again.status_code == 302, again.content.decode()[:2000]
    assert again["Location"] == first["Location"]
    assert Received.objects.count() == 1


def test_a_bundle_made_twice_from_one_form_is_made_once(desk, partner):
    """The answer is a download, not a redirect: the same form sent again had made a second
    bundle (and a second "export" in the file's custody log). It is led to the partner's
    page, where the bundle sent is listed."""
    from urllib.parse import urlencode

    from aegis.accounts.once import URLENCODED
    from aegis.evidence.models import CustodyEvent
    from aegis.exchange.models import Export

    client = sign_in(Client(), desk.lucia)
    form = {
        "partner": partner.pk,
        "cases": desk.case.reference,
        "profile": "full",
        "purpose": "referral",
        "sent_once": _token(client, "/exchange/export/"),
    }
    first = client.post("/exchange/export/", urlencode(form), content_type=URLENCODED)
    assert first.status_code == 200 and first["Content-Type"] == "application/zip"
    again = client.post("/exchange/export/", urlencode(form), content_type=URLENCODED, follow=True)
    assert again.redirect_chain == [(f"/exchange/partners/{partner.pk}/", 302)]
    shown = again.content.decode()
    assert "already been sent, so nothing was done a second time" in shown
    sent = Export.objects.get()
    assert str(sent.pk) in shown
    assert CustodyEvent.objects.filter(item=desk.item, action="export").count() == 1


def test_our_own_keys_are_refused_as_a_partner_s_in_words(make_person, organisation):
    from aegis.exchange import identity

    own = identity.create()
    client = sign_in(Client(), make_person(Role.COORDINATOR))
    answer = client.post(
        "/exchange/partners/add/",
        {
            "name": "Ourselves",
            "age_recipient": own.age_recipient,
            "minisign_key": own.minisign_key,
            "vetted": "on",
        },
    )
    assert answer.status_code == 400
    assert "This age recipient is this organisation&#x27;s own" in answer.content.decode()
    assert not Partner.objects.exists()


def test_received_evidence_is_offered_what_applies_and_says_which_case_it_joined(
    desk, partner, partner_keys
):
    """Link and Merge were offered for a file, and quietly created it; the outcome read
    "Created as a new record: the file"."""
    client = sign_in(Client(), desk.lucia)
    arrived = _upload(client, *bundles.with_evidence(partner_keys), desk.compartment)
    assert arrived.status_code == 302
    item = QuarantineItem.objects.get(kind="evidence")
    url = f"/exchange/quarantine/{item.pk}/"
    form = client.get(url).content.decode()
    assert 'value="created"' in form and 'value="rejected"' in form
    assert 'value="linked"' not in form and 'value="merged"' not in form
    assert "Link to the existing record" not in form
    refused = client.post(url, {"decision": "linked", "target": desk.case.reference})
    assert refused.status_code == 400
    assert QuarantineItem.objects.get(pk=item.pk).decision == Decision.PENDING
    done = client.post(url, {"decision": "created", "target": desk.case.reference})
    assert done.status_code == 302, done.content.decode()[:2000]
    shown = client.get(url).content.decode()
    assert f"threat-photo.pdf</bdi> in case {desk.case.reference}" in shown
    assert ">the file<" not in shown
    listing = client.get(f"/exchange/received/{item.received_id}/").content.decode()
    assert f"in case {desk.case.reference}" in listing
    spanish = client.get(url, headers={"accept-language": "es"}).content.decode()
    assert f"en el caso {desk.case.reference}" in spanish


def test_the_received_bundle_shows_the_sender_s_purpose(desk, partner, partner_keys):
    client = sign_in(Client(), desk.lucia)
    made = bundles.make(partner_keys, manifest_changes={"purpose": "case_transfer"})
    assert _upload(client, *made, desk.compartment).status_code == 302
    url = f"/exchange/received/{Received.objects.get().pk}/"
    assert "Case transfer" in client.get(url).content.decode()
    spanish = client.get(url, headers={"accept-language": "es"}).content.decode()
    assert "Traspaso del caso" in spanish


def test_the_partner_and_compartment_choices_start_in_words(desk, partner):
    client = sign_in(Client(), desk.lucia)
    export = client.get("/exchange/export/").content.decode()
    received = client.get("/exchange/import/").content.decode()
    assert "---------" not in export and "---------" not in received
    assert '<option value="" selected>Choose a partner</option>' in export
    assert '<option value="" selected>Choose a partner</option>' in received
    assert '<option value="" selected>Choose a compartment</option>' in received
    spanish = client.get("/exchange/import/", headers={"accept-language": "es"}).content.decode()
    assert "Elija un compartimento" in spanish
