"""A keyed chain: each row carries a MAC over its content and the previous row's MAC, under a
key that is never in the database (AEGIS_AUDIT_KEY, AEGIS_AUDIT_KEY_FILE or the file generated
once in AEGIS_HOME/secrets). Someone who can write to the database but lacks the key cannot
recompute the chain after changing, removing or renumbering a row. The audit log uses it; the
grant ledger is meant to use it too, with its own chain name and table.

What the key does not stop, a removed tail with the stored head moved back, signed checkpoints
do (checkpoints.py): they pin entry N's MAC outside the server."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from nacl.encoding import RawEncoder
from nacl.hash import blake2b
from nacl.signing import SigningKey

GENESIS = "0" * 64
MAC_BYTES = 32  # 64 hex characters, the width of the existing hash columns


@functools.lru_cache(maxsize=4)
def _master(secret: str) -> bytes:
    # The secret may be any text (an operator's passphrase or the generated file): BLAKE2b
    # brings it to a fixed-size key; each purpose then gets its own key derived from it.
    return blake2b(secret.encode(), digest_size=64, person=b"aegis-audit-key", encoder=RawEncoder)


def derived_key(purpose: str, size: int = 32) -> bytes:
    return _derived(settings.AUDIT_KEY, purpose, size)


@functools.lru_cache(maxsize=16)
def _derived(secret: str, purpose: str, size: int) -> bytes:
    return blake2b(purpose.encode(), key=_master(secret), digest_size=size, encoder=RawEncoder)


def signing_key() -> SigningKey:
    """The instance's Ed25519 checkpoint key, derived from the same secret as the MAC keys."""
    return SigningKey(derived_key("checkpoint-signing"))


@dataclass(frozen=True)
class Link:
    """One row as the chain sees it: its number, its content, and the two MACs it stores."""

    seq: int
    fields: tuple[object, ...]  # JSON-able values (str, int, None) in a fixed order
    prev: str
    mac: str


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.reason}"


@dataclass(frozen=True)
class Walk:
    checked: int
    last_seq: int
    last_mac: str
    problem: ChainProblem | None
    macs: dict[int, str]  # the MACs of the entries asked for with `remember`


class KeyedChain:
    def __init__(self, name: str) -> None:
        self.name = name

    def key(self) -> bytes:
        return derived_key(f"chain-mac:{self.name}")

    def mac(self, seq: int, fields: Iterable[object], prev: str) -> str:
        """One keyed BLAKE2b over the canonical row: the whole cost an append adds."""
        return self._mac(self.key(), seq, fields, prev)

    def _mac(self, key: bytes, seq: int, fields: Iterable[object], prev: str) -> str:
        canonical = json.dumps([self.name, seq, list(fields), prev], separators=(",", ":"))
        # The standard library's BLAKE2b, keyed: the same function as libsodium's generichash
        # (the vault derives its keys with it too), without PyNaCl's per-call argument checks,
        # which were half the time of walking a long log.
        return hashlib.blake2b(canonical.encode(), key=key, digest_size=MAC_BYTES).hexdigest()

    def walk(
        self,
        links: Iterable[Link],
        *,
        start: tuple[int, str] = (0, GENESIS),
        remember: frozenset[int] = frozenset(),
        progress: Callable[[int], object] | None = None,
    ) -> Walk:
        """Check every link in order, from the first or from the one after `start` (a number
        and MAC already trusted); stop at the first problem."""
        expected, prev, checked = start[0] + 1, start[1], 0
        key = self.key()
        macs: dict[int, str] = {}

        def result(problem: ChainProblem | None) -> Walk:
            return Walk(checked, expected - 1, prev, problem, macs)

        for link in links:
            if link.seq != expected:
                return result(ChainProblem(expected, "is missing (removed from the log)"))
            computed = self._mac(key, link.seq, link.fields, link.prev)
            if not hmac.compare_digest(computed.encode(), link.mac.encode()):
                return result(
                    ChainProblem(link.seq, "was changed or moved (its MAC does not match)")
                )
            if link.prev != prev:
                return result(
                    ChainProblem(
                        link.seq, "is out of order (it does not follow the entry before it)"
                    )
                )
            if link.seq in remember:
                macs[link.seq] = link.mac
            prev, expected, checked = link.mac, expected + 1, checked + 1
            if progress:
                progress(1)
        return result(None)


def head_problem(walk: Walk, head: tuple[int, str] | None) -> ChainProblem | None:
    """Compare a complete walk with the stored head (number and MAC of the last row): a removed
    tail is noticed here, unless the head was moved back too; only a checkpoint catches that."""
    if walk.problem is not None or head is None or head == (walk.last_seq, walk.last_mac):
        return walk.problem
    if head[0] > walk.last_seq:
        return ChainProblem(walk.last_seq + 1, "is missing (the end of the log was removed)")
    return ChainProblem(head[0], "does not match the recorded end of the log")
