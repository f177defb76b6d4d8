"""Authenticated, checkpointed audit log of gate decisions (OUS-6.b: access is logged so unlawful
access can be followed up).

One JSON object per line:

    {"event":{...},"mac":"<HMAC-SHA256 hex>","prev":"<mac of the previous entry>","seq":N,"ts":"<UTC ISO 8601>"}

`mac` is HMAC-SHA256, under the writer's key, over the canonical JSON (sorted keys, no spaces,
ASCII) of the entry without `mac`; the first entry's `prev` is 64 zeros. Without the key nobody
can re-compute a mac, so editing, removing or moving an entry and "re-hashing" the rest fails
verification at the first changed entry.

What a chain cannot show by itself is the loss of its newest entries, or of the whole file. So
every append also replaces a *checkpoint* (the head's seq and mac, authenticated with the same
key) in a second directory that the stack names apart from the log's own (`gate.auditCheckpoints`).
`verify` compares log and checkpoint: a log shorter than its checkpoint, a missing log with a
checkpoint, or a non-empty log without one is a fault. Deleting both needs write access to two
places; the third place is the Log Analytics workspace the log is shipped to (docs/gate.md).

Writers hold an exclusive `flock` on the log while they read the last entry, append theirs with
one `O_APPEND` write followed by `fsync`, and replace the checkpoint, so processes never
interleave, fork the chain or move the checkpoint backwards.
"""

from __future__ import annotations

import datetime
import errno
import fcntl
import hashlib
import hmac
import io
import os
import pwd
import re
import socket
import stat
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

from dpaguard.errors import InputError
from dpaguard.files import atomic_write, fsync_dir, read_bounded
from dpaguard.gate._strict import canonical_json, json_loads

GENESIS = "0" * 64
MAX_ENTRY_BYTES = 64 * 1024
"""One entry, JSON line; longer lines are refused on write and reported on verify."""
_FIELDS = frozenset({"seq", "ts", "prev", "event", "mac"})
_CHECKPOINT_FIELDS = frozenset({"format", "log", "seq", "mac", "ts", "cmac"})
_CHECKPOINT_FORMAT = "dpaguard-audit-checkpoint/1"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 64 * 1024

JsonObject = dict[str, Any]


class AuditError(InputError):
    """The log cannot be read or appended to (unreadable, or its tail is corrupt)."""


class Fault(StrEnum):
    """The kind of damage `verify` found."""

    EDITED = "edited"
    DELETED = "deleted"
    REORDERED = "reordered"
    TRUNCATED = "truncated"
    BAD_JSON = "bad_json"
    CHECKPOINT = "checkpoint"


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    """Entries verified before the first fault (all of them if ok)."""
    head_seq: int
    head_mac: str
    """The last good entry's seq and mac."""
    line: int | None = None
    """1-based line of the first fault (for a missing tail: the line where it should continue)."""
    fault: Fault | None = None
    detail: str = ""
    checkpoint_seq: int | None = None
    """The seq the checkpoint records, if one was read."""

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head": {"seq": self.head_seq, "mac": self.head_mac},
            "checkpoint": self.checkpoint_seq,
            "line": self.line,
            "fault": str(self.fault) if self.fault else None,
            "detail": self.detail,
        }


def entry_mac(key: bytes, entry: Mapping[str, object]) -> str:
    body = canonical_json({k: v for k, v in entry.items() if k != "mac"})
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def checkpoint_path(log_path: str | Path, checkpoints: str | Path) -> Path:
    """One checkpoint per log, named after the log's absolute path so it is found without the log."""
    name = hashlib.sha256(os.path.abspath(log_path).encode()).hexdigest()[:32]
    return Path(checkpoints) / f"{name}.checkpoint"


def origin() -> dict[str, str]:
    """Where a decision is taken: host, local account and, over ssh, the client's address."""
    where = {"host": socket.gethostname()}
    # the account the process runs as, from its uid: getpass.getuser() reads $LOGNAME/$USER first,
    # so a caller could put someone else's name on a decision
    uid = os.geteuid()
    try:
        where["os_user"] = pwd.getpwuid(uid).pw_name
    except KeyError:
        where["os_user"] = f"uid {uid}"
    # sshd sets SSH_CONNECTION, but so can anyone: a claim for follow-up, not an identity (docs/gate.md)
    ssh = os.environ.get("SSH_CONNECTION", "").split()
    if ssh:
        where["ssh_client"] = ssh[0][:64]
    return where


