"""`dpaguard token|totp|audit`: exit codes 0/1/2, one line per error, never a traceback, and every
decision in the audit log."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time

import pyotp
import pytest

from dpaguard.cli import main
from dpaguard.gate.audit import verify
from dpaguard.gate.totp import generate_key
from tests.gate.helpers import AUDIENCE, TENANT, claims_v1


@pytest.fixture(autouse=True)
def workdir(tmp_path, monkeypatch):
    """Every run writes into tmp: defaults resolve against the working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DPAGUARD_AUDIT_LOG", raising=False)
    monkeypatch.delenv("DPAGUARD_TOTP_STORE", raising=False)
    monkeypatch.setenv("DPAGUARD_TOTP_KEY", generate_key())
    return tmp_path


def audit_events(path="out/audit.log") -> list[dict]:
    assert verify(path).ok
    return [json.loads(line)["event"] for line in open(path, "rb")]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def fresh_token(keys, **overrides) -> str:
    now = int(time.time())
    return keys.token(claims_v1(iat=now - 60, nbf=now - 60, exp=now + 3600, **overrides))


def token_args(token: str, jwks_file, *extra: str) -> list[str]:
    return ["token", "verify", "--token", token, "--tenant", TENANT, "--audience", AUDIENCE,
            "--jwks", str(jwks_file), "--require-mfa", "--role", "Runbook.Operator", *extra]


# --- token verify ---------------------------------------------------------------------------------


def test_allowed_token_exits_0_and_is_logged(capsys, keys, jwks_file):
    code, out, err = run(capsys, *token_args(fresh_token(keys), jwks_file, "--source-ip", "10.20.0.9",
                                                 "--vpn-pool", "10.20.0.0/24"))
    assert (code, err) == (0, "")
    assert out.startswith("allowed: ola.nordmann@example.no: token valid")
    [event] = audit_events()
    assert {k: event[k] for k in ("action", "decision", "reason_code", "who", "source_ip", "tenant")} == {
        "action": "token.verify", "decision": "allow", "reason_code": "allowed",
        "who": "ola.nordmann@example.no", "source_ip": "10.20.0.9", "tenant": TENANT}
    assert event["origin"]["host"]


DENIED = {
    "fail_no_mfa": (dict(amr=["pwd"]), (), "mfa_required"),
    "fail_no_role": (dict(roles=["Reader"]), (), "role_required"),
    "fail_outside_vpn": ({}, ("--source-ip", "192.0.2.1", "--vpn-pool", "10.20.0.0/24"), "source_not_allowed"),
    "fail_wrong_audience": (dict(aud="api://other"), (), "wrong_audience"),
}


@pytest.mark.parametrize(("claims", "extra", "reason"), DENIED.values(), ids=DENIED.keys())
def test_denied_token_exits_1_with_one_line(claims, extra, reason, capsys, keys, jwks_file):
    code, out, err = run(capsys, *token_args(fresh_token(keys, **claims), jwks_file, *extra))
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and err.startswith(f"dpaguard: error: token denied ({reason}): ")
    assert [(e["decision"], e["reason_code"]) for e in audit_events()] == [("deny", reason)]


@pytest.mark.parametrize("token", ["garbage", "", "a.b.c", "x" * 100_000, "\u00e4.\u00f6.\u00fc"],
                         ids=["fail_garbage", "fail_empty", "fail_three_junk_segments", "fail_huge", "fail_unicode"])
def test_garbage_tokens_are_denials_not_crashes(token, capsys, jwks_file):
    code, _, err = run(capsys, *token_args(token, jwks_file))
    assert code == 1 and err.startswith("dpaguard: error: token denied (")
    assert audit_events()[0]["who"] == "unknown"


def test_token_from_stdin(capsys, keys, jwks_file, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(fresh_token(keys) + "\n"))
    assert run(capsys, *token_args("-", jwks_file))[0] == 0


def test_json_output(capsys, keys, jwks_file):
    code, out, _ = run(capsys, *token_args(fresh_token(keys, amr=["pwd"]), jwks_file, "--json"))
    decision = json.loads(out)
    assert (code, decision["allowed"], decision["reason_code"], decision["oid"]) == (
        1, False, "mfa_required", "11111111-2222-3333-4444-555555555555")


