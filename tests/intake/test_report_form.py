"""The public report form through Django's test client: languages, the two-step choice of
country and region without JavaScript, encryption to the intake team, the form token, the
honeypot and the flood window."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client

from aegis.audit.models import AuditEntry
from aegis.cases.models import CompartmentKey
from aegis.intake import flood
from aegis.intake.models import FloodNotice, Submission
from aegis.vault import services as vault
from aegis.vault.keychain import Keychain, NoKeyAccess, VaultLocked, unlocked
from aegis.vault.selectors import holders_of
from tests.conftest import sign_in

from .conftest import form_data, png_bytes, post_report, receipt_code, submission_count, token_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "direction", "heading"),
    [
        ("en", "ltr", "Report a threat or an attack"),
        ("es", "ltr", "Denunciar una amenaza o un ataque"),
        ("fr", "ltr", "Signaler une menace ou une attaque"),
        ("ar", "rtl", "الإبلاغ عن تهديد أو اعتداء"),
    ],
)
def test_the_form_speaks_the_reporters_language(language, direction, heading):
    page = Client(headers={"Accept-Language": language}).get("/report/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert f"<h1>{heading}</h1>" in html


def test_the_reporter_chooses_the_language_on_the_page():
    client = Client()
    page = client.get("/report/?country=CO").content.decode()
    assert 'action="/i18n/setlang/"' in page and 'name="next" value="/report/?country=CO"' in page
    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/report/?country=CO"})
    assert response.status_code == 302 and response["Location"] == "/report/?country=CO"
    page = client.get(response["Location"]).content.decode()
    assert '<html lang="ar" dir="rtl">' in page


def test_public_pages_are_light_and_show_no_staff_navigation(intake_team):
    for path in ("/report/", "/report/follow-up/"):
        response = Client().get(path)
        html = response.content.decode()
        assert response.status_code == 200
        assert "<script" not in html and "style=" not in html
        # Only our own stylesheet: nothing is fetched from another site.
        assert re.findall(r'(?:href|src)="(https?:)?//', html) == []
        assert "/accounts/" not in html and 'href="/"' not in html and "Sign out" not in html
        assert response["Cache-Control"].startswith("max-age=0")
        assert len(response.content) < 60_000


def test_a_report_is_encrypted_to_the_intake_team_and_the_recovery_key(intake_team, organisation):
    compartment, lucia = intake_team
    response = post_report(
        Client(),
        files=[("photo.png", png_bytes(), "image/png")],
        anonymous="no",
        contact_name="Ana Torres",
        contact_phone="+57 300 555 0101",
        contact_channel="Signal",
    )
    code = receipt_code(response)
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){4}", code)
    assert "shown only this once" in response.content.decode()
    submission = Submission.objects.get()
    # Coded fields stay in clear for statistics; the rest is ciphertext.
    assert (submission.country, submission.region, submission.occurred_year) == (
        "CO",
        "CO-ANT",
        2025,
    )
    assert (submission.occurred_month, submission.date_precision) == (3, "day")
    assert (submission.target_kind, submission.perpetrator_type) == ("me", "paramilitary")
    assert submission.language == "en" and submission.status == "new" and not submission.held
    assert submission.receipt_lookup and code.replace("-", "") not in submission.receipt_lookup
    # The web process that wrote it cannot read it back.
    with pytest.raises(VaultLocked):
        _ = Submission.objects.get().narrative
    with unlocked(Keychain({})), pytest.raises(NoKeyAccess):
        _ = Submission.objects.get().narrative
    # The team can; so can the recovery key, so a report survives an empty team.
    holders = set(holders_of(submission.data_key_id))
    assert vault.recovery_keypair() in holders and len(holders) == 2
    assert CompartmentKey.objects.filter(
        compartment=compartment, data_key=submission.data_key
    ).exists()
    with unlocked(lucia.keychain()):
        stored = Submission.objects.get()
        assert stored.narrative == form_data()["narrative"]
        assert (stored.contact_name, stored.contact_channel) == ("Ana Torres", "Signal")
        assert stored.place_details == "Vereda El Roble, near the school"
        assert stored.occurred_on == "2025-03-14"
        assert [f.name for f in stored.files.all()] == ["photo.png"]
    with unlocked(vault.recovery_keychain(organisation)):
        assert Submission.objects.get().narrative == form_data()["narrative"]
    entry = AuditEntry.objects.filter(action="intake.submit").get()
    assert entry.actor_id is None and entry.object_id == str(submission.pk)


def test_a_report_is_received_even_when_the_intake_team_does_not_exist_yet(organisation):
    receipt = receipt_code(post_report(Client()))
    submission = Submission.objects.get()
    assert submission.compartment.name == "Intake team" and receipt
    assert list(holders_of(submission.data_key_id)) == [vault.recovery_keypair()]
    with unlocked(vault.recovery_keychain(organisation)):
        assert Submission.objects.get().narrative == form_data()["narrative"]


def test_a_signed_in_person_sending_a_report_keeps_no_copy_of_its_key(intake_team, make_person):
    from aegis.roles import Role

    outsider = make_person(Role.CASEWORKER)
    client = sign_in(Client(), outsider)
    receipt_code(post_report(client))
    with unlocked(outsider.keychain()), pytest.raises(NoKeyAccess):
        _ = Submission.objects.get().narrative


def test_country_first_then_its_regions_without_javascript(intake_team):
    client = Client()
    page = client.get("/report/").content.decode()
    assert 'value="CO-ANT"' not in page and "Show the regions of this country" in page
    page = client.get("/report/?country=CO").content.decode()
    assert '<option value="CO" selected>' in page and '<option value="CO-ANT">' in page
    # Pressing "show regions" inside the form keeps what was typed.
    token = token_of(client.get("/report/"))
    data = form_data(country="PE", region="", narrative="Typed before choosing the country")
    response = client.post("/report/", {**data, "form_token": token, "show_regions": "1"})
    page = response.content.decode()
    assert "Typed before choosing the country" in page
    assert '<option value="PE" selected>' in page and '<option value="PE-LIM">' in page
    assert "Your report has not been sent yet" not in page
    assert submission_count() == 0
    # The same token still sends the report afterwards.
    response = client.post("/report/", {**data, "region": "PE-LIM", "form_token": token})
    assert receipt_code(response)
    assert Submission.objects.get().region == "PE-LIM"


def test_a_region_of_another_country_is_refused_with_the_text_kept(intake_team):
    response = post_report(Client(), country="PE", region="CO-ANT")
    page = response.content.decode()
    assert "This region is not in the country you chose" in page
    assert form_data()["narrative"] in page
    assert '<option value="PE-LIM">' in page
    assert submission_count() == 0


def test_partial_and_approximate_dates(intake_team):
    client = Client()
    cases = [
        ({"when_day": "", "when_month": "", "when_year": "2024"}, (2024, None, "year")),
        ({"when_day": "", "when_month": "11", "when_year": "2024"}, (2024, 11, "month")),
        ({"when_approximate": "yes"}, (2025, 3, "approximate")),
        ({"when_day": "", "when_month": "", "when_year": ""}, (None, None, "")),
    ]
    for fields, expected in cases:
        assert receipt_code(post_report(client, **fields))
        stored = Submission.objects.order_by("-received_at").first()
        assert (stored.occurred_year, stored.occurred_month, stored.date_precision) == expected
    for fields, message, part in [
        ({"when_day": "31", "when_month": "2"}, "This date does not exist in the calendar.", "day"),
        ({"when_year": "2999"}, "This date is in the future.", "year"),
        ({"when_year": "", "when_month": "3", "when_day": ""}, "Give the year too", "year"),
        ({"when_month": "", "when_day": "3"}, "Give the month of this day too.", "month"),
    ]:
        page = post_report(client, **fields).content.decode()
        assert message in page
        # The refusal sits on the part to mend (it had been on the year every time).
        invalid = re.findall(r'<(?:input|select)[^>]*aria-invalid="true"[^>]*>', page)
        assert [re.search(r'name="(\w+)"', tag).group(1) for tag in invalid] == [f"when_{part}"]
    assert submission_count() == len(cases)


def test_contact_details_follow_the_reporters_choice(intake_team):
    client = Client()
    page = post_report(client, contact_phone="+57 300 555 0101").content.decode()
    assert "You chose to stay anonymous but filled in contact details" in page
    page = post_report(client, anonymous="no").content.decode()
    assert "Give at least one way to reach you" in page
    assert submission_count() == 0


def test_a_form_sent_too_fast_is_shown_again_with_the_text_kept(intake_team, settings):
    settings.AEGIS_INTAKE_MIN_SECONDS = 60
    client = Client()
    first_token = token_of(client.get("/report/"))
    response = client.post("/report/", {**form_data(), "form_token": first_token})
    page = response.content.decode()
    assert response.status_code == 200
    assert str(flood.TOO_FAST) in page.replace("&#x27;", "'")
    assert form_data()["narrative"] in page and 'value="Vereda El Roble' not in page
    assert "Vereda El Roble, near the school" in page
    assert token_of(response) != first_token  # a fresh token: the wait starts again
    assert submission_count() == 0


def test_an_expired_or_forged_form_is_shown_again(intake_team, monkeypatch):
    client = Client()
    token = token_of(client.get("/report/"))
    later = time.time() + 13 * 3600
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: later)
        page = client.post("/report/", {**form_data(), "form_token": token}).content.decode()
    assert "This form was open for a long time and has expired" in page
    page = client.post("/report/", {**form_data(), "form_token": "forged"}).content.decode()
    assert "This form could not be checked" in page
    assert form_data()["narrative"] in page
    assert submission_count() == 0


def test_a_form_is_sent_only_once(intake_team):
    client = Client()
    token = token_of(client.get("/report/"))
    assert receipt_code(client.post("/report/", {**form_data(), "form_token": token}))
    again = client.post("/report/", {**form_data(), "form_token": token})
    page = again.content.decode()
    assert "This form has already been sent" in page and form_data()["narrative"] in page
    assert 'id="receipt-code"' not in page
    assert submission_count() == 1
    assert receipt_code(client.post("/report/", {**form_data(), "form_token": token_of(again)}))


def test_the_honeypot_stops_scripts_with_a_message_for_people(intake_team):
    page = post_report(Client(), website="http://spam.example").content.decode()
    assert "filled in by an automated program" in page and "Leave this field empty" in page
    assert form_data()["narrative"] in page
    assert submission_count() == 0


def test_a_flood_holds_reports_and_tells_the_team_but_drops_none(intake_team, settings):
    _compartment, lucia = intake_team
    settings.AEGIS_INTAKE_FLOOD_THRESHOLD = 2
    client = Client()
    codes = [receipt_code(post_report(client, narrative=f"Report {i}")) for i in range(5)]
    assert len(set(codes)) == 5
    held = list(Submission.objects.order_by("received_at").values_list("held", flat=True))
    assert held == [False, False, True, True, True]
    notice = FloodNotice.objects.get()
    assert (notice.held, notice.threshold) == (3, 2)
    assert AuditEntry.objects.filter(action="flood.notice").count() == 1
    staff = sign_in(Client(), lucia)
    page = staff.get("/triage/").content.decode()
    assert "Possible flood" in page and page.count("held (flood)") == 3


def test_every_visitor_gets_their_own_tokens_on_the_shared_page(intake_team):
    first, second = Client(), Client()
    one, two = first.get("/report/"), second.get("/report/")
    assert token_of(one) != token_of(two)
    assert one.cookies["csrftoken"].value != two.cookies["csrftoken"].value
    assert "AEGISPLACEHOLDER" not in one.content.decode() + two.content.decode()
    # Each page's tokens work for its own visitor, CSRF checks on.
    strict = Client(enforce_csrf_checks=True)
    page = strict.get("/report/").content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    response = strict.post(
        "/report/", {**form_data(), "form_token": token, "csrfmiddlewaretoken": csrf}
    )
    code = receipt_code(response)
    assert code not in strict.get("/report/").content.decode()
    assert "AEGISPLACEHOLDER" not in response.content.decode()
    # Another language, another page.
    spanish = Client(headers={"Accept-Language": "es"}).get("/report/").content.decode()
    assert "Denunciar una amenaza o un ataque" in spanish


@pytest.mark.parametrize("language", ["es", "fr", "ar"])
def test_nothing_on_the_public_pages_is_left_in_english(language, intake_team):
    """Every sentence of the public pages has a translation, and it is the one shown."""
    client = Client(headers={"Accept-Language": language})
    pages = [client.get("/report/?country=CO"), client.get("/report/follow-up/")]
    pages.append(client.post("/report/follow-up/", {"action": "open", "code": "wrong"}))
    pages.append(post_report(client, narrative="", target_kind=None, website="x"))
    pages.append(post_report(client, narrative="x" * 20_001, place_details="p" * 501))
    pages.append(post_report(client, when_approximate="yes"))  # the receipt page
    code = receipt_code(pages[-1])
    client.post("/report/follow-up/", {"action": "open", "code": code})
    pages.append(client.get("/report/follow-up/"))
    english = _english_sentences()
    assert len(english) > 60
    for response in pages:
        html = response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
        assert f'lang="{language}"' in html
        left = [sentence for sentence in english if sentence in html]
        assert left == [], (response.request["PATH_INFO"], left)


def _english_sentences() -> set[str]:
    from pathlib import Path

    import aegis.intake

    catalogue = Path(aegis.intake.__file__).parent / "locale" / "es" / "LC_MESSAGES" / "django.po"
    found = set()
    for match in re.finditer(r'^msgid "(.+)"\nmsgstr "(.+)"$', catalogue.read_text(), re.M):
        english = match.group(1).replace('\\"', '"')
        if len(english) > 15 and "%(" not in english:
            found.add(english)
    return found