class _Fault(Exception):
    def __init__(self, fault: Fault, detail: str):
        self.fault = fault
        self.detail = detail


def _check_entry(key: bytes, body: bytes) -> JsonObject:
    """Parse one line (without newline) into an entry whose own mac holds; raises _Fault."""
    if len(body) > MAX_ENTRY_BYTES:
        raise _Fault(Fault.BAD_JSON, f"line longer than {MAX_ENTRY_BYTES} bytes")
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
        or type(entry["mac"]) is not str
        or not _HEX64.fullmatch(entry["mac"])
    ):
        raise _Fault(Fault.BAD_JSON, "not an audit entry (seq, ts, prev, event, mac)")
    if not hmac.compare_digest(entry_mac(key, entry), entry["mac"]):
        raise _Fault(Fault.EDITED, f"entry seq {entry['seq']} does not carry a valid mac (edited or forged)")
    # the mac covers the parsed content; this also catches byte changes that JSON ignores
    if canonical_json(entry) != body:
        raise _Fault(Fault.EDITED, f"entry seq {entry['seq']} is not in its written (canonical) form")
    return entry


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    mac: str


def read_checkpoint(key: bytes, log_path: str | Path, checkpoints: str | Path) -> Checkpoint | None:
    """The log's checkpoint, None if there is none; AuditError if it is unreadable or not authentic."""
    path = checkpoint_path(log_path, checkpoints)
    if not path.exists():
        return None
    data = read_bounded(path, 4096, "audit checkpoint")
    try:
        doc = json_loads(data)
    except (ValueError, RecursionError):
        doc = None
    if (
        type(doc) is not dict
        or doc.keys() != _CHECKPOINT_FIELDS
        or doc["format"] != _CHECKPOINT_FORMAT
        or type(doc["seq"]) is not int
        or type(doc["mac"]) is not str
        or type(doc["cmac"]) is not str
        or not hmac.compare_digest(entry_mac(key, {k: v for k, v in doc.items() if k != "cmac"}), doc["cmac"])
    ):
        raise AuditError(f"audit checkpoint {path} is damaged or was not written with this key")
    if doc["log"] != os.path.abspath(log_path):
        raise AuditError(f"audit checkpoint {path} belongs to {doc['log']}, not {log_path}")
    return Checkpoint(doc["seq"], doc["mac"])


def _write_checkpoint(key: bytes, log_path: str, checkpoints: str, seq: int, mac: str, ts: str) -> None:
    doc: JsonObject = {"format": _CHECKPOINT_FORMAT, "log": os.path.abspath(log_path), "seq": seq, "mac": mac,
                       "ts": ts}
    doc["cmac"] = entry_mac(key, doc)
    atomic_write(checkpoint_path(log_path, checkpoints), canonical_json(doc) + b"\n")


