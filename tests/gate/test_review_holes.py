"""Holes a hostile review found in the gate after issue 11 (each test failed before its fix).

- the audit log's `origin.os_user` came from $USER/$LOGNAME (getpass), so a caller could put
  another person's name on a decision;
- a checkpoint directory that *contains* the log's directory, or a symlink to it, passed: one
  `rm -r` (or one write permission) removes log and checkpoint together;
- refusals that are exit 2 (an unreadable key file, a rolled-back store) were not logged by
  `token verify` / `totp verify`;
- `audit keygen --key-file ''` said the file "exists"; `JwksSource.from_file` blocked on a FIFO.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pyotp
import pytest

from dpaguard.cli import main
from dpaguard.errors import InputError
from dpaguard.gate import keys as keyfiles
from dpaguard.gate.audit import AuditError, AuditLog, origin, verify
from dpaguard.gate.jwks import JwksError, JwksSource
from dpaguard.gate.stack import load_trust
from tests.gate.project import OUS, OUS_BREAK_GLASS_USER, Project, make_project


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def events(project: Project) -> list[dict]:
    result = verify(project.audit_log, project.audit_key, checkpoints=project.checkpoints)
    assert result.ok, result.detail
    return [json.loads(line)["event"] for line in project.audit_log.read_bytes().splitlines()]


# ------------------------------------------------------------------ who is named in the log


def test_origin_user_is_the_account_not_what_the_environment_claims(monkeypatch):
    account = subprocess.run(["id", "-un"], capture_output=True, text=True, check=True).stdout.strip()
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(name, "someone-else")
    assert origin()["os_user"] == account


# ------------------------------------------------------------------ checkpoints in a second place


def test_checkpoint_directory_above_the_log_is_refused(tmp_path):
    # the log lives in tmp_path/b/state; a checkpoint directory tmp_path/b holds the log's directory
    project = make_project(tmp_path / "b", gate={"auditCheckpoints": str(tmp_path / "b")})
    with pytest.raises(InputError) as raised:
        load_trust(project.root, OUS)
    assert "auditCheckpoints" in raised.value.message
    assert "\n" not in raised.value.message


def test_checkpoint_directory_that_links_to_the_log_directory_is_refused(tmp_path):
    key = b"k" * 32
    logs = tmp_path / "logs"
    logs.mkdir()
    (tmp_path / "witness").symlink_to(logs, target_is_directory=True)
    log = AuditLog(logs / "audit.log", key, tmp_path / "witness")
    with pytest.raises(AuditError) as raised:
        log.append({"action": "x"})
    assert raised.value.message == (f"audit checkpoint directory {tmp_path / 'witness'} is the log's directory "
                                    f"{logs} or holds it: log and checkpoint would go together")
    assert not (logs / "audit.log").exists()


def test_checkpoint_directory_inside_the_log_directory_via_symlink_is_refused(tmp_path):
    key = b"k" * 32
    logs = tmp_path / "logs"
    (logs / "cp").mkdir(parents=True)
    (tmp_path / "witness").symlink_to(logs / "cp", target_is_directory=True)
    log = AuditLog(logs / "audit.log", key, tmp_path / "witness")
    with pytest.raises(AuditError) as raised:
        log.append({"action": "x"})
    assert raised.value.message == (f"audit checkpoint directory {tmp_path / 'witness'} lies inside the log's "
                                    f"directory {logs}: log and checkpoint would go together")


# ------------------------------------------------------------------ refusals with exit 2 are logged too


@pytest.fixture
def project(tmp_path, monkeypatch) -> Project:
    project = make_project(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DPAGUARD_TOTP_KEY", raising=False)
    return project


def test_token_verify_with_an_unreadable_key_file_is_logged(project, capsys):
    code, _, err = run(capsys, "token", "verify", "--stack", OUS, "--root", str(project.root),
                       "--token", "a.b.c", "--jwks", "/dev/zero")
    assert (code, err) == (2, "dpaguard: error: cannot read JWKS file /dev/zero: not a regular file\n")
    assert [(e["action"], e["decision"], e["reason"]) for e in events(project)] == [
        ("token.verify", "deny", "cannot read JWKS file /dev/zero: not a regular file")]


def test_totp_verify_of_a_rolled_back_store_is_logged(project, capsys, tmp_path):
    user = ("--stack", OUS, "--root", str(project.root), "--user", OUS_BREAK_GLASS_USER,
            "--key-file", str(project.totp_key_file))
    assert run(capsys, "totp", "enroll", *user)[0] == 0
    shutil.copy(project.totp_store, tmp_path / "old.store")
    assert run(capsys, "totp", "verify", *user, "--code", "000000")[0] == 1
    shutil.copy(tmp_path / "old.store", project.totp_store)
    code, _, err = run(capsys, "totp", "verify", *user, "--code", "000000")
    assert code == 2
    assert err.count("\n") == 1 and "rollback" in err
    last = events(project)[-1]
    assert (last["action"], last["decision"], last["who"]) == ("totp.verify", "deny", OUS_BREAK_GLASS_USER)
    assert "rollback" in last["reason"]


def test_totp_verify_with_an_unreadable_key_file_is_logged(project, capsys):
    code, _, err = run(capsys, "totp", "verify", "--stack", OUS, "--root", str(project.root),
                       "--user", OUS_BREAK_GLASS_USER, "--key-file", "/dev/zero", "--code", "123456")
    assert (code, err) == (2, "dpaguard: error: TOTP key file /dev/zero is not a regular file\n")
    assert [(e["action"], e["decision"], e["reason"]) for e in events(project)] == [
        ("totp.verify", "deny", "TOTP key file /dev/zero is not a regular file")]


# ------------------------------------------------------------------ odd paths


@pytest.mark.parametrize("argv", [["audit", "keygen"], ["totp", "keygen"]])
def test_keygen_to_an_empty_path_is_a_usage_error(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, *argv, "--key-file", "")
    assert (code, err) == (2, "dpaguard: error: --key-file is empty; give a path\n")
    assert sorted(os.listdir(tmp_path)) == []


def test_keygen_onto_a_directory_says_so(tmp_path, capsys):
    code, _, err = run(capsys, "audit", "keygen", "--key-file", str(tmp_path))
    assert (code, err) == (2, f"dpaguard: error: cannot create audit key file {tmp_path}: it is a directory\n")
    with pytest.raises(keyfiles.KeyFileError):
        keyfiles.write_key_file(tmp_path, "key file")


def _release(fifo) -> None:
    """Open the FIFO's writing end once, so a reader blocked in open() returns; never blocks itself."""
    with contextlib.suppress(OSError):
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def test_jwks_from_a_fifo_does_not_block(tmp_path):
    fifo = tmp_path / "jwks.json"
    os.mkfifo(fifo)
    outcome: list[BaseException | JwksSource] = []

    def load() -> None:
        try:
            outcome.append(JwksSource.from_file(fifo))
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(5)
    if thread.is_alive():
        _release(fifo)
        pytest.fail("JwksSource.from_file blocked on a FIFO")
    assert len(outcome) == 1 and isinstance(outcome[0], JwksError)
    assert str(outcome[0]) == f"cannot read JWKS file {fifo}: not a regular file"


