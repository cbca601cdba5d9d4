import os
import subprocess
import sys

import pytest

from aegis.roles import Role


def test_sign_in_reaches_dashboard(signed_in):
    client, _ = signed_in(Role.CASEWORKER)
    page = client.get("/")
    assert page.status_code == 200
    assert "Dashboard" in page.content.decode()


@pytest.mark.engine_independent
def test_the_wsgi_application_has_its_urlconf_loaded_before_any_request(tmp_path):
    """A server's process imports every view as it starts, so the first person it serves
    does not wait for the imports."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env.pop("AEGIS_DATABASE_URL", None)
    env.update(AEGIS_HOME=str(tmp_path), AEGIS_KDF_PROFILE="test")
    probe = "import sys, aegis.wsgi; print(' '.join(sorted(m for m in sys.modules if m in WANT)))"
    probe = probe.replace("WANT", repr(("aegis.urls", "aegis.api")))
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["aegis.api", "aegis.urls"]


def test_favicon_ico_leads_to_the_icon_for_pages_that_name_none(client):
    """The public form and printed sheets name no icon: a browser's /favicon.ico is sent on
    to the icon, not answered with a 404 at every visit."""
    from pathlib import Path

    import aegis

    answer = client.get("/favicon.ico")
    assert answer.status_code == 301
    assert answer["Location"] == "/static/aegis/favicon.svg"
    assert (Path(aegis.__file__).parent / "static" / "aegis" / "favicon.svg").is_file()
    assert client.post("/favicon.ico").status_code == 405


def test_the_style_sheet_is_kept_a_week_under_an_address_that_changes_with_it(client, db):
    """Over Tor each revalidation is a round trip: the browser keeps the style sheet, and
    its address names the content (a new version is fetched the day it ships)."""
    import hashlib
    import re

    from django.contrib.staticfiles import finders

    page = client.get("/report/").content.decode()
    [href] = re.findall(r'href="(/static/aegis/aegis\.css[^"]*)"', page)
    with open(finders.find("aegis/aegis.css"), "rb") as css:
        assert href.endswith("?v=" + hashlib.sha256(css.read()).hexdigest()[:12])
    answer = client.get(href)
    assert answer.status_code == 200
    assert "max-age=604800" in answer["Cache-Control"]
