"""The host names the site answers to, as an administrator behind a proxy writes them: the
host of AEGIS_BASE_URL had to be named again in AEGIS_ALLOWED_HOSTS or every request was
refused; "a.org, www.a.org" had refused www (the space); and a health check from the server
itself was refused once any host was named."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.engine_independent


def _hosts(tmp_path, **given: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AEGIS_")}
    env.update({"AEGIS_HOME": str(tmp_path), "DJANGO_SETTINGS_MODULE": "aegis.settings"})
    env.update({f"AEGIS_{name.upper()}": value for name, value in given.items()})
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from aegis import settings as s; "
            "print(json.dumps([s.ALLOWED_HOSTS, s.CSRF_TRUSTED_ORIGINS]))",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    hosts, origins = json.loads(done.stdout)
    return hosts + [f"origin:{o}" for o in origins]


def test_the_base_urls_host_the_hosts_named_and_loopback_are_answered(tmp_path):
    hosts = _hosts(
        tmp_path,
        base_url="https://aegis.example.org/",
        allowed_hosts="proxy.example.org, www.aegis.example.org ,",
        csrf_trusted_origins="https://aegis.example.org, https://www.aegis.example.org",
    )
    assert hosts[:3] == ["proxy.example.org", "www.aegis.example.org", "aegis.example.org"]
    assert {"127.0.0.1", "localhost", "[::1]"} <= set(hosts)
    assert "testserver" not in hosts, "named hosts: the test client's is not needed"
    assert "origin:https://www.aegis.example.org" in hosts


def test_with_nothing_named_the_development_hosts(tmp_path):
    assert set(_hosts(tmp_path)) == {"127.0.0.1", "localhost", "[::1]", "testserver"}