# ------------------------------------------------------------------ symlinks planted where the gate writes


def test_audit_log_that_is_a_symlink_is_not_appended_through(tmp_path_factory, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "audit.log").symlink_to(victim)
    log = AuditLog(logs / "audit.log", b"k" * 32, tmp_path_factory.mktemp("witness"))
    with pytest.raises(AuditError) as raised:
        log.append({"action": "x"})
    assert raised.value.message == f"cannot open audit log {logs / 'audit.log'}: it is a symbolic link"
    assert victim.read_text() == "precious\n"


def test_totp_lock_file_that_is_a_symlink_is_not_followed(tmp_path):
    from dpaguard.gate.totp import TotpStore, TotpStoreError

    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (tmp_path / "totp.store.lock").symlink_to(victim)
    store = TotpStore(tmp_path / "totp.store", b"s" * 32)
    with pytest.raises(TotpStoreError) as raised:
        store.enroll("ola")
    assert raised.value.message == f"cannot lock TOTP store {tmp_path / 'totp.store'}: it is a symbolic link"
    assert not (tmp_path / "totp.store").exists()


# ------------------------------------------------------------------ a FIFO where the log should be


def test_audit_verify_of_a_fifo_is_exit_2_not_a_hang(tmp_path):
    fifo = tmp_path / "audit.log"
    os.mkfifo(fifo)
    key_file = tmp_path / "audit.key"
    keyfiles.write_key_file(key_file, "audit key")
    dpaguard = os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "..", ".venv", "bin", "dpaguard")
    try:
        done = subprocess.run([dpaguard, "audit", "verify", str(fifo), "--key-file", str(key_file)],
                              capture_output=True, text=True, timeout=20, check=False)
    except subprocess.TimeoutExpired:  # run() has killed it
        pytest.fail("`dpaguard audit verify FIFO` blocked")
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", f"dpaguard: error: cannot read audit log {fifo}: not a regular file\n")


