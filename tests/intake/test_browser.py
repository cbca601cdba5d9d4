"""The acceptance flow in Debian's Chromium with JavaScript off (Tor Browser "safest"), against
a live server: a report with an attachment, the receipt code, a caseworker's reply, the
reporter reading it with the code and adding a file — once in English, once in Arabic with
the right-to-left layout checked. Also the small-phone layout."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from aegis.intake.models import Submission, SubmissionFile
from aegis.roles import Role
from aegis.vault.keychain import unlocked
from tests.conftest import sign_in

from .conftest import png_bytes, token_of

pytestmark = pytest.mark.browser

CODE = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$")


@dataclass
class Reporter:
    """One browser profile with JavaScript off, watching for errors and CSP violations."""

    page: Page
    base: str
    console: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def assert_clean(self) -> None:
        assert [m for m in self.console if "Content Security Policy" in m] == []
        assert self.failed == [] and self.errors == []


@pytest.fixture
def new_reporter(browser, live_server, transactional_db, async_unsafe_allowed):
    contexts = []

    def make(locale: str = "en-GB", viewport: dict | None = None) -> Reporter:
        context = browser.new_context(
            java_script_enabled=False,
            locale=locale,
            viewport=viewport or {"width": 1000, "height": 900},
        )
        contexts.append(context)
        page = context.new_page()
        reporter = Reporter(page, live_server.url)
        page.on("console", lambda m: reporter.console.append(f"{m.type}: {m.text}"))
        page.on(
            "requestfailed",
            lambda r: (
                # The browser drops a favicon fetch when the next page loads first: no defect.
                ("/favicon.svg" in r.url and "ERR_ABORTED" in (r.failure or ""))
                or reporter.failed.append(f"{r.url}: {r.failure}")
            ),
        )
        page.on(
            "response",
            lambda r: r.status >= 400 and reporter.errors.append(f"{r.status} {r.url}"),
        )
        return reporter

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def team(make_person, make_compartment, async_unsafe_allowed):
    lucia = make_person(Role.CASEWORKER)
    make_compartment(lucia, name="Intake team")
    return lucia


def caseworker_replies(lucia, text: str) -> None:
    """The caseworker opens the newest report in the triage queue and replies."""
    client = sign_in(Client(), lucia)
    submission = Submission.objects.order_by("-received_at").first()
    queue = client.get("/triage/").content.decode()
    assert submission.reference in queue
    response = client.post(f"/triage/{submission.pk}/reply/", {"body": text})
    assert response.status_code == 302


def test_report_reply_and_follow_up_in_english(new_reporter, team, tmp_path):
    photo = tmp_path / "threat.png"
    photo.write_bytes(png_bytes())
    reporter = new_reporter()
    page = reporter.page
    page.goto(reporter.url("/report/"))
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a threat or an attack")

    # Without JavaScript the regions come from the server: country first, then its regions.
    page.get_by_label("Country").select_option("CO")
    page.get_by_role("button", name="Show the regions of this country").click()
    expect(page.get_by_label("Region")).to_be_visible()
    page.get_by_label("Region").select_option("CO-ANT")
    page.get_by_label("What happened?").fill("Two men followed me home after the meeting.")
    page.get_by_label("Year").fill("2025")
    page.get_by_label("Month", exact=True).select_option("3")
    page.get_by_label("Day").fill("14")
    page.get_by_label("Details of the place").fill("Vereda El Roble")
    page.get_by_label("Who was targeted?").select_option("me")
    page.get_by_label("Who did it?").select_option("paramilitary")
    page.get_by_label("Files (photos, documents, audio, video)").set_input_files(str(photo))
    page.get_by_role("button", name="Send the report").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your report was received")
    code = page.locator("#receipt-code").inner_text().strip()
    assert CODE.match(code), code
    reporter.assert_clean()

    caseworker_replies(team, "Thank you. Are you somewhere safe tonight?")

    later = new_reporter()  # another day: a fresh browser and only the code
    page = later.page
    page.goto(later.url("/report/follow-up/"))
    page.get_by_label("Your receipt code").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Open my report").click()
    expect(page.get_by_text("Thank you. Are you somewhere safe tonight?")).to_be_visible()
    expect(page.get_by_text("threat.png")).to_be_visible()
    second = tmp_path / "message.png"
    second.write_bytes(png_bytes(colour=(0, 0, 200)))
    page.get_by_label("Your message").fill("Yes, at my sister's house.")
    page.get_by_label("Add files").set_input_files(str(second))
    page.get_by_role("button", name="Send the message").click()
    expect(page.get_by_role("status")).to_contain_text("Your message was sent")
    expect(page.get_by_text("Yes, at my sister's house.")).to_be_visible()
    expect(page.get_by_text("message.png")).to_be_visible()
    later.assert_clean()
    with unlocked(team.keychain()):
        names = sorted(f.name for f in SubmissionFile.objects.all())
    assert names == ["message.png", "threat.png"]


def test_report_reply_and_follow_up_in_arabic_right_to_left(new_reporter, team, tmp_path):
    photo = tmp_path / "صورة.png"
    photo.write_bytes(png_bytes(colour=(0, 120, 0)))
    reporter = new_reporter()
    page = reporter.page
    page.goto(reporter.url("/report/"))
    page.get_by_label("Language").select_option("ar")
    page.get_by_role("button", name="Change").click()

    html = page.locator("html")
    expect(page).to_have_url(reporter.url("/report/"))
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", level=1)).to_have_text("الإبلاغ عن تهديد أو اعتداء")
    form = page.locator("form#report")
    expect(form).to_have_css("direction", "rtl")
    expect(page.locator("textarea[name=narrative]")).to_have_css("direction", "rtl")
    # Right to left: the send button sits at the right edge of the form, not the left.
    send = page.get_by_role("button", name="إرسال البلاغ")
    form_box, button_box = form.bounding_box(), send.bounding_box()
    assert form_box and button_box
    assert abs((form_box["x"] + form_box["width"]) - (button_box["x"] + button_box["width"])) < 2
    assert button_box["x"] > form_box["x"] + form_box["width"] / 2

    page.get_by_label("البلد").select_option("EG")
    page.get_by_role("button", name="اعرض مناطق هذا البلد").click()
    page.get_by_label("المنطقة").select_option("EG-C")
    page.get_by_label("ماذا حدث؟").fill("تلقيت تهديدًا بالقتل بعد نشر التقرير.")
    page.get_by_label("السنة").fill("2024")
    page.get_by_label("ما مدى تأكدك من هذا التاريخ؟").select_option(label="إنه تقريبي")
    page.get_by_label("من كان المستهدف؟").select_option(label="أنا")
    page.get_by_label("من قام بذلك؟").select_option("unknown")
    page.get_by_label("ملفات (صور، مستندات، صوت، فيديو)").set_input_files(str(photo))
    page.get_by_role("button", name="إرسال البلاغ").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("تم استلام بلاغك")
    expect(html).to_have_attribute("dir", "rtl")
    code = page.locator("#receipt-code").inner_text().strip()
    assert CODE.match(code), code
    reporter.assert_clean()
    stored = Submission.objects.get()
    assert (stored.language, stored.country, stored.region) == ("ar", "EG", "EG-C")
    assert (stored.occurred_year, stored.date_precision) == (2024, "approximate")

    caseworker_replies(team, "شكرًا لك. هل أنت في أمان الآن؟")

    later = new_reporter(locale="ar")
    page = later.page
    page.goto(later.url("/report/follow-up/"))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.get_by_label("رمز الإيصال الخاص بك").fill(code)
    page.get_by_role("button", name="افتح بلاغي").click()
    expect(page.get_by_text("شكرًا لك. هل أنت في أمان الآن؟")).to_be_visible()
    expect(page.locator("form#message")).to_have_css("direction", "rtl")
    second = tmp_path / "rasala.png"
    second.write_bytes(png_bytes(colour=(90, 0, 0)))
    page.get_by_label("رسالتك").fill("نعم، أنا عند أختي.")
    page.get_by_label("إضافة ملفات").set_input_files(str(second))
    page.get_by_role("button", name="إرسال الرسالة").click()
    expect(page.get_by_role("status")).to_contain_text("أُرسلت رسالتك إلى فريق الحماية.")
    expect(page.get_by_text("rasala.png")).to_be_visible()
    shot = tmp_path / "follow-up-ar.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes().startswith(b"\x89PNG")
    later.assert_clean()
    with unlocked(team.keychain()):
        assert sorted(f.name for f in SubmissionFile.objects.all()) == ["rasala.png", "صورة.png"]


def test_the_form_fits_a_small_phone(new_reporter, team):
    reporter = new_reporter(viewport={"width": 320, "height": 640})
    page = reporter.page
    response = page.goto(reporter.url("/report/?country=CO"))
    assert response is not None and response.status == 200
    assert len(response.body()) < 60_000
    width = page.locator("body").bounding_box()["width"]
    assert width <= 320
    for selector in ("form#report", "textarea[name=narrative]", "select[name=country]"):
        box = page.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320 + 1, selector
    reporter.assert_clean()


def test_a_new_identity_while_typing_keeps_the_report(new_reporter, team, tmp_path):
    """Tor Browser's "New identity" clears the cookies of a page left open: the report sent
    then comes back typed, with word that it was NOT sent, and the second press sends it.
    Likewise a follow-up message, through the code page."""
    photo = tmp_path / "threat.png"
    photo.write_bytes(png_bytes())
    reporter = new_reporter()
    page = reporter.page
    page.goto(reporter.url("/report/"))
    page.get_by_label("What happened?").fill("They painted threats on the office door.")
    page.get_by_label("Details of the place").fill("Barrio La Paz")
    page.get_by_label("Who was targeted?").select_option("organisation")
    page.get_by_label("Files (photos, documents, audio, video)").set_input_files(str(photo))
    page.context.clear_cookies()
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("alert")).to_contain_text("Your report was NOT sent")
    expect(page.get_by_role("alert")).to_contain_text("Attach your files again")
    expect(page.get_by_label("What happened?")).to_have_value(
        "They painted threats on the office door."
    )
    expect(page.get_by_label("Who was targeted?")).to_have_value("organisation")
    assert Submission.objects.count() == 0
    page.get_by_label("Files (photos, documents, audio, video)").set_input_files(str(photo))
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your report was received")
    code = page.locator("#receipt-code").inner_text().strip()

    page.goto(reporter.url("/report/follow-up/"))
    page.get_by_label("Your receipt code").fill(code)
    page.get_by_role("button", name="Open my report").click()
    page.get_by_label("Your message").fill("They came back at night.")
    page.context.clear_cookies()
    page.get_by_role("button", name="Send the message").click()
    expect(page.get_by_role("alert")).to_contain_text("Your message was NOT sent")
    expect(page.get_by_label("Your message (not sent yet)")).to_have_value(
        "They came back at night."
    )
    page.get_by_label("Your receipt code").fill(code)
    page.get_by_role("button", name="Open my report").click()
    expect(page.get_by_label("Your message")).to_have_value("They came back at night.")
    page.get_by_role("button", name="Send the message").click()
    expect(page.get_by_role("status")).to_contain_text("Your message was sent")
    expect(page.get_by_text("They came back at night.")).to_be_visible()


def test_enter_in_a_field_neither_sends_nor_drops_the_files(new_reporter, team, tmp_path):
    """Enter presses a form's first submit button, and on a phone the keyboard's Go key does
    the same. Here that had been "Show the regions", which is sent without the files: files
    attached already were dropped without a word. A disabled default button comes first, so
    Enter does nothing (a half-typed report is not sent either); the buttons still work."""
    photo = tmp_path / "threat.png"
    photo.write_bytes(png_bytes())
    reporter = new_reporter()
    page = reporter.page
    posts: list[str] = []
    page.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    page.goto(reporter.url("/report/"))
    page.get_by_label("What happened?").fill("A drone circled our office all afternoon.")
    page.get_by_label("Who was targeted?").select_option("organisation")
    page.get_by_label("Files (photos, documents, audio, video)").set_input_files(str(photo))
    page.get_by_label("Year").fill("2026")
    page.get_by_label("Year").press("Enter")
    page.get_by_label("Details of the place").press("Enter")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your report was received")
    assert posts == [reporter.url("/report/")]
    with unlocked(team.keychain()):
        assert [f.name for f in SubmissionFile.objects.all()] == ["threat.png"]
    reporter.assert_clean()


def test_choosing_a_language_keeps_what_was_typed(new_reporter, team, tmp_path):
    """Without JavaScript the header's language chooser was a form of its own: a reporter who
    switched to Spanish halfway through lost the whole account. It now sends the page's form
    (without its files) and the page comes back in the language chosen, with what was typed;
    likewise a message to the team."""
    photo = tmp_path / "threat.png"
    photo.write_bytes(png_bytes())
    reporter = new_reporter()
    page = reporter.page
    page.goto(reporter.url("/report/"))
    page.get_by_label("What happened?").fill("They painted threats on the office door.")
    page.get_by_label("Who was targeted?").select_option("organisation")
    page.get_by_label("Files (photos, documents, audio, video)").set_input_files(str(photo))
    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_label("¿Qué pasó?")).to_have_value(
        "They painted threats on the office door."
    )
    expect(page.get_by_role("alert")).to_be_visible()  # the file is to be attached again
    assert Submission.objects.count() == 0
    page.goto(reporter.url("/report/"))  # the choice is kept
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_label("Idioma").select_option("en")
    page.get_by_role("button", name="Cambiar").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("What happened?").fill("They painted threats on the office door.")
    page.get_by_label("Who was targeted?").select_option("organisation")
    page.get_by_role("button", name="Send the report").click()
    code = page.locator("#receipt-code").inner_text().strip()

    page.goto(reporter.url("/report/follow-up/"))
    page.get_by_label("Your receipt code").fill(code)
    page.get_by_role("button", name="Open my report").click()
    page.get_by_label("Your message").fill("They came back at night.")
    page.get_by_label("Language").select_option("ar")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#id_body")).to_have_value("They came back at night.")
    assert Submission.objects.count() == 1
    reporter.assert_clean()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_public_pages_pass_axe(browser, live_server, team, language):
    """The report form, with its language chooser bound to the form, and a reporter's thread
    with its message form: no accessibility violation axe-core can find (axe needs script,
    so it runs in a context that allows it)."""
    from axe_playwright_python.sync_playwright import Axe

    checker = browser.new_context(java_script_enabled=True, bypass_csp=True)
    try:
        checker.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        page = checker.new_page()
        page.goto(live_server.url + "/report/")
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
        response = Client().post(
            "/report/",
            {
                "anonymous": "yes",
                "narrative": "They followed me.",
                "target_kind": "me",
                "perpetrator_type": "unknown",
                "form_token": token_of(Client().get("/report/")),
            },
        )
        code = re.search(r'id="receipt-code"[^>]*>\s*([^<\s]+)', response.content.decode())
        assert code, response.content.decode()[:2000]
        page.goto(live_server.url + "/report/follow-up/")
        page.locator("#id_code").fill(code.group(1))
        page.locator("form#code button[type=submit]").click()
        page.locator("#id_body").wait_for()
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
    finally:
        checker.close()
