"""The TOTP store bound to the audit log (issue 11): every change is recorded first, with the
store's new generation; an older copy of the store, a deleted store, or a change whose record
cannot be written never takes effect."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyotp
import pytest

from dpaguard.gate.audit import AuditError, AuditLog
from dpaguard.gate.stack import AuditJournal
from dpaguard.gate.totp import Throttle, TotpReason, TotpStore, TotpStoreError

T0 = 1_750_000_020  # the start of a 30-second step
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
AUDIT_KEY = bytes(range(32))


def code_at(t: float, secret: str = SECRET) -> str:
    return pyotp.TOTP(secret).at(t)


class Env:
    def __init__(self, tmp_path: Path):
        self.witness = tmp_path / "witness"
        self.witness.mkdir()
        (tmp_path / "log").mkdir()  # apart from the witness: AuditLog refuses a checkpoint beside its log
        self.log = DiskFullLog(tmp_path / "log" / "audit.log", AUDIT_KEY, self.witness)
        self.path = tmp_path / "totp.store"
        self.key = os.urandom(32)

    def store(self) -> TotpStore:
        return TotpStore(self.path, self.key, journal=AuditJournal(self.log, "test"),
                         throttle=Throttle(max_failures=3, free_failures=5, base_delay=1.0))

    def break_audit(self) -> None:
        # appends fail from now on (a full disk); reading the log still works
        self.log.fail_appends = True

    def mend_audit(self) -> None:
        self.log.fail_appends = False


class DiskFullLog(AuditLog):
    """The real log, whose appends can be made to fail the way a full disk fails them."""

    fail_appends = False

    def append(self, event):
        if self.fail_appends:
            raise AuditError(f"cannot append to audit log {self.path}: No space left on device")
        return super().append(event)


@pytest.fixture
def env(tmp_path) -> Env:
    env = Env(tmp_path)
    env.store().enroll("ola", secret=SECRET)
    return env


def test_every_change_is_recorded_with_its_generation(env):
    store = env.store()
    assert store.verify("ola", code_at(T0), now=T0).allowed
    assert not store.verify("ola", "000000", now=T0 + 60).allowed
    assert store.verify("ola", "12345", now=T0).reason_code is TotpReason.BAD_FORMAT
    events = [(e["action"], e.get("decision"), e.get("totp_generation")) for e in _events(env)]
    assert events == [("totp.enroll", "done", 1), ("totp.verify", "allow", 2), ("totp.verify", "deny", 3),
                      ("totp.verify", "deny", None)]


def _events(env: Env) -> list[dict]:
    import json

    return [json.loads(line)["event"] for line in Path(env.log.path).read_bytes().splitlines()]


def test_older_copy_that_undoes_a_lockout_is_refused(env, tmp_path):
    before = tmp_path / "copy"
    shutil.copy(env.path, before)
    store = env.store()
    for i in range(3):
        store.verify("ola", "000000", now=T0 + 100 * i)
    assert store.verify("ola", code_at(T0 + 400), now=T0 + 400).reason_code is TotpReason.LOCKED
    shutil.copy(before, env.path)  # the lockout rolled back
    with pytest.raises(TotpStoreError, match="rollback"):
        env.store().verify("ola", code_at(T0 + 400), now=T0 + 400)


def test_older_copy_that_re_enables_a_used_code_is_refused(env, tmp_path):
    before = tmp_path / "copy"
    shutil.copy(env.path, before)
    assert env.store().verify("ola", code_at(T0), now=T0).allowed
    shutil.copy(before, env.path)
    with pytest.raises(TotpStoreError, match="generation 1, but the audit log records generation 2"):
        env.store().verify("ola", code_at(T0), now=T0)


def test_deleted_store_is_refused(env):
    env.path.unlink()
    with pytest.raises(TotpStoreError, match="missing, but the audit log records generation 1"):
        env.store().enroll("mallory")


def test_unreadable_witness_is_refused_before_anything_changes(env):
    env.witness.rename(env.witness.with_name("elsewhere"))
    before = env.path.read_bytes()
    with pytest.raises(AuditError, match="has no checkpoint"):
        env.store().unlock("ola")
    assert env.path.read_bytes() == before


def test_store_under_another_log_is_refused(env, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "w").mkdir()
    (other / "log").mkdir()
    journal = AuditJournal(AuditLog(other / "log" / "audit.log", AUDIT_KEY, other / "w"), "test")
    with pytest.raises(TotpStoreError, match="records generation 0"):
        TotpStore(env.path, env.key, journal=journal).verify("ola", code_at(T0), now=T0)


def test_unlock_changes_nothing_when_the_audit_write_fails(env):
    store = env.store()
    for i in range(3):
        store.verify("ola", "000000", now=T0 + 100 * i)
    locked = env.path.read_bytes()
    env.break_audit()
    with pytest.raises(AuditError, match="No space left on device"):
        store.unlock("ola")
    assert env.path.read_bytes() == locked
    env.mend_audit()
    assert store.verify("ola", code_at(T0 + 400), now=T0 + 400).reason_code is TotpReason.LOCKED


def test_forced_enroll_keeps_the_working_secret_when_the_audit_write_fails(env):
    store = env.store()
    env.break_audit()
    with pytest.raises(AuditError):
        store.enroll("ola", replace=True)
    env.mend_audit()
    assert store.verify("ola", code_at(T0), now=T0).allowed  # the old secret still works


def test_verify_changes_nothing_when_the_audit_write_fails(env):
    store = env.store()
    env.break_audit()
    with pytest.raises(AuditError):
        store.verify("ola", code_at(T0), now=T0)
    env.mend_audit()
    assert store.verify("ola", code_at(T0), now=T0).allowed  # not consumed by the unrecorded attempt


def test_failed_store_write_is_recorded_as_aborted(env, monkeypatch):
    store = env.store()

    from dpaguard.errors import InputError
    from dpaguard.gate import totp as totp_module

    def disk_full(path, data):
        raise InputError(f"cannot write {path}: No space left on device")

    monkeypatch.setattr(totp_module, "atomic_write", disk_full)
    with pytest.raises(TotpStoreError, match="No space left"):
        store.verify("ola", code_at(T0), now=T0)
    monkeypatch.undo()
    assert [e["action"] for e in _events(env)][-2:] == ["totp.verify", "totp.abort"]
    assert store.verify("ola", code_at(T0), now=T0).allowed  # the store is usable, not a "rollback"
