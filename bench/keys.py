"""Passing keys on to a newcomer: the monitoring queue's pass-on and a compartment's new member.

    .venv/bin/python bench/keys.py [--keys 20000]
    (or: aegis bench keys --keys 100000)

A throwaway SQLite instance (`aegis init` in a temporary AEGIS_HOME) gets --keys monitoring
keys (one per article, sealed to an analyst and the recovery key, as monitoring.keys.new_key
seals them) and a compartment of --keys record keys. Then, in the same process:

(a) a newcomer analyst: each opening of the queue by a colleague passes keys on
    (monitoring.keys.pass_on, PASS_ON_AT_ONCE at most, newest first), until nobody waits.
    The first, the median and the slowest opening are printed, each as a ratio to bare
    libsodium opening and sealing the same number of keys (what no implementation can
    avoid), beside the number of openings it took;
(b) a new member let into the compartment (cases.services.admit_member: every key in one
    go), against the same bare libsodium work for every key, and against sealing a sample of
    1,000 keys one at a time through vault.services.grant (how members were let in before),
    that figure scaled to every key; then the member taken out again (dismiss_member).

The target is DESIGN.md's 150 ms p95 for a page view; letting someone into a compartment is
one form post, under gunicorn's 120 s limit at any size.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from _common import throwaway_instance

SAMPLE = 1_000  # keys granted one at a time, for the "before" figure


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def bare_libsodium(count: int) -> float:
    """Seconds to open `count` sealed keys and seal each to another public key."""
    from nacl.public import PrivateKey, SealedBox

    mine, theirs = PrivateKey.generate(), PrivateKey.generate().public_key
    sealed = [SealedBox(mine.public_key).encrypt(secrets.token_bytes(32)) for _ in range(count)]
    opener, sealer = SealedBox(mine), SealedBox(theirs)
    seconds, _ = timed(lambda: [sealer.encrypt(opener.decrypt(s)) for s in sealed])
    return seconds


def build(count: int, password: str) -> dict[str, Any]:
    """The instance's people and keys, written as the services write them."""
    from aegis.accounts import services as accounts
    from aegis.cases import services as cases
    from aegis.monitoring import keys
    from aegis.roles import Role
    from aegis.vault import services as vault

    analyst = accounts.create_user("analyst", password, Role.ANALYST).user
    coordinator = accounts.create_user("coordinator", password, Role.COORDINATOR).user
    holders = keys.holders()
    _make(count, "monitoring keys", lambda: vault.create_data_key(keys.ARTICLE_PURPOSE, holders))
    compartment = cases.create_compartment("Bench team", members=[coordinator])
    _make(count, "compartment keys", lambda: vault.new_record_key(compartment, "case"))
    return {"password": password, "analyst": analyst, "coordinator": coordinator,
            "compartment": compartment}  # fmt: skip


def _make(count: int, what: str, make_one: Callable[[], Any]) -> None:
    for done in range(count):
        make_one()
        if done % 5_000 == 0:
            print(f"  {what}: {done:,} of {count:,}", flush=True)


def chain_of(user: Any, password: str) -> Any:
    """A person's key context, as signing in unlocks it (the password stretched once)."""
    from aegis.vault import services as vault
    from aegis.vault.keychain import Keychain
    from aegis.vault.selectors import keypair_for_user

    keypair = keypair_for_user(user.pk)
    if keypair.pk not in _unlocked:
        _unlocked[keypair.pk] = vault.unlock_user_keypair(keypair, password)
    return Keychain({keypair.pk: _unlocked[keypair.pk]}, user.pk)


_unlocked: dict[int, Any] = {}


def newcomer_waits(facts: dict[str, Any]) -> None:
    from aegis.accounts import services as accounts
    from aegis.monitoring import keys
    from aegis.roles import Role
    from aegis.vault.keychain import unlocked

    analyst, password = facts["analyst"], facts["password"]
    with unlocked(chain_of(analyst, password)):
        keys.pass_on(actor_id=analyst.pk)  # the analyst is marked: nobody waits
    accounts.create_user("newcomer", password, Role.ANALYST)
    openings: list[tuple[float, int]] = []
    while True:
        with unlocked(chain_of(analyst, password)):
            seconds, made = timed(lambda: keys.pass_on(actor_id=analyst.pk))
        openings.append((seconds, made))
        if not made:
            break
    base = bare_libsodium(keys.PASS_ON_AT_ONCE)
    times = [s for s, _ in openings]
    print(
        f"\n(a) A newcomer analyst waits for {sum(m for _, m in openings):,} keys: "
        f"{len(openings)} openings of the queue, {keys.PASS_ON_AT_ONCE} keys each at most"
    )
    print(f"  bare libsodium, {keys.PASS_ON_AT_ONCE} keys opened and sealed: {base * 1000:.1f} ms")
    for label, seconds in (
        ("first opening", times[0]),
        ("median opening", statistics.median(times)),
        ("slowest opening", max(times)),
    ):
        print(f"  {label:16} {seconds * 1000:8.1f} ms  {seconds / base:5.1f} x bare libsodium")


def member_let_in(facts: dict[str, Any], count: int) -> None:
    from aegis.accounts import services as accounts
    from aegis.cases import services as cases
    from aegis.roles import Role
    from aegis.vault import services as vault
    from aegis.vault.keychain import unlocked
    from aegis.vault.selectors import keypair_for_user

    coordinator, password = facts["coordinator"], facts["password"]
    newcomer = accounts.create_user("caseworker", password, Role.CASEWORKER).user
    with unlocked(chain_of(coordinator, password)):
        seconds, _ = timed(
            lambda: cases.admit_member(facts["compartment"], newcomer, actor=coordinator)
        )
    with unlocked(chain_of(coordinator, password)):
        removed, _ = timed(
            lambda: cases.dismiss_member(facts["compartment"], newcomer, actor=coordinator)
        )
    sample_to = accounts.create_user("sample", password, Role.CASEWORKER).user
    keypair = keypair_for_user(sample_to.pk)
    sample = list(facts["compartment"].keys.values_list("data_key_id", flat=True)[:SAMPLE])
    with unlocked(chain_of(coordinator, password)):
        one_by_one, _ = timed(lambda: [vault.grant(k, keypair) for k in sample])
    before = one_by_one / len(sample) * count
    base = bare_libsodium(count)
    print(f"\n(b) A new member let into a compartment of {count:,} keys")
    print(f"  bare libsodium, every key opened and sealed: {base:.2f} s")
    print(f"  admit_member, every key at once:  {seconds:7.2f} s  {seconds / base:5.1f} x bare")
    print(
        f"  one key at a time (before), {len(sample):,} timed, scaled: {before:7.2f} s  "
        f"{before / base:5.1f} x bare"
    )
    print(f"  dismiss_member, every key taken back: {removed:7.2f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--keys", type=int, default=20_000, help="keys of each kind")
    args = parser.parse_args()
    if args.keys < 1:
        print("--keys must be at least 1")
        return 2
    password = "bench passphrase " + secrets.token_hex(8)
    with throwaway_instance("keys", password):
        started, facts = timed(lambda: build(args.keys, password))
        print(f"  built in {started:.0f} s")
        newcomer_waits(facts)
        member_let_in(facts, args.keys)
    return 0


if __name__ == "__main__":
    sys.exit(main())
