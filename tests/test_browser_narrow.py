"""The defender's pages and the public report pages on a 375 px wide phone, in Debian's
Chromium with JavaScript off: nothing is wider than the screen (no horizontal scroll), in
English and in Arabic (right to left). Built on the demo, whose defender has a full plan."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from aegis.roles import Role
from aegis.safety import services as safety
from aegis.safety.demo import draft
from aegis.safety.demo_plans import SIDRA_PLAN
from aegis.vault.keychain import unlocked
from tests.test_navigation import demo_logins  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.slow]

PHONE = {"width": 375, "height": 740}
DEFENDER_PAGES = ("dashboard", "safety:mine", "safety:mine-print", "alerts:checkin", "alerts:panic")
PUBLIC_PAGES = ("intake:report", "intake:follow-up")

# What is wider than the screen, to say which element overflows when the test fails.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 || box.left < -1 || el.scrollWidth > el.clientWidth + 1) {
      const where = `${Math.round(box.left)}..${Math.round(box.right)}`;
      const inner = `${el.scrollWidth}/${el.clientWidth}`;
      wide.push(`${el.tagName.toLowerCase()}.${el.className} ${where} ${inner}`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, inner: width, wide: wide.slice(0, 8)};
}"""


MENU_CUE = "() => getComputedStyle(document.querySelector('nav.menu ul')).backgroundImage"
MENU_HEIGHT = "() => document.querySelector('nav.menu')?.getBoundingClientRect().height ?? 0"

# The printable plan's narrowest contact cell and smallest type, on the screen and as printed:
# on a phone a column had shrunk to a letter a line; on paper it stays a table.
PRINT_CELLS = """() => {
  const cells = [...document.querySelectorAll('.contacts td')].filter((c) => c.offsetWidth);
  return {
    narrowest: Math.min(...cells.map((c) => c.clientWidth)),
    font: parseFloat(getComputedStyle(cells[0]).fontSize),
    display: getComputedStyle(cells[0]).display,
  };
}"""

SMALL_PHONE = {"width": 360, "height": 640}
# Where the header's "Ask for help now" is, and whether it is wholly on the first screen.
HELP_NOW = """() => {
  const link = document.querySelector('header a.help-now');
  if (!link) return 'missing';
  const box = link.getBoundingClientRect();
  const inside = box.left >= 0 && box.top >= 0 && box.right <= window.innerWidth
    && box.bottom <= window.innerHeight && box.width > 0;
  return inside ? 'shown' : `${Math.round(box.left)},${Math.round(box.top)}`;
}"""


def sign_in(page: Page, base: str, username: str, password: str, code: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")


def measure(page: Page, url: str, direction: str | None) -> dict:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    if direction is not None:
        assert page.locator("html").get_attribute("dir") == direction, url
    return page.evaluate(OVERFLOW)


@pytest.mark.parametrize(("language", "direction"), [("en", "ltr"), ("ar", "rtl")])
def test_the_defenders_pages_fit_a_375_px_phone(
    browser,
    live_server,
    demo_logins,  # noqa: F811
    language,
    direction,
):
    username, password, codes = demo_logins["defender"]
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="en-GB")
    try:
        page = context.new_page()
        sign_in(page, live_server.url, username, password, codes[0])
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        # On a small phone the way to the alarm is on the first screen of every page.
        page.set_viewport_size(SMALL_PHONE)
        for name in (n for n in DEFENDER_PAGES if n != "safety:mine-print"):  # no header
            page.goto(live_server.url + reverse(name))
            assert page.evaluate(HELP_NOW) == "shown", name
        page.set_viewport_size(PHONE)
        too_wide = {}
        for name in DEFENDER_PAGES + PUBLIC_PAGES:
            if name in PUBLIC_PAGES:
                context.clear_cookies()
                context.add_cookies(
                    [{"name": "django_language", "value": language, "url": live_server.url}]
                )
            # The printable plan is in the plan's own language whatever the reader's.
            expected = None if name == "safety:mine-print" else direction
            found = measure(page, live_server.url + reverse(name), expected)
            assert found["inner"] == PHONE["width"]
            if found["scroll"] > found["inner"]:
                too_wide[name] = found
            if name == "safety:mine-print":
                cells = page.evaluate(PRINT_CELLS)
                assert cells["narrowest"] > 200 and cells["font"] >= 14, cells
                page.emulate_media(media="print")
                assert page.evaluate(PRINT_CELLS)["display"] == "table-cell"
                page.emulate_media(media="screen")
        assert not too_wide, too_wide
    finally:
        context.close()


