"""`dpaguard.gate.audit`: every kind of tampering is found and named, re-computed macs under any
other key included; the checkpoint shows a cut tail or a deleted log; concurrent writers keep one
chain (OUS-6.b)."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat

import pytest

from dpaguard.gate._strict import canonical_json
from dpaguard.gate.audit import GENESIS, AuditError, AuditLog, Fault, checkpoint_path, entry_mac
from dpaguard.gate.audit import verify as verify_log

FORK = multiprocessing.get_context("fork")
ENTRIES = 6
KEY = bytes(range(32))  # the writer's key
ATTACKER_KEY = bytes(range(1, 33))  # any other key: what someone without the writer's key can use


class Ticks:
    def __init__(self):
        self.t = 1_750_000_000.0

    def __call__(self) -> float:
        self.t += 1
        return self.t


@pytest.fixture(autouse=True)
def witness(tmp_path_factory) -> str:
    # a second place: not the logs' directory (tmp_path), nor inside it (AuditLog refuses both)
    return str(tmp_path_factory.mktemp("witness"))


def verify(path, **kwargs):
    return verify_log(path, KEY, **kwargs)


def new_log(path, witness_dir, **kwargs) -> AuditLog:
    return AuditLog(path, KEY, witness_dir, **kwargs)


@pytest.fixture
def log_path(tmp_path, witness) -> str:
    path = str(tmp_path / "audit.log")
    log = new_log(path, witness, clock=Ticks())
    for i in range(ENTRIES):
        log.append({"action": "token.verify", "decision": "allow" if i % 2 else "deny", "who": f"user{i}"})
    return path


def lines(path: str) -> list[bytes]:
    return open(path, "rb").read().splitlines(keepends=True)


def write(path: str, content: list[bytes]) -> None:
    open(path, "wb").write(b"".join(content))


def rehash(line: bytes, **changes) -> bytes:
    """The forger's move: change an entry and re-compute its mac (with the only key they have)."""
    entry = json.loads(line)
    entry.update(changes)
    entry["mac"] = entry_mac(ATTACKER_KEY, entry)
    return canonical_json(entry) + b"\n"


def test_intact_log_verifies(log_path):
    result = verify(log_path)
    assert (result.ok, result.entries, result.head_seq, result.fault, result.line) == (True, ENTRIES, ENTRIES, None, None)
    assert result.head_mac == json.loads(lines(log_path)[-1])["mac"]


def test_entries_chain_from_genesis(log_path):
    entries = [json.loads(line) for line in lines(log_path)]
    assert [e["seq"] for e in entries] == list(range(1, ENTRIES + 1))
    assert [e["prev"] for e in entries] == [GENESIS] + [e["mac"] for e in entries[:-1]]
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
    "fail_deleted_and_renumbered": (delete_and_renumber, 3, Fault.EDITED),
    "fail_swapped": (swap, 2, Fault.REORDERED),
    "fail_moved_to_end": (move_to_end, 2, Fault.REORDERED),
    "fail_duplicated": (duplicate, 4, Fault.REORDERED),
    "fail_inserted_forgery": (insert_forged_entry, 4, Fault.EDITED),
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


def test_sha256_rehash_forgery_is_found(log_path):
    # the attack on the old unkeyed chain: flip a deny to allow, re-hash it and every later entry
    import hashlib

    content = lines(log_path)
    prev = json.loads(content[1])["mac"]
    for i in range(2, len(content)):
        entry = json.loads(content[i])
        if i == 2:
            entry["event"]["decision"] = "allow"
        entry["prev"] = prev
        entry["mac"] = hashlib.sha256(canonical_json({k: v for k, v in entry.items() if k != "mac"})).hexdigest()
        prev = entry["mac"]
        content[i] = canonical_json(entry) + b"\n"
    write(log_path, content)
    result = verify(log_path)
    assert (result.ok, result.line, result.fault) == (False, 3, Fault.EDITED)


def test_removed_tail_is_found_by_the_checkpoint(log_path, witness):
    write(log_path, lines(log_path)[:-2])
    assert verify(log_path).ok  # a shorter chain is a valid chain by itself
    result = verify(log_path, checkpoints=witness)
    assert (result.ok, result.fault, result.line, result.checkpoint_seq) == (False, Fault.DELETED, ENTRIES - 1, ENTRIES)


def test_emptied_log_is_found_by_the_checkpoint(log_path, witness):
    write(log_path, [])
    result = verify(log_path, checkpoints=witness)
    assert (result.ok, result.fault, result.line) == (False, Fault.DELETED, 1)


def test_deleted_log_is_found_by_the_checkpoint(log_path, witness):
    os.unlink(log_path)
    result = verify(log_path, checkpoints=witness)
    assert (result.ok, result.fault, result.checkpoint_seq) == (False, Fault.DELETED, ENTRIES)


def test_deleted_checkpoint_is_found(log_path, witness):
    os.unlink(checkpoint_path(log_path, witness))
    result = verify(log_path, checkpoints=witness)
    assert (result.ok, result.fault) == (False, Fault.CHECKPOINT)