class AuditLog:
    """Append-only, HMAC-chained JSON lines at `path` (created 0600), checkpointed in `checkpoints`."""

    def __init__(self, path: str | Path, key: bytes, checkpoints: str | Path, *,
                 clock: Callable[[], float] = time.time, fsync: bool = True):
        if len(key) < 32:
            raise ValueError("the audit key must be at least 32 bytes")
        self.path = str(path)
        self.checkpoints = str(checkpoints)
        self._key = key
        self._clock = clock
        self._fsync = fsync

    def append(self, event: Mapping[str, object]) -> JsonObject:
        """Chain `event` onto the log, replace the checkpoint and return the entry written.

        Raises ValueError if `event` is not a JSON object of finite values, AuditError if the
        log or checkpoint cannot be written or the log's last entry is damaged: chaining onto a
        corrupt tail would make the damage look like part of a valid history.
        """
        if not isinstance(event, Mapping) or not all(isinstance(k, str) for k in event):
            raise ValueError("an audit event is a mapping with string keys")
        try:
            canonical_json(dict(event))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"audit event is not plain JSON: {exc}") from exc
        if not os.path.isdir(self.checkpoints):
            raise AuditError(f"audit checkpoint directory {self.checkpoints} does not exist")
        self._check_apart()
        try:
            # O_NOFOLLOW: a symlink planted at the log's path would have the gate append to its target
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise AuditError(f"cannot open audit log {self.path}: it is a symbolic link") from None
            raise AuditError(f"cannot open audit log {self.path}: {exc.strerror}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise AuditError(f"audit log {self.path} is not a regular file")
            size = os.fstat(fd).st_size
            seq, prev = self._head(fd, size)
            self._check_against_checkpoint(seq, prev)
            entry: JsonObject = {
                "seq": seq + 1,
                "ts": datetime.datetime.fromtimestamp(self._clock(), datetime.UTC).isoformat(
                    timespec="microseconds"
                ),
                "prev": prev,
                "event": dict(event),
            }
            entry["mac"] = entry_mac(self._key, entry)
            line = canonical_json(entry) + b"\n"
            if len(line) > MAX_ENTRY_BYTES:
                raise ValueError(f"audit event is larger than {MAX_ENTRY_BYTES} bytes")
            written = 0
            while written < len(line):
                written += os.write(fd, line[written:])
            if self._fsync:
                os.fsync(fd)
                if size == 0:
                    fsync_dir(os.path.dirname(os.path.abspath(self.path)))
            try:
                _write_checkpoint(self._key, self.path, self.checkpoints, entry["seq"], entry["mac"], entry["ts"])
            except InputError as exc:
                raise AuditError(f"audit checkpoint not written: {exc.message}") from exc
            return entry
        except OSError as exc:
            raise AuditError(f"cannot append to audit log {self.path}: {exc.strerror or exc}") from exc
        finally:
            os.close(fd)  # releases the lock

    def verify(self) -> VerifyResult:
        return verify(self.path, self._key, checkpoints=self.checkpoints)

    def _check_apart(self) -> None:
        """The checkpoint directory must be a second place, also once symlinks are resolved.

        The stack config is checked as written (modules/config.py `load_gate`); a symlink can
        still point the checkpoint directory at the log's directory, into it, or at a directory
        that holds it, and then one removal or one permission takes log and checkpoint together.
        """
        log_dir = os.path.dirname(os.path.abspath(self.path))
        real_log_dir, real_checkpoints = os.path.realpath(log_dir), os.path.realpath(self.checkpoints)
        common = os.path.commonpath([real_log_dir, real_checkpoints])
        if common == real_checkpoints:
            raise AuditError(f"audit checkpoint directory {self.checkpoints} is the log's directory {log_dir} "
                             "or holds it: log and checkpoint would go together")
        if common == real_log_dir:
            raise AuditError(f"audit checkpoint directory {self.checkpoints} lies inside the log's directory "
                             f"{log_dir}: log and checkpoint would go together")

    def last_event(self, match: Callable[[JsonObject], bool]) -> JsonObject | None:
        """The newest authentic event for which `match` is true, reading backwards from the end.

        The log must be consistent with its checkpoint (else AuditError): a log cut back to
        before the event would otherwise hide it.
        """
        try:
            # O_NONBLOCK: a FIFO at the log's path must not hang the gate; fstat refuses it below
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            if read_checkpoint(self._key, self.path, self.checkpoints) is not None:
                raise AuditError(f"audit log {self.path} is missing but its checkpoint exists") from None
            return None
        except OSError as exc:
            raise AuditError(f"cannot read audit log {self.path}: {exc.strerror}") from exc
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise AuditError(f"cannot read audit log {self.path}: not a regular file")
            fcntl.flock(fd, fcntl.LOCK_SH)
            size = os.fstat(fd).st_size
            seq, mac = self._head(fd, size)
            self._check_against_checkpoint(seq, mac)
            for body in _lines_backwards(fd, size):
                try:
                    entry = _check_entry(self._key, body)
                except _Fault as fault:
                    raise AuditError(f"audit log {self.path}: {fault.fault}: {fault.detail}; "
                                     "run `dpaguard audit verify`") from None
                event = entry["event"]
                if match(event):
                    return dict(event)
            return None
        finally:
            os.close(fd)

    def _check_against_checkpoint(self, seq: int, mac: str) -> None:
        checkpoint = read_checkpoint(self._key, self.path, self.checkpoints)
        if checkpoint is None:
            if seq:
                raise AuditError(f"audit log {self.path} has no checkpoint in {self.checkpoints} "
                                 "(deleted?); run `dpaguard audit verify`")
            return
        if checkpoint.seq > seq or (checkpoint.seq == seq and checkpoint.mac != mac):
            raise AuditError(f"audit log {self.path} ends at seq {seq} but its checkpoint records seq "
                             f"{checkpoint.seq}: entries were removed; run `dpaguard audit verify`")

    def _head(self, fd: int, size: int) -> tuple[int, str]:
        if size == 0:
            return 0, GENESIS
        if os.pread(fd, 1, size - 1) != b"\n":
            raise AuditError(
                f"audit log {self.path} ends with a partial line; "
                "run `dpaguard audit verify` and repair it before appending"
            )
        body = next(_lines_backwards(fd, size))
        try:
            entry = _check_entry(self._key, body)
        except _Fault as fault:
            raise AuditError(
                f"audit log {self.path}: last entry is damaged ({fault.fault}: {fault.detail}); "
                "run `dpaguard audit verify` before appending"
            ) from None
        return int(entry["seq"]), str(entry["mac"])


def _lines_backwards(fd: int, size: int) -> Iterator[bytes]:
    """The lines of a file that ends with a newline, last first, without their newlines."""
    position = size - 1  # the final newline is not part of the last line
    tail = b""
    while True:
        cut = tail.rfind(b"\n")
        if cut != -1:
            yield tail[cut + 1:]
            tail = tail[:cut]
            continue
        if position <= 0 or len(tail) > MAX_ENTRY_BYTES:
            yield tail  # the first line, or an over-long one the caller reports
            return
        read_from = max(0, position - _CHUNK)
        tail = os.pread(fd, position - read_from, read_from) + tail
        position = read_from


def verify(path: str | Path, key: bytes | None = None, *, checkpoints: str | Path | None = None) -> VerifyResult:
    """Check the whole log (and its checkpoint, if `checkpoints` is given); the result names the
    first bad line and the kind of damage.

    Raises AuditError only if the log cannot be read at all (and has no checkpoint that says it
    should exist), is not a regular file, or the checkpoint itself is unreadable or forged.
    """
    if key is None:
        # a log checked without its key would check nothing: the macs are the whole point
        raise AuditError(f"audit log {path}: verifying needs the log's key (gate.auditKeyFile; "
                         "dpaguard.gate.stack.verify_stack_log does it for a stack)")
    checkpoint = read_checkpoint(key, path, checkpoints) if checkpoints is not None else None
    try:
        # O_NONBLOCK: opening a FIFO for reading would wait for a writer forever; fstat refuses it below
        handle = os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC), "rb")
    except FileNotFoundError:
        if checkpoint is not None:
            return VerifyResult(False, 0, 0, GENESIS, 1, Fault.DELETED,
                                f"the log is missing; its checkpoint records seq {checkpoint.seq}",
                                checkpoint.seq)
        raise AuditError(f"cannot read audit log {path}: no such file") from None
    except OSError as exc:
        raise AuditError(f"cannot read audit log {path}: {exc.strerror}") from exc
    with handle:
        try:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise AuditError(f"cannot read audit log {path}: not a regular file")
            result = _verify(handle, key)
        except OSError as exc:
            raise AuditError(f"cannot read audit log {path}: {exc.strerror}") from exc
    if checkpoints is None or not result.ok:
        return result
    return _held_against(path, key, result, checkpoint, checkpoints)