BAD_INVOCATIONS = {
    "fail_bad_cidr": ("--source-ip", "10.0.0.1", "--vpn-pool", "10.0.0.0/33"),
    "fail_cidr_host_bits": ("--source-ip", "10.0.0.1", "--vpn-pool", "10.0.0.1/24"),
    "fail_pool_without_source": ("--vpn-pool", "10.0.0.0/24"),
    "fail_bad_source_ip": ("--source-ip", "10.0.0.300"),
    "fail_bad_auth_context": ("--auth-context", "mfa"),
    "fail_bad_leeway": ("--leeway", "9999"),
    "fail_leeway_not_int": ("--leeway", "a"),
}


@pytest.mark.parametrize("extra", BAD_INVOCATIONS.values(), ids=BAD_INVOCATIONS.keys())
def test_bad_invocations_exit_2(extra, capsys, keys, jwks_file):
    code, out, err = run(capsys, *token_args(fresh_token(keys), jwks_file, *extra))
    assert (code, out) == (2, "") and err.count("\n") == 1 and err.startswith("dpaguard: error: ")
    assert not os.path.exists("out/audit.log")


@pytest.mark.parametrize("jwks", ["missing.json", "http://login.microsoftonline.com/keys", "https://"],
                         ids=["fail_missing_file", "fail_plain_http", "fail_unreachable_url"])
def test_unusable_jwks_exits_2(jwks, capsys, keys):
    args = ["token", "verify", "--token", fresh_token(keys), "--tenant", TENANT, "--audience", AUDIENCE,
            "--jwks", jwks]
    code, _, err = run(capsys, *args)
    assert code == 2 and err.startswith("dpaguard: error: ") and err.count("\n") == 1


def test_bad_tenant_exits_2(capsys, keys, jwks_file):
    args = token_args(fresh_token(keys), jwks_file)
    args[args.index(TENANT)] = "not-a-guid"
    assert run(capsys, *args)[0] == 2


def test_unwritable_audit_log_fails_closed(capsys, keys, jwks_file, tmp_path):
    code, out, err = run(capsys, *token_args(fresh_token(keys), jwks_file, "--audit-log", str(tmp_path)))
    assert (code, out) == (2, "")
    assert "not recorded, so not granted" in err


def test_audit_log_from_environment(capsys, keys, jwks_file, monkeypatch, tmp_path):
    monkeypatch.setenv("DPAGUARD_AUDIT_LOG", str(tmp_path / "env.log"))
    run(capsys, *token_args(fresh_token(keys), jwks_file))
    assert [e["decision"] for e in audit_events(tmp_path / "env.log")] == ["allow"]


