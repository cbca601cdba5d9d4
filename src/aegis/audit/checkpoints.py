"""Signed checkpoints of a keyed chain's head: "entry N of chain C had MAC M at time T",
signed with the instance's Ed25519 key in minisign's format. An auditor keeps them off the
server; `aegis audit verify --checkpoint FILE` then proves that the log still extends them,
which also catches a removed tail with the stored head moved back.

The statement is one JSON line (the file `minisign -V -m` checks); the signature file repeats
it as minisign's trusted comment, so the .minisig alone is enough for Aegis to verify."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings

from . import minisign
from .chain import GENESIS, ChainProblem, KeyedChain, Link, Walk, head_problem, signing_key

FORMAT = "aegis-checkpoint/1"
_MAC = re.compile(r"[0-9a-f]{64}")


class CheckpointInvalid(Exception):
    """The checkpoint cannot be trusted: unreadable, not this instance's, or altered."""


@dataclass(frozen=True)
class Checkpoint:
    chain: str
    entry: int
    mac: str
    at: datetime.datetime
    instance: str
    key: str

    def statement(self) -> str:
        body = {
            "format": FORMAT,
            "instance": self.instance,
            "key": self.key,
            "chain": self.chain,
            "entry": self.entry,
            "mac": self.mac,
            "at": self.at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        return json.dumps(body, separators=(",", ":")) + "\n"


def _unpruned() -> tuple[int, str]:
    return 0, GENESIS


def _nothing_more() -> ChainProblem | None:
    return None


@dataclass(frozen=True)
class Kept:
    """A keyed chain as the database keeps it, for what signs checkpoints of its head and
    checks it against them (audit.services, audit.selectors): the audit log
    (`audit.selectors.AUDIT`) and the grant ledger (`support.ledger.KEPT`)."""

    chain: KeyedChain
    name: str  # in messages: "audit log"
    command: str  # its check on the command line: "aegis audit verify"
    links: Callable[[int, int | None], Iterable[Link]]  # the entries after one number, up to one
    head: Callable[[], tuple[int, str] | None]  # its recorded end
    mac_at: Callable[[int], str | None]  # an entry's stored MAC; None where there is no entry
    # Where it starts after retention removed its oldest entries (the signed anchor).
    start: Callable[[], tuple[int, str]] = _unpruned
    # What a walk cannot see, beside the checkpoints (an entry past the recorded end...).
    unwalked: Callable[[], ChainProblem | None] = _nothing_more


@dataclass(frozen=True)
class Signed:
    checkpoint: Checkpoint
    statement: str
    signature: str


def public_key_file() -> str:
    return minisign.public_key_file(signing_key().verify_key)


def key_id() -> str:
    return minisign.key_id_text(signing_key().verify_key)


def sign(chain: str, entry: int, mac: str, at: datetime.datetime) -> Signed:
    key = signing_key()
    checkpoint = Checkpoint(
        chain=chain,
        entry=entry,
        mac=mac,
        at=at.replace(microsecond=0),
        instance=settings.ORGANISATION_NAME,
        key=minisign.key_id_text(key.verify_key),
    )
    statement = checkpoint.statement()
    signature = minisign.sign(
        statement.encode(),
        key,
        trusted=statement.rstrip("\n"),
        untrusted=f"aegis {chain} checkpoint at entry {entry}",
    )
    return Signed(checkpoint, statement, signature)


def sign_document(data: bytes, comment: str) -> str:
    """A minisign signature of `data` with the checkpoints' key (an exhibit's manifest): one
    public key, given to an auditor or a court once, checks both."""
    return minisign.sign(data, signing_key(), trusted=comment, untrusted=comment)


def document_problem(data: bytes, signature: str) -> str | None:
    """Why `signature` is not this instance's over `data` (as `sign_document` makes it), in
    words; None where it holds."""
    try:
        minisign.verify(minisign.parse(signature), data, signing_key().verify_key)
    except minisign.SignatureInvalid as error:
        return str(error)
    return None


def read(signature: str, statement: str | None = None) -> Checkpoint:
    """Check the signature with this instance's key and return what it vouches for. Without
    the statement file, the trusted comment is the statement."""
    try:
        parsed = minisign.parse(signature)
        if statement is None:
            statement = parsed.trusted + "\n"
        minisign.verify(parsed, statement.encode(), signing_key().verify_key)
    except minisign.SignatureInvalid as error:
        raise CheckpointInvalid(f"The checkpoint's signature is not valid. {error}") from error
    if statement.rstrip("\n") != parsed.trusted:
        raise CheckpointInvalid("The checkpoint and its signature do not belong together.")
    try:
        body = json.loads(statement)
        checkpoint = Checkpoint(
            chain=str(body["chain"]),
            entry=int(body["entry"]),
            mac=str(body["mac"]),
            at=datetime.datetime.strptime(body["at"], "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=datetime.UTC
            ),
            instance=str(body["instance"]),
            key=str(body["key"]),
        )
        if body["format"] != FORMAT or not _MAC.fullmatch(checkpoint.mac):
            raise ValueError(body["format"])
    except (ValueError, KeyError, TypeError) as error:
        raise CheckpointInvalid("This signed file is not an Aegis checkpoint.") from error
    return checkpoint


def wrong_chain(chain: KeyedChain, checkpoint: Checkpoint) -> str | None:
    """Why the checkpoint cannot vouch for this chain, if it is another chain's."""
    if checkpoint.chain == chain.name:
        return None
    return f"This is a checkpoint of the {checkpoint.chain} chain, not of the {chain.name} one."


def extends(
    chain: KeyedChain,
    links: Iterable[Link],
    head: Callable[[], tuple[int, str] | None],
    checkpoint: Checkpoint,
    progress: Callable[[int], object] | None = None,
    *,
    start: tuple[int, str] = (0, GENESIS),
) -> tuple[Walk, str | None]:
    """Walk the whole chain under its key (from `start`, where retention pruned it), then
    check that it still holds the checkpoint's entry with the checkpoint's MAC. Returns the
    walk and the first failure, in words. A checkpoint of an entry pruned since vouches for
    nothing that is left: the anchor, itself signed, took its place."""
    when = checkpoint.at.strftime("%Y-%m-%d %H:%M UTC")
    if (other := wrong_chain(chain, checkpoint)) is not None:
        return Walk(0, 0, GENESIS, None, {}), other
    walk = chain.walk(links, start=start, remember=frozenset({checkpoint.entry}), progress=progress)
    if (problem := head_problem(walk, head())) is not None:
        return walk, f"The log was tampered with: {problem}."
    if checkpoint.entry < start[0]:
        return walk, None
    if checkpoint.entry == start[0]:
        walk.macs[start[0]] = start[1]
    if walk.last_seq < checkpoint.entry:
        return walk, (
            f"The log ends at entry {walk.last_seq}, but the checkpoint of {when} vouches for "
            f"entry {checkpoint.entry}: the end of the log was removed."
        )
    if walk.macs.get(checkpoint.entry) != checkpoint.mac:
        return walk, (
            f"Entry {checkpoint.entry} does not match the checkpoint of {when}: the log up to "
            "that entry was rewritten."
        )
    return walk, None