@dataclass(frozen=True)
class CopyCheck:
    """A copy of the stack's log (bytes read once) against the live log's checkpoint."""

    chain: VerifyResult
    """The copy's own HMAC chain."""
    checkpoint_seq: int | None
    """The seq the live log's checkpoint records; None if there is no checkpoint."""
    agrees: bool | None
    """Whether the copy's entry at checkpoint_seq carries the checkpoint's mac; None if the copy
    ends before it (an older copy, or one cut back: the checkpoint cannot tell which)."""


def verify_copy(data: bytes, key: bytes, *, log_path: str | Path, checkpoints: str | Path) -> CopyCheck:
    """Check `data`, a copy of the log at `log_path` (one handed to `dpaguard breach`, say): its own
    chain, and where it stands against the original's checkpoint. Raises AuditError if the
    checkpoint is unreadable or forged."""
    checkpoint = read_checkpoint(key, log_path, checkpoints)
    chain = _verify(io.BytesIO(data), key)
    if checkpoint is None or not chain.ok:
        return CopyCheck(chain, checkpoint.seq if checkpoint else None, None)
    if chain.head_seq < checkpoint.seq:
        return CopyCheck(chain, checkpoint.seq, None)
    if checkpoint.seq == 0:
        return CopyCheck(chain, 0, True)
    # seq n sits on line n of a copy whose chain holds
    line = data.split(b"\n", checkpoint.seq)[checkpoint.seq - 1]
    return CopyCheck(chain, checkpoint.seq, str(_check_entry(key, line)["mac"]) == checkpoint.mac)


