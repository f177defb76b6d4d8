"""`dpaguard.gate.audit`: every kind of tampering is found and named; concurrent writers keep one
chain (OUS-6.b)."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat

import pytest

from dpaguard.gate._strict import canonical_json
from dpaguard.gate.audit import GENESIS, AuditError, AuditLog, Fault, entry_hash, verify

FORK = multiprocessing.get_context("fork")
ENTRIES = 6


class Ticks:
    def __init__(self):
        self.t = 1_750_000_000.0

    def __call__(self) -> float:
        self.t += 1
        return self.t


@pytest.fixture
def log_path(tmp_path) -> str:
    path = str(tmp_path / "audit.log")
    log = AuditLog(path, clock=Ticks())
    for i in range(ENTRIES):
        log.append({"action": "token.verify", "decision": "allow" if i % 2 else "deny", "who": f"user{i}"})
    return path


def lines(path: str) -> list[bytes]:
    return open(path, "rb").read().splitlines(keepends=True)


def write(path: str, content: list[bytes]) -> None:
    open(path, "wb").write(b"".join(content))


def rehash(line: bytes, **changes) -> bytes:
    entry = json.loads(line)
    entry.update(changes)
    entry["hash"] = entry_hash(entry)
    return canonical_json(entry) + b"\n"


def test_intact_log_verifies(log_path):
    result = verify(log_path)
    assert (result.ok, result.entries, result.head_seq, result.fault, result.line) == (True, ENTRIES, ENTRIES, None, None)
    assert result.head_hash == json.loads(lines(log_path)[-1])["hash"]


def test_entries_chain_from_genesis(log_path):
    entries = [json.loads(line) for line in lines(log_path)]
    assert [e["seq"] for e in entries] == list(range(1, ENTRIES + 1))
    assert [e["prev"] for e in entries] == [GENESIS] + [e["hash"] for e in entries[:-1]]
    assert entries[0]["event"] == {"action": "token.verify", "decision": "deny", "who": "user0"}
    assert entries[0]["ts"] == "2025-06-15T15:06:41.000000+00:00"
    assert stat.S_IMODE(os.stat(log_path).st_mode) == 0o600


def test_empty_log_is_intact(tmp_path):
    path = tmp_path / "empty.log"
    path.write_bytes(b"")
    assert verify(path).ok


# --- tampering, each found at its line ------------------------------------------------------------


def edit_value(c: list[bytes]) -> list[bytes]:
    c[2] = c[2].replace(b'"decision":"deny"', b'"decision":"allow"')
    return c


def edit_and_rehash(c: list[bytes]) -> list[bytes]:
    c[2] = rehash(c[2], event={"action": "token.verify", "decision": "allow", "who": "user2"})
    return c


def edit_timestamp_and_rehash(c: list[bytes]) -> list[bytes]:
    c[3] = rehash(c[3], ts="2020-01-01T00:00:00.000000+00:00")
    return c


def edit_whitespace(c: list[bytes]) -> list[bytes]:
    c[1] = c[1].replace(b'","', b'", "', 1)
    return c


def delete_middle(c: list[bytes]) -> list[bytes]:
    del c[3]
    return c


def delete_first(c: list[bytes]) -> list[bytes]:
    del c[0]
    return c


def delete_and_renumber(c: list[bytes]) -> list[bytes]:
    # remove entry 3 and renumber the rest so seq runs on: only the chain shows it
    del c[2]
    for i in range(2, len(c)):
        c[i] = rehash(c[i], seq=i + 1)
    return c


def swap(c: list[bytes]) -> list[bytes]:
    c[1], c[2] = c[2], c[1]
    return c


def move_to_end(c: list[bytes]) -> list[bytes]:
    c.append(c.pop(1))
    return c


def duplicate(c: list[bytes]) -> list[bytes]:
    c.insert(3, c[2])
    return c


def truncate_tail(c: list[bytes]) -> list[bytes]:
    c[-1] = c[-1][:40]
    return c


def strip_final_newline(c: list[bytes]) -> list[bytes]:
    c[-1] = c[-1].rstrip(b"\n")
    return c


def garbage_line(c: list[bytes]) -> list[bytes]:
    c[4] = b"this is not json\n"
    return c


def blank_line(c: list[bytes]) -> list[bytes]:
    c.insert(2, b"\n")
    return c


def missing_field(c: list[bytes]) -> list[bytes]:
    entry = json.loads(c[1])
    del entry["ts"]
    c[1] = canonical_json(entry) + b"\n"
    return c


def duplicate_key(c: list[bytes]) -> list[bytes]:
    c[1] = c[1][:-2] + b',"seq":99}\n'
    return c


def forged_genesis(c: list[bytes]) -> list[bytes]:
    c[0] = rehash(c[0], prev="1" * 64)
    return c


def insert_forged_entry(c: list[bytes]) -> list[bytes]:
    forged = rehash(c[2], event={"action": "totp.unlock", "who": "mallory"})
    c.insert(3, forged)
    return c


TAMPERING = {
    "fail_edited_value": (edit_value, 3, Fault.EDITED),
    "fail_edited_and_rehashed": (edit_and_rehash, 3, Fault.EDITED),
    "fail_edited_timestamp_rehashed": (edit_timestamp_and_rehash, 4, Fault.EDITED),
    "fail_whitespace_changed": (edit_whitespace, 2, Fault.EDITED),
    "fail_deleted_middle": (delete_middle, 4, Fault.DELETED),
    "fail_deleted_first": (delete_first, 1, Fault.DELETED),
    "fail_deleted_and_renumbered": (delete_and_renumber, 2, Fault.EDITED),
    "fail_swapped": (swap, 2, Fault.REORDERED),
    "fail_moved_to_end": (move_to_end, 2, Fault.REORDERED),
    "fail_duplicated": (duplicate, 4, Fault.REORDERED),
    "fail_inserted_forgery": (insert_forged_entry, 4, Fault.REORDERED),
    "fail_truncated_tail": (truncate_tail, ENTRIES, Fault.TRUNCATED),
    "fail_final_newline_missing": (strip_final_newline, ENTRIES, Fault.TRUNCATED),
    "fail_garbage_line": (garbage_line, 5, Fault.BAD_JSON),
    "fail_blank_line": (blank_line, 3, Fault.BAD_JSON),
    "fail_missing_field": (missing_field, 2, Fault.BAD_JSON),
    "fail_duplicate_key": (duplicate_key, 2, Fault.BAD_JSON),
    "fail_forged_genesis": (forged_genesis, 1, Fault.EDITED),
}


@pytest.mark.parametrize(("tamper", "line", "fault"), TAMPERING.values(), ids=TAMPERING.keys())
def test_tampering_is_found_and_named(tamper, line, fault, log_path):
    write(log_path, tamper(lines(log_path)))
    result = verify(log_path)
    assert (result.ok, result.line, result.fault) == (False, line, fault), result.detail
    assert result.detail


def test_removed_tail_is_found_with_an_anchor(log_path):
    anchor = (verify(log_path).head_seq, verify(log_path).head_hash)
    write(log_path, lines(log_path)[:-2])
    assert verify(log_path).ok  # a shorter chain is a valid chain by itself
    result = verify(log_path, anchor=anchor)
    assert (result.ok, result.fault, result.line) == (False, Fault.DELETED, ENTRIES - 1)


def test_anchor_detects_a_rewritten_history(log_path):
    anchor = (3, json.loads(lines(log_path)[2])["hash"])
    content = lines(log_path)[:2]
    tail = rehash(lines(log_path)[2], event={"who": "mallory"})
    write(log_path, content + [tail])
    result = verify(log_path, anchor=anchor)
    assert (result.ok, result.fault, result.line) == (False, Fault.EDITED, 3)
    assert verify(log_path, anchor=(2, json.loads(content[1])["hash"])).ok


# --- appending ------------------------------------------------------------------------------------


@pytest.mark.parametrize("tamper", [truncate_tail, strip_final_newline, edit_value],
                         ids=["fail_partial_last_line", "fail_no_final_newline", "fail_edited_last"])
def test_append_refuses_a_damaged_tail(tamper, log_path):
    content = lines(log_path)
    if tamper is edit_value:
        content[-1] = content[-1].replace(b'"decision":"allow"', b'"decision":"deny"')
    else:
        content = tamper(content)
    write(log_path, content)
    with pytest.raises(AuditError, match="audit verify"):
        AuditLog(log_path).append({"action": "x"})
    assert lines(log_path) == content


@pytest.mark.parametrize("event", [{"x": float("nan")}, {"x": object()}, {1: "a"}, ["not", "a", "mapping"]],
                         ids=["fail_nan", "fail_object", "fail_int_key", "fail_list"])
def test_append_refuses_non_json_events(event, tmp_path):
    with pytest.raises(ValueError):
        AuditLog(tmp_path / "a.log").append(event)


def test_entries_larger_than_the_read_chunk_chain(tmp_path):
    log = AuditLog(tmp_path / "big.log", fsync=False)
    log.append({"blob": "x" * 200_000})
    log.append({"blob": "y" * 70_000})
    log.append({"small": 1})
    assert verify(tmp_path / "big.log").entries == 3


def test_unreadable_log_raises(tmp_path):
    with pytest.raises(AuditError):
        verify(tmp_path / "missing.log")
    with pytest.raises(AuditError):
        verify(tmp_path)


def test_append_into_missing_directory_raises(tmp_path):
    with pytest.raises(AuditError, match="cannot open"):
        AuditLog(tmp_path / "no" / "such" / "audit.log").append({"a": 1})


def _writer(path: str, name: str, count: int, barrier) -> None:
    log = AuditLog(path)
    barrier.wait()
    for i in range(count):
        log.append({"writer": name, "i": i})


def test_two_processes_writing_1000_entries_each_keep_one_chain(tmp_path):
    path = str(tmp_path / "audit.log")
    barrier = FORK.Barrier(2)
    writers = [FORK.Process(target=_writer, args=(path, name, 1000, barrier)) for name in ("a", "b")]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
    assert [w.exitcode for w in writers] == [0, 0]
    result = verify(path)
    assert (result.ok, result.entries) == (True, 2000), result.detail
    events = [json.loads(line)["event"] for line in lines(path)]
    assert {(e["writer"], e["i"]) for e in events} == {(w, i) for w in "ab" for i in range(1000)}
    # each writer's own entries stay in its order; the two interleave
    for name in "ab":
        assert [e["i"] for e in events if e["writer"] == name] == list(range(1000))