def test_a_defender_with_an_arabic_plan_reads_it_on_a_375_px_phone(
    browser, live_server, transactional_db, make_person, make_compartment, make_case
):
    """The printable plan is in the plan's language: here Arabic, right to left, with Latin
    email addresses and Arabic names side by side."""
    lucia = make_person(Role.CASEWORKER)
    sidra = make_person(Role.DEFENDER, "sidra")
    person = make_case(make_compartment(lucia), lucia).person
    person.account = sidra.user
    person.save(update_fields=["account"])
    with unlocked(lucia.keychain()):
        safety.save_plan(person, draft(SIDRA_PLAN), actor_id=lucia.user.pk)
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="en-GB")
    try:
        page = context.new_page()
        sign_in(page, live_server.url, "sidra", sidra.password, sidra.next_backup_code())
        context.add_cookies([{"name": "django_language", "value": "ar", "url": live_server.url}])
        too_wide = {}
        for name in DEFENDER_PAGES:
            found = measure(page, live_server.url + reverse(name), "rtl")
            if found["scroll"] > found["inner"]:
                too_wide[name] = found
        assert not too_wide, too_wide
    finally:
        context.close()


# Every table heading and cell of the page, and whether the longest word of its text fits
# inside it on one line (measured in the cell's own font): broken anywhere, a column had
# shrunk to a letter a line ("Ref ere nce", a date one character per line).
BROKEN_WORDS = """() => {
  const ctx = document.createElement('canvas').getContext('2d');
  const broken = [];
  for (const cell of document.querySelectorAll('main th, main td')) {
    const style = getComputedStyle(cell);
    ctx.font = style.font;
    const room = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const shown = cell.cloneNode(true);  // the words read aloud only (.sr) take no room
    shown.querySelectorAll('.sr').forEach((hidden) => hidden.remove());
    for (const word of shown.textContent.trim().split(/[\\s\\/-]+/)) {
      // A digest or an address (longer than any word) may break where it must.
      const long = word.length > 30;
      if (word.length > 1 && !long && ctx.measureText(word).width > room + 1) broken.push(word);
    }
  }
  return broken.slice(0, 8);
}"""

# Boxes that scroll sideways but that a keyboard cannot reach (axe's
# "scrollable-region-focusable"): a table made a scrolling box of its own inside the
# focusable .wide box had been one.
SCROLL_BOXES = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('main *')) {
    const style = getComputedStyle(el);
    if (!['auto', 'scroll'].includes(style.overflowX) || el.scrollWidth <= el.clientWidth + 1) {
      continue;
    }
    if (el.tabIndex < 0) bad.push(`${el.tagName.toLowerCase()}.${el.className}`);
  }
  return bad;
}"""


@pytest.mark.parametrize(("language", "direction"), [("en", "ltr"), ("ar", "rtl")])
def test_staff_tables_keep_their_words_whole_on_a_375_px_phone(
    browser,
    live_server,
    demo_logins,  # noqa: F811
    language,
    direction,
):
    """A table too wide for the phone scrolls inside itself; the page does not."""
    pages = {
        "coordinator": ("cases:list", "incidents:list", "cases:compartments"),
        "auditor": ("audit:log",),
        # A responder's open alerts, each a card (a drill's mark had broken mid-word).
        "responder": ("alerts:console",),
        None: ("reports:public", "reports:codebook"),
    }
    problems = {}
    for role, names in pages.items():
        context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="en-GB")
        try:
            page = context.new_page()
            if role is not None:
                username, password, codes = demo_logins[role]
                sign_in(page, live_server.url, username, password, codes[0])
            context.add_cookies(
                [{"name": "django_language", "value": language, "url": live_server.url}]
            )
            for name in names:
                found = measure(page, live_server.url + reverse(name), direction)
                # The codebook's table is of codes, which break anywhere (see aegis.css).
                broken = [] if name == "reports:codebook" else page.evaluate(BROKEN_WORDS)
                if found["scroll"] > found["inner"] or broken:
                    problems[name] = (found, broken)
                if role is None and (boxes := page.evaluate(SCROLL_BOXES)):
                    problems[f"{name} scrolling boxes"] = boxes
                # The menu is one line (a coordinator's had wrapped to half the screen).
                menu = page.evaluate(MENU_HEIGHT)
                if menu > 60:
                    problems[f"{name} menu"] = menu
                # Where it scrolls sideways, a shadow at its edges says so.
                if role is not None and "radial-gradient" not in page.evaluate(MENU_CUE):
                    problems[f"{name} menu without a scroll cue"] = True
        finally:
            context.close()
    assert not problems, problems