def test_no_traceback_in_a_real_process(jwks_file, tmp_path):
    env = {**os.environ, "DPAGUARD_AUDIT_LOG": str(tmp_path / "p.log")}
    proc = subprocess.run(
        [sys.executable, "-m", "dpaguard", *token_args("e30.e30.e30", jwks_file)],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("dpaguard: error: token denied (alg_not_allowed)")


# --- totp -----------------------------------------------------------------------------------------


def enroll(capsys, user="ola", *extra) -> str:
    code, out, _ = run(capsys, "totp", "enroll", "--user", user, *extra)
    assert code == 0
    return out.splitlines()[0]


def test_enroll_then_verify_once(capsys):
    uri = enroll(capsys)
    assert uri.startswith("otpauth://totp/dpa-guard:ola?") and os.path.exists("out/totp.store")
    code = pyotp.parse_uri(uri).now()
    assert run(capsys, "totp", "verify", "--user", "ola", "--code", code)[:2] == (0, "accepted: TOTP code for ola\n")
    replay, _, err = run(capsys, "totp", "verify", "--user", "ola", "--code", code)
    assert replay == 1 and err.startswith("dpaguard: error: TOTP code refused for ola (replay)")
    assert [(e["action"], e["decision"], e.get("reason_code")) for e in audit_events()] == [
        ("totp.enroll", "done", None), ("totp.verify", "allow", "accepted"), ("totp.verify", "deny", "replay")]


def test_enroll_with_qr(capsys):
    code, out, _ = run(capsys, "totp", "enroll", "--user", "ola", "--qr")
    assert code == 0 and out.startswith("otpauth://") and "\u2588" in out


def test_enroll_twice_needs_force(capsys):
    enroll(capsys)
    code, _, err = run(capsys, "totp", "enroll", "--user", "ola")
    assert code == 1 and "--force" in err
    assert run(capsys, "totp", "enroll", "--user", "ola", "--force")[0] == 0


@pytest.mark.parametrize("code", ["１２３４５６", "12345", "123456 ", "abcdef"],
                         ids=["fail_fullwidth", "fail_short", "fail_space", "fail_letters"])
def test_malformed_codes_are_refused(code, capsys):
    enroll(capsys)
    status, _, err = run(capsys, "totp", "verify", "--user", "ola", "--code", code)
    assert status == 1 and "(bad_format)" in err


def test_code_from_stdin(capsys, monkeypatch):
    uri = enroll(capsys)
    monkeypatch.setattr(sys, "stdin", io.StringIO(pyotp.parse_uri(uri).now() + "\n"))
    assert run(capsys, "totp", "verify", "--user", "ola", "--code", "-")[0] == 0


def test_missing_key_exits_2(capsys, monkeypatch):
    monkeypatch.delenv("DPAGUARD_TOTP_KEY")
    code, _, err = run(capsys, "totp", "enroll", "--user", "ola")
    assert code == 2 and "DPAGUARD_TOTP_KEY" in err


def test_wrong_key_exits_2(capsys, monkeypatch):
    enroll(capsys)
    monkeypatch.setenv("DPAGUARD_TOTP_KEY", generate_key())
    code, _, err = run(capsys, "totp", "verify", "--user", "ola", "--code", "123456")
    assert code == 2 and "wrong key" in err


def test_keygen_and_key_file(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("DPAGUARD_TOTP_KEY")
    key_file = str(tmp_path / "totp.key")
    assert run(capsys, "totp", "keygen", "--key-file", key_file)[0] == 0
    assert run(capsys, "totp", "keygen", "--key-file", key_file)[0] == 2
    store = str(tmp_path / "s.store")
    uri = enroll(capsys, "kari", "--key-file", key_file, "--store", store)
    code = pyotp.parse_uri(uri).now()
    assert run(capsys, "totp", "verify", "--user", "kari", "--code", code, "--key-file", key_file,
               "--store", store)[0] == 0


def test_unlock(capsys):
    enroll(capsys)
    assert run(capsys, "totp", "unlock", "--user", "ola")[0] == 0
    assert run(capsys, "totp", "unlock", "--user", "kari")[0] == 1


@pytest.mark.parametrize("user", ["", "a b", "../../etc"], ids=["fail_empty", "fail_space", "fail_traversal"])
def test_bad_user_exits_2(user, capsys):
    assert run(capsys, "totp", "enroll", "--user", user)[0] == 2


def test_store_in_missing_directory_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "totp", "enroll", "--user", "ola", "--store", str(tmp_path / "no" / "s"))
    assert code == 2 and err.startswith("dpaguard: error: cannot lock TOTP store")


# --- audit verify ---------------------------------------------------------------------------------


def test_audit_verify_intact_and_tampered(capsys):
    enroll(capsys)
    enroll(capsys, "kari")
    code, out, _ = run(capsys, "audit", "verify", "out/audit.log")
    assert code == 0 and out.startswith("audit log out/audit.log intact: 2 entries, head 2:")
    content = open("out/audit.log", "rb").read().replace(b"kari", b"mall", 1)
    open("out/audit.log", "wb").write(content)
    code, out, err = run(capsys, "audit", "verify", "out/audit.log")
    assert (code, out) == (1, "")
    assert err.startswith("dpaguard: error: audit log out/audit.log line 2: edited: ") and err.count("\n") == 1


def test_audit_verify_json_and_anchor(capsys):
    enroll(capsys)
    code, out, _ = run(capsys, "audit", "verify", "out/audit.log", "--json")
    head = json.loads(out)["head"]
    assert code == 0
    anchor = f"{head['seq'] + 1}:{head['hash']}"
    code, out, _ = run(capsys, "audit", "verify", "out/audit.log", "--anchor", anchor, "--json")
    assert (code, json.loads(out)["fault"]) == (1, "deleted")


@pytest.mark.parametrize("anchor", ["1", "x:abc", "0:" + "0" * 64, "1:" + "G" * 64],
                         ids=["fail_no_hash", "fail_not_number", "fail_seq_zero", "fail_not_hex"])
def test_bad_anchor_exits_2(anchor, capsys):
    enroll(capsys)
    assert run(capsys, "audit", "verify", "out/audit.log", "--anchor", anchor)[0] == 2


def test_unreadable_log_exits_2(capsys, tmp_path):
    assert run(capsys, "audit", "verify", str(tmp_path / "missing.log"))[0] == 2
    assert run(capsys, "audit", "verify", str(tmp_path))[0] == 2
