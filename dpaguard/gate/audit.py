"""Tamper-evident audit log of gate decisions (OUS-6.b: access is logged so unlawful access can be
followed up).

One JSON object per line:

    {"event":{...},"hash":"<sha256 hex>","prev":"<hash of the previous entry>","seq":N,"ts":"<UTC ISO 8601>"}

`hash` is SHA-256 over the canonical JSON (sorted keys, no spaces, ASCII) of the entry without
`hash`; the first entry's `prev` is 64 zeros. Changing, removing or moving any entry breaks the
chain at that point. What a chain cannot show by itself is the loss of its newest entries:
record the head (`seq`, `hash`) somewhere the log's writer cannot change and pass it back as
`anchor` to `verify`.

Writers hold an exclusive `flock` on the log while they read the last entry and append theirs
with one `O_APPEND` write followed by `fsync`, so processes never interleave or fork the chain.
"""

from __future__ import annotations

import datetime
import fcntl
import getpass
import hashlib
import os
import re
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from dpaguard.errors import InputError
from dpaguard.gate._files import fsync_dir
from dpaguard.gate._strict import canonical_json, json_loads

LOG_ENV = "DPAGUARD_AUDIT_LOG"
DEFAULT_LOG = "out/audit.log"
GENESIS = "0" * 64
_FIELDS = frozenset({"seq", "ts", "prev", "event", "hash"})
_HEX64 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 64 * 1024


class AuditError(InputError):
    """The log cannot be read or appended to (unreadable, or its tail is corrupt)."""


class Fault(StrEnum):
    """The kind of damage `verify` found at a line."""

    EDITED = "edited"
    DELETED = "deleted"
    REORDERED = "reordered"
    TRUNCATED = "truncated"
    BAD_JSON = "bad_json"


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    """Entries verified before the first fault (all of them if ok)."""
    head_seq: int
    head_hash: str
    """The last good entry's seq and hash: the value to anchor."""
    line: int | None = None
    """1-based line of the first fault."""
    fault: Fault | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head": {"seq": self.head_seq, "hash": self.head_hash},
            "line": self.line,
            "fault": str(self.fault) if self.fault else None,
            "detail": self.detail,
        }


def entry_hash(entry: Mapping[str, object]) -> str:
    return hashlib.sha256(canonical_json({k: v for k, v in entry.items() if k != "hash"})).hexdigest()


def default_log_path(environ: Mapping[str, str] = os.environ) -> str:
    return environ.get(LOG_ENV) or DEFAULT_LOG


def origin() -> dict[str, str]:
    """Where a decision is taken: host, local account and, over ssh, the client's address."""
    where = {"host": socket.gethostname()}
    try:
        where["os_user"] = getpass.getuser()
    except (OSError, KeyError):
        pass
    ssh = os.environ.get("SSH_CONNECTION", "").split()
    if ssh:
        where["ssh_client"] = ssh[0]
    return where


def _check_entry(body: bytes) -> dict:
    """Parse one line (without newline) into an entry whose own hash holds; raises _Fault."""
    try:
        entry = json_loads(body)
    except (ValueError, RecursionError) as exc:
        raise _Fault(Fault.BAD_JSON, f"not JSON: {str(exc)[:80]}") from None
    if (
        type(entry) is not dict
        or entry.keys() != _FIELDS
        or type(entry["seq"]) is not int
        or entry["seq"] < 1
        or type(entry["ts"]) is not str
        or type(entry["event"]) is not dict
        or type(entry["prev"]) is not str
        or not _HEX64.fullmatch(entry["prev"])
        or type(entry["hash"]) is not str
        or not _HEX64.fullmatch(entry["hash"])
    ):
        raise _Fault(Fault.BAD_JSON, "not an audit entry (seq, ts, prev, event, hash)")
    if entry_hash(entry) != entry["hash"]:
        raise _Fault(Fault.EDITED, f"entry seq {entry['seq']} does not match its hash")
    # the hash covers the parsed content; this also catches byte changes that JSON ignores
    if canonical_json(entry) != body:
        raise _Fault(Fault.EDITED, f"entry seq {entry['seq']} is not in its written (canonical) form")
    return entry


class _Fault(Exception):
    def __init__(self, fault: Fault, detail: str):
        self.fault = fault
        self.detail = detail


