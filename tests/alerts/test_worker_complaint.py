"""With the alert service key missing (after a wipe, or its unlock secret lost), the worker
says so once per round that needs it, not every few seconds: another round that needs no key,
succeeding in between, had made the line come back at every pass."""

from __future__ import annotations

import logging

from aegis.alerts.worker import AlertLoop
from aegis.vault.service_keys import ServiceKeyMissing


def _missing() -> int:
    raise ServiceKeyMissing("alert")


def test_a_missing_key_is_said_once_until_the_round_works_again(caplog):
    loop = AlertLoop(send_every=1, rounds_every=1, rounds=())
    caplog.set_level(logging.ERROR, logger="aegis.alerts.worker")
    for _ in range(5):
        assert loop._guarded("send", _missing) == 0
        assert loop._guarded("housekeeping", lambda: 1) == 1
    said = [r for r in caplog.records if "service key is missing" in r.getMessage()]
    assert len(said) == 1
    loop._guarded("send", lambda: 0)  # the key is back: a later loss is said again
    loop._guarded("send", _missing)
    said = [r for r in caplog.records if "service key is missing" in r.getMessage()]
    assert len(said) == 2