def test_last_event_from_a_fifo_is_refused_not_a_hang(tmp_path_factory, tmp_path):
    fifo = tmp_path / "audit.log"
    os.mkfifo(fifo)
    log = AuditLog(fifo, b"k" * 32, tmp_path_factory.mktemp("witness"))
    outcome: list[BaseException | object] = []

    def read() -> None:
        try:
            outcome.append(log.last_event(lambda e: True))
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    thread.join(5)
    if thread.is_alive():
        _release(fifo)
        pytest.fail("AuditLog.last_event blocked on a FIFO")
    assert len(outcome) == 1 and isinstance(outcome[0], AuditError)
    assert str(outcome[0]) == f"cannot read audit log {fifo}: not a regular file"


# ------------------------------------------------------------------ enroll --force where nobody sees the new secret


DPAGUARD = str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "dpaguard")


@pytest.mark.parametrize("redirect", [">/dev/full", ">&-", ">/dev/null"])
def test_forced_enroll_whose_new_secret_cannot_be_shown_keeps_the_old_one(project, capsys, redirect):
    user = ["--stack", OUS, "--root", str(project.root), "--user", OUS_BREAK_GLASS_USER,
            "--key-file", str(project.totp_key_file)]
    code, out, _ = run(capsys, "totp", "enroll", *user)
    assert code == 0
    old = pyotp.parse_uri(out.strip())
    done = subprocess.run(["sh", "-c", f'exec "$@" {redirect}', "sh", DPAGUARD, "totp", "enroll", *user, "--force"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("dpaguard: error: ") and "nothing enrolled" in done.stderr
    # the working secret still works
    assert run(capsys, "totp", "verify", *user, "--code", old.now())[0] == 0


def test_a_mistyped_checkpoint_directory_is_exit_2_not_tampering(tmp_path, tmp_path_factory, capsys):
    key_file = tmp_path / "audit.key"
    key = keyfiles.write_key_file(key_file, "audit key")
    logs = tmp_path / "logs"
    logs.mkdir()
    witness = tmp_path_factory.mktemp("witness")
    AuditLog(logs / "audit.log", key, witness).append({"action": "x"})
    code, out, err = run(capsys, "audit", "verify", str(logs / "audit.log"), "--key-file", str(key_file),
                         "--checkpoints", str(witness) + "-typo")
    assert (code, out, err) == (2, "", f"dpaguard: error: --checkpoints {witness}-typo is not a directory\n")
    assert run(capsys, "audit", "verify", str(logs / "audit.log"), "--key-file", str(key_file),
               "--checkpoints", str(witness))[0] == 0


# ------------------------------------------------------------------ `-` with stdin closed


@pytest.mark.parametrize("command, argv", [
    (["totp", "verify"], ["--user", OUS_BREAK_GLASS_USER, "--code", "-"]),
    (["token", "verify"], ["--token", "-"]),
    (["deploy"], ["--token", "-", "--dry-run"]),
])
def test_reading_a_closed_stdin_is_one_line_exit_2(project, command, argv):
    done = subprocess.run(["sh", "-c", 'exec "$@" <&-', "sh", DPAGUARD, *command, "--stack", OUS,
                           "--root", str(project.root), *argv],
                          capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert done.stderr == "dpaguard: error: stdin is closed: nothing to read for `-`\n"


# ------------------------------------------------------------------ the audit key inside the repository


def test_audit_key_file_inside_the_project_is_refused(tmp_path):
    project = make_project(tmp_path / "b", gate={"auditKeyFile": str(tmp_path / "b" / "project" / "audit.key")})
    shutil.copy(tmp_path / "b" / "secrets" / "audit.key", tmp_path / "b" / "project" / "audit.key")
    with pytest.raises(InputError) as raised:
        load_trust(project.root, OUS)
    assert raised.value.message == (
        f"gate.auditKeyFile {tmp_path / 'b' / 'project' / 'audit.key'} of stack {OUS} lies inside the project "
        f"{project.root}: whoever has the repository could forge the log; keep the key outside it")


# ------------------------------------------------------------------ control characters the caller put in a path


def test_a_newline_in_a_path_stays_on_the_one_error_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "audit", "verify", "audit.log", "--key-file", "a\nb\x1b[2J")
    assert (code, out, err) == (2, "", "dpaguard: error: cannot read audit key file a\\nb\\x1b[2J: "
                                       "No such file or directory\n")
    # printable non-ASCII (Norwegian names in stack files) is left alone
    code, out, err = run(capsys, "audit", "verify", "audit.log", "--key-file", "nøkkel")
    assert err == "dpaguard: error: cannot read audit key file nøkkel: No such file or directory\n"