class AuditLog:
    """Append-only, hash-chained JSON lines at `path` (created 0600 if missing)."""

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time, fsync: bool = True):
        self.path = str(path)
        self._clock = clock
        self._fsync = fsync

    def append(self, event: Mapping[str, object]) -> dict:
        """Chain `event` onto the log and return the entry written.

        Raises ValueError if `event` is not a JSON object of finite values, AuditError if the
        log cannot be written or its last entry is damaged: chaining onto a corrupt tail would
        make the damage look like part of a valid history.
        """
        if not isinstance(event, Mapping) or not all(isinstance(k, str) for k in event):
            raise ValueError("an audit event is a mapping with string keys")
        try:
            canonical_json(dict(event))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"audit event is not plain JSON: {exc}") from exc
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise AuditError(f"cannot open audit log {self.path}: {exc.strerror}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            seq, prev = self._head(fd, size)
            entry: dict = {
                "seq": seq + 1,
                "ts": datetime.datetime.fromtimestamp(self._clock(), datetime.UTC).isoformat(
                    timespec="microseconds"
                ),
                "prev": prev,
                "event": dict(event),
            }
            entry["hash"] = entry_hash(entry)
            line = canonical_json(entry) + b"\n"
            written = 0
            while written < len(line):
                written += os.write(fd, line[written:])
            if self._fsync:
                os.fsync(fd)
                if size == 0:
                    fsync_dir(os.path.dirname(os.path.abspath(self.path)))
            return entry
        except OSError as exc:
            raise AuditError(f"cannot append to audit log {self.path}: {exc.strerror or exc}") from exc
        finally:
            os.close(fd)  # releases the lock

    def verify(self, anchor: tuple[int, str] | None = None) -> VerifyResult:
        return verify(self.path, anchor=anchor)

    def _head(self, fd: int, size: int) -> tuple[int, str]:
        if size == 0:
            return 0, GENESIS
        if os.pread(fd, 1, size - 1) != b"\n":
            raise AuditError(
                f"audit log {self.path} ends with a partial line; "
                "run `dpaguard audit verify` and repair it before appending"
            )
        # walk back from the final newline to the one before it: the last line lies between
        end = size - 1
        start = 0
        position = end
        while position > 0:
            read_from = max(0, position - _CHUNK)
            cut = os.pread(fd, position - read_from, read_from).rfind(b"\n")
            if cut != -1:
                start = read_from + cut + 1
                break
            position = read_from
        body = os.pread(fd, end - start, start)
        try:
            entry = _check_entry(body)
        except _Fault as fault:
            raise AuditError(
                f"audit log {self.path}: last entry is damaged ({fault.fault}: {fault.detail}); "
                "run `dpaguard audit verify` before appending"
            ) from None
        return entry["seq"], entry["hash"]


def verify(path: str | Path, *, anchor: tuple[int, str] | None = None) -> VerifyResult:
    """Check the whole chain; the result names the first bad line and the kind of damage.

    Raises AuditError only if the file cannot be read at all.
    """
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, also on error
    except OSError as exc:
        raise AuditError(f"cannot read audit log {path}: {exc.strerror}") from exc
    with handle:
        try:
            return _verify(handle, anchor)
        except OSError as exc:
            raise AuditError(f"cannot read audit log {path}: {exc.strerror}") from exc


def _verify(handle: BinaryIO, anchor: tuple[int, str] | None) -> VerifyResult:
    prev, seq, lineno = GENESIS, 0, 0
    anchored_hash: str | None = None

    def fault(kind: Fault, detail: str, line: int | None = None) -> VerifyResult:
        return VerifyResult(False, seq, seq, prev, lineno if line is None else line, kind, detail)

    for raw in iter(handle.readline, b""):
        lineno += 1
        if not raw.endswith(b"\n"):
            return fault(Fault.TRUNCATED, "last line is incomplete (interrupted write or cut file)")
        try:
            entry = _check_entry(raw[:-1])
        except _Fault as bad:
            return fault(bad.fault, bad.detail)
        expected = seq + 1
        if entry["seq"] != expected:
            if entry["seq"] < expected:
                return fault(Fault.REORDERED, f"seq {entry['seq']} appears after seq {seq} (moved or duplicated)")
            if _seq_appears_later(handle, expected):
                return fault(Fault.REORDERED, f"seq {entry['seq']} appears where seq {expected} belongs")
            return fault(Fault.DELETED, f"seq {expected}..{entry['seq'] - 1} missing before seq {entry['seq']}")
        if entry["prev"] != prev:
            if lineno == 1:
                return fault(Fault.EDITED, "first entry does not chain to the genesis")
            # both entries hash correctly, so whoever broke the link re-hashed what they changed:
            # most likely the earlier entry was rewritten (a deletion needs the rest renumbered)
            return fault(Fault.EDITED,
                         f"chain breaks after seq {seq}: it was rewritten and re-hashed "
                         f"(or entries after it were removed and the rest renumbered)",
                         line=lineno - 1)
        prev, seq = entry["hash"], entry["seq"]
        if anchor is not None and seq == anchor[0]:
            anchored_hash = prev
    if anchor is not None:
        anchor_seq, anchor_hash = anchor
        if seq < anchor_seq:
            return VerifyResult(False, seq, seq, prev, lineno + 1, Fault.DELETED,
                                f"log ends at seq {seq}; the anchor records seq {anchor_seq}")
        if anchored_hash != anchor_hash:
            return VerifyResult(False, seq, seq, prev, anchor_seq, Fault.EDITED,
                                f"entry seq {anchor_seq} differs from the anchored hash")
    return VerifyResult(True, seq, seq, prev)


def _seq_appears_later(handle: BinaryIO, wanted: int) -> bool:
    # only reached once a fault is certain, so reading on costs nothing in the intact case
    for raw in iter(handle.readline, b""):
        try:
            entry = json_loads(raw)
        except (ValueError, RecursionError):
            continue
        if type(entry) is dict and entry.get("seq") == wanted:
            return True
    return False