def _held_against(path: str | Path, key: bytes, result: VerifyResult, checkpoint: Checkpoint | None,
                  checkpoints: str | Path) -> VerifyResult:
    if checkpoint is None:
        if result.entries:
            return VerifyResult(False, result.entries, result.head_seq, result.head_mac, 1, Fault.CHECKPOINT,
                                f"no checkpoint for this log in {checkpoints} (deleted?)")
        return result
    head = result.head_seq
    if checkpoint.seq > head:
        return VerifyResult(False, head, head, result.head_mac, head + 1, Fault.DELETED,
                            f"log ends at seq {head}; its checkpoint records seq {checkpoint.seq}",
                            checkpoint.seq)
    mac_at = _mac_at(path, key, checkpoint.seq) if checkpoint.seq else GENESIS
    if checkpoint.seq and mac_at != checkpoint.mac:
        return VerifyResult(False, head, head, result.head_mac, checkpoint.seq, Fault.EDITED,
                            f"entry seq {checkpoint.seq} differs from the checkpoint", checkpoint.seq)
    return VerifyResult(True, result.entries, head, result.head_mac, checkpoint_seq=checkpoint.seq)


def _mac_at(path: str | Path, key: bytes, seq: int) -> str | None:
    # seq n sits on line n in an intact log, which `_verify` has just established
    with open(path, "rb") as handle:
        for lineno, raw in enumerate(iter(lambda: handle.readline(MAX_ENTRY_BYTES + 2), b""), start=1):
            if lineno == seq:
                return str(_check_entry(key, raw[:-1])["mac"])
    return None


def _verify(handle: BinaryIO, key: bytes) -> VerifyResult:
    prev, seq, lineno = GENESIS, 0, 0

    def fault(kind: Fault, detail: str, line: int | None = None) -> VerifyResult:
        return VerifyResult(False, seq, seq, prev, lineno if line is None else line, kind, detail)

    for raw in iter(lambda: handle.readline(MAX_ENTRY_BYTES + 2), b""):
        lineno += 1
        if not raw.endswith(b"\n"):
            if len(raw) > MAX_ENTRY_BYTES:
                return fault(Fault.BAD_JSON, f"line longer than {MAX_ENTRY_BYTES} bytes")
            return fault(Fault.TRUNCATED, "last line is incomplete (interrupted write or cut file)")
        try:
            entry = _check_entry(key, raw[:-1])
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
            # both entries carry valid macs, so the link was broken by someone holding the key, or
            # entries were removed between two authentic ones and the rest renumbered by the key holder
            return fault(Fault.EDITED, f"entry seq {entry['seq']} does not chain to seq {seq}")
        prev, seq = entry["mac"], entry["seq"]
    return VerifyResult(True, seq, seq, prev)


def _seq_appears_later(handle: BinaryIO, wanted: int) -> bool:
    # only reached once a fault is certain, so reading on costs nothing in the intact case
    for raw in iter(lambda: handle.readline(MAX_ENTRY_BYTES + 2), b""):
        try:
            entry = json_loads(raw)
        except (ValueError, RecursionError):
            continue
        if type(entry) is dict and entry.get("seq") == wanted:
            return True
    return False