def test_forged_checkpoint_is_refused(log_path, witness):
    path = checkpoint_path(log_path, witness)
    doc = json.loads(path.read_bytes())
    doc["seq"] = 2
    doc["cmac"] = entry_mac(ATTACKER_KEY, {k: v for k, v in doc.items() if k != "cmac"})
    path.write_bytes(canonical_json(doc))
    with pytest.raises(AuditError, match="damaged or was not written with this key"):
        verify(log_path, checkpoints=witness)


def test_intact_log_matches_its_checkpoint(log_path, witness):
    result = verify(log_path, checkpoints=witness)
    assert (result.ok, result.checkpoint_seq) == (True, ENTRIES)


def test_append_refuses_a_log_cut_behind_its_checkpoint(log_path, witness):
    write(log_path, lines(log_path)[:-1])
    with pytest.raises(AuditError, match="entries were removed"):
        new_log(log_path, witness).append({"a": 1})


def test_append_needs_the_checkpoint_directory(tmp_path):
    with pytest.raises(AuditError, match="checkpoint directory"):
        new_log(tmp_path / "a.log", tmp_path / "nowhere").append({"a": 1})
    assert not (tmp_path / "a.log").exists()


def test_dev_zero_is_refused_not_read(witness):
    with pytest.raises(AuditError, match="not a regular file"):
        verify("/dev/zero")


def test_last_event_reads_backwards(log_path, witness):
    log = new_log(log_path, witness)
    assert log.last_event(lambda e: e["decision"] == "deny") == {
        "action": "token.verify", "decision": "deny", "who": "user4"}
    assert log.last_event(lambda e: e["who"] == "nobody") is None


# --- appending ------------------------------------------------------------------------------------


@pytest.mark.parametrize("tamper", [truncate_tail, strip_final_newline, edit_value],
                         ids=["fail_partial_last_line", "fail_no_final_newline", "fail_edited_last"])
def test_append_refuses_a_damaged_tail(tamper, log_path, witness):
    content = lines(log_path)
    if tamper is edit_value:
        content[-1] = content[-1].replace(b'"decision":"allow"', b'"decision":"deny"')
    else:
        content = tamper(content)
    write(log_path, content)
    with pytest.raises(AuditError, match="audit verify"):
        new_log(log_path, witness).append({"action": "x"})
    assert lines(log_path) == content


@pytest.mark.parametrize("event", [{"x": float("nan")}, {"x": object()}, {1: "a"}, ["not", "a", "mapping"]],
                         ids=["fail_nan", "fail_object", "fail_int_key", "fail_list"])
def test_append_refuses_non_json_events(event, tmp_path, witness):
    with pytest.raises(ValueError):
        new_log(tmp_path / "a.log", witness).append(event)


def test_entries_up_to_the_cap_chain_and_larger_are_refused(tmp_path, witness):
    log = new_log(tmp_path / "big.log", witness, fsync=False)
    log.append({"blob": "x" * 60_000})
    log.append({"blob": "y" * 63_000})
    log.append({"small": 1})
    with pytest.raises(ValueError, match="larger than"):
        log.append({"blob": "z" * 70_000})
    assert verify(tmp_path / "big.log", checkpoints=witness).entries == 3


def test_unreadable_log_raises(tmp_path):
    with pytest.raises(AuditError):
        verify(tmp_path / "missing.log")
    with pytest.raises(AuditError):
        verify(tmp_path)


def test_append_into_missing_directory_raises(tmp_path, witness):
    with pytest.raises(AuditError, match="cannot open"):
        new_log(tmp_path / "no" / "such" / "audit.log", witness).append({"a": 1})


def _writer(path: str, witness: str, name: str, count: int, barrier) -> None:
    log = new_log(path, witness)
    barrier.wait()
    for i in range(count):
        log.append({"writer": name, "i": i})


def test_two_processes_writing_1000_entries_each_keep_one_chain(tmp_path, witness):
    path = str(tmp_path / "audit.log")
    barrier = FORK.Barrier(2)
    writers = [FORK.Process(target=_writer, args=(path, witness, name, 1000, barrier)) for name in ("a", "b")]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
    assert [w.exitcode for w in writers] == [0, 0]
    result = verify(path, checkpoints=witness)
    assert (result.ok, result.entries, result.checkpoint_seq) == (True, 2000, 2000), result.detail
    events = [json.loads(line)["event"] for line in lines(path)]
    assert {(e["writer"], e["i"]) for e in events} == {(w, i) for w in "ab" for i in range(1000)}
    # each writer's own entries stay in its order; the two interleave
    for name in "ab":
        assert [e["i"] for e in events if e["writer"] == name] == list(range(1000))


def test_deeply_nested_line_is_bad_json_not_a_crash(log_path):
    content = lines(log_path)
    content.insert(2, b"[" * 60_000 + b"\n")  # within the line cap: the parser's depth is what is tested
    write(log_path, content)
    result = verify(log_path)
    assert (result.ok, result.line, result.fault) == (False, 3, Fault.BAD_JSON)
