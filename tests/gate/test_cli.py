"""`dpaguard token|totp|audit --stack NAME`: exit codes 0/1/2, one line per error, never a traceback;
every decision and every refusal in the stack's audit log; nothing the caller brings that the stack
does not pin is trusted (issue 11)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import time

import pyotp
import pytest

from dpaguard.cli import main
from dpaguard.gate import keys as keyfiles
from dpaguard.gate.audit import verify
from tests.gate.helpers import KID, claims_v1, public_jwk
from tests.gate.project import (
    DEPLOYER_ROLE,
    ECG,
    OUS,
    OUS_BREAK_GLASS_USER,
    OUS_DEPLOYER,
    OUS_TENANT,
    OUS_UNDECLARED,
    STACK_AUDIENCE,
    Project,
    make_project,
)

USER = OUS_BREAK_GLASS_USER


@pytest.fixture
def project(tmp_path, jwks_file, monkeypatch) -> Project:
    project = make_project(tmp_path, jwks=jwks_file)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DPAGUARD_TOTP_KEY", raising=False)
    return project


def audit_events(project: Project) -> list[dict]:
    result = verify(project.audit_log, project.audit_key, checkpoints=project.checkpoints)
    assert result.ok, result.detail
    return [json.loads(line)["event"] for line in project.audit_log.read_bytes().splitlines()]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def stack_token(keys, *, key=None, **overrides) -> str:
    """A token as Entra would issue it for the OUS stack's deployer."""
    now = int(time.time())
    claims = dict(aud=STACK_AUDIENCE, iss=f"https://sts.windows.net/{OUS_TENANT}/", tid=OUS_TENANT,
                  roles=[DEPLOYER_ROLE], oid=OUS_DEPLOYER, iat=now - 60, nbf=now - 60, exp=now + 3600)
    claims.update(overrides)
    return keys.token(claims_v1(**claims), key=key)


def token_args(project: Project, token: str, *extra: str, jwks=None, stack: str = OUS) -> list[str]:
    args = ["token", "verify", "--stack", stack, "--root", str(project.root), "--token", token]
    return args + (["--jwks", str(jwks)] if jwks is not None else []) + list(extra)


# --- token verify ---------------------------------------------------------------------------------


def test_allowed_token_exits_0_and_is_logged(capsys, keys, jwks_file, project):
    code, out, err = run(capsys, *token_args(project, stack_token(keys), "--source-ip", "172.16.201.9",
                                             jwks=jwks_file))
    assert (code, err) == (0, "")
    assert out.startswith("allowed: ola.nordmann@example.no: token valid")
    [event] = audit_events(project)
    assert {k: event[k] for k in ("action", "decision", "reason_code", "oid", "source_ip", "tenant", "stack")} == {
        "action": "token.verify", "decision": "allow", "reason_code": "allowed", "oid": OUS_DEPLOYER,
        "source_ip": "172.16.201.9", "tenant": OUS_TENANT, "stack": OUS}
    assert event["origin"]["host"]


DENIED = {
    "fail_no_mfa": (dict(amr=["pwd"]), (), "mfa_required"),
    "fail_not_a_deployer": (dict(oid="11111111-2222-3333-4444-555555555555"), (), "principal_not_allowed"),
    "fail_staff_without_declaration": (dict(oid=OUS_UNDECLARED), (), "principal_not_allowed"),
    "fail_outside_vpn_pool": ({}, ("--source-ip", "192.0.2.1"), "source_not_allowed"),
    "fail_wrong_audience": (dict(aud="api://other"), (), "wrong_audience"),
    "fail_other_tenant": (dict(tid="0b9e2d77-5a41-4c6b-8e3f-aabbccddeeff"), (), "wrong_tenant"),
}


@pytest.mark.parametrize(("claims", "extra", "reason"), DENIED.values(), ids=DENIED.keys())
def test_denied_token_exits_1_with_one_line(claims, extra, reason, capsys, keys, jwks_file, project):
    code, out, err = run(capsys, *token_args(project, stack_token(keys, **claims), *extra, jwks=jwks_file))
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and err.startswith(f"dpaguard: error: token denied ({reason}): ")
    assert [(e["decision"], e["reason_code"]) for e in audit_events(project)] == [("deny", reason)]


@pytest.mark.parametrize("stack", [OUS, ECG])
def test_self_made_key_with_jwks_is_refused_on_every_shipped_stack(stack, capsys, keys, tmp_path, monkeypatch):
    # the operator's own key pair, its public half as --jwks, a token signed with it: the stacks as
    # shipped pin no key file, so the key source itself is refused
    project = make_project(tmp_path, stack=stack)
    forged = tmp_path / "mine.json"
    forged.write_text(json.dumps({"keys": [public_jwk(keys.attacker, KID)]}))
    token = stack_token(keys, key=keys.attacker)
    code, out, err = run(capsys, *token_args(project, token, jwks=forged, stack=stack))
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and "is not pinned in gate.jwksSha256" in err
    [event] = audit_events(project)
    assert (event["decision"], event["reason_code"]) == ("deny", "key_source_refused")


def test_self_made_key_beside_a_pinned_one_is_refused(capsys, keys, jwks_file, project, tmp_path):
    # the pinned file is the tenant's; a different file with the operator's key is not
    forged = tmp_path / "mine.json"
    forged.write_text(json.dumps({"keys": [public_jwk(keys.primary, KID), public_jwk(keys.attacker, "x")]}))
    code, _, err = run(capsys, *token_args(project, stack_token(keys, key=keys.attacker), jwks=forged))
    assert code == 1 and "not pinned" in err


@pytest.mark.parametrize("url", ["https://attacker.example/keys", "https://login.microsoftonline.com/common/discovery/keys",
                                 "http://login.microsoftonline.com/keys", "file:///etc/passwd"])
def test_key_urls_from_the_command_line_are_refused(url, capsys, keys, project):
    code, out, err = run(capsys, *token_args(project, stack_token(keys), jwks=url))
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and "key URLs are never taken from the command line" in err
    assert [e["reason_code"] for e in audit_events(project)] == ["key_source_refused"]


def test_pinned_file_swapped_after_the_check_is_refused(keys, jwks_file, project):
    from dpaguard.gate.jwks import JwksError
    from dpaguard.gate.stack import key_source, load_trust

    source = key_source(load_trust(project.root, OUS), str(jwks_file))
    jwks_file.write_text(json.dumps({"keys": [public_jwk(keys.attacker, "new-kid")]}))
    with pytest.raises(JwksError, match="no longer pinned"):
        source.refresh()


@pytest.mark.parametrize("token", ["garbage", "", "a.b.c", "x" * 100_000, "\u00e4.\u00f6.\u00fc"],
                         ids=["fail_garbage", "fail_empty", "fail_three_junk_segments", "fail_huge", "fail_unicode"])
def test_garbage_tokens_are_denials_not_crashes(token, capsys, jwks_file, project):
    code, _, err = run(capsys, *token_args(project, token, jwks=jwks_file))
    assert code == 1 and err.startswith("dpaguard: error: token denied (")
    assert audit_events(project)[0]["who"] == "unknown"


def test_token_from_stdin(capsys, keys, jwks_file, project, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stack_token(keys) + "\n"))
    assert run(capsys, *token_args(project, "-", jwks=jwks_file))[0] == 0


def test_json_output(capsys, keys, jwks_file, project):
    code, out, _ = run(capsys, *token_args(project, stack_token(keys, amr=["pwd"]), "--json", jwks=jwks_file))
    decision = json.loads(out)
    assert (code, decision["allowed"], decision["reason_code"], decision["oid"]) == (
        1, False, "mfa_required", OUS_DEPLOYER)


@pytest.mark.parametrize("extra", [("--source-ip", "10.0.0.300"), ("--tenant", OUS_TENANT), ("--stack", "nope")],
                         ids=["fail_bad_source_ip", "fail_removed_tenant_option", "fail_unknown_stack"])
def test_bad_invocations_exit_2(extra, capsys, keys, jwks_file, project):
    code, out, err = run(capsys, *token_args(project, stack_token(keys), *extra, jwks=jwks_file))
    assert (code, out) == (2, "") and err.count("\n") == 1 and err.startswith("dpaguard: error: ")
    assert not project.audit_log.exists()


def test_unwritable_audit_log_fails_closed(capsys, keys, jwks_file, tmp_path):
    project = make_project(tmp_path, jwks=jwks_file, gate={"auditLog": str(tmp_path / "state" / "isdir")})
    (tmp_path / "state" / "isdir").mkdir()
    code, out, err = run(capsys, *token_args(project, stack_token(keys), jwks=jwks_file))
    assert (code, out) == (2, "")
    assert "not recorded, so not granted" in err and err.count("\n") == 1


def test_missing_audit_key_exits_2(capsys, keys, jwks_file, project):
    project.audit_key_file.unlink()
    code, _, err = run(capsys, *token_args(project, stack_token(keys), jwks=jwks_file))
    assert code == 2 and "audit key file" in err and "gate.auditKeyFile" in err


def test_no_traceback_in_a_real_process(jwks_file, project):
    proc = subprocess.run(
        [sys.executable, "-m", "dpaguard", *token_args(project, "e30.e30.e30", jwks=jwks_file)],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("dpaguard: error: token denied (alg_not_allowed)")


# --- totp -----------------------------------------------------------------------------------------


def totp(capsys, project: Project, action: str, *extra: str, user: str = USER, stack: str = OUS,
         key_file=None) -> tuple[int, str, str]:
    return run(capsys, "totp", action, "--stack", stack, "--root", str(project.root), "--user", user,
               "--key-file", str(key_file or project.totp_key_file), *extra)


def enroll(capsys, project: Project, *extra: str) -> str:
    code, out, err = totp(capsys, project, "enroll", *extra)
    assert code == 0, err
    return out.splitlines()[0]


def test_enroll_then_verify_once(capsys, project):
    uri = enroll(capsys, project)
    assert uri.startswith(f"otpauth://totp/dpa-guard:{USER}?") and project.totp_store.exists()
    code = pyotp.parse_uri(uri).now()
    assert totp(capsys, project, "verify", "--code", code)[:2] == (0, f"accepted: TOTP code for {USER}\n")
    replay, _, err = totp(capsys, project, "verify", "--code", code)
    assert replay == 1 and err.startswith(f"dpaguard: error: TOTP code refused for {USER} (replay)")
    assert [(e["action"], e["decision"], e.get("reason_code"), e.get("totp_generation"))
            for e in audit_events(project)] == [
        ("totp.enroll", "done", None, 1), ("totp.verify", "allow", "accepted", 2),
        ("totp.verify", "deny", "replay", 3)]


def test_unnamed_user_is_refused_and_logged(capsys, project):
    code, out, err = totp(capsys, project, "enroll", user="mallory")
    assert (code, out) == (1, "")
    assert "'mallory' is not a break-glass user of stack ous-kvalitetslab" in err and err.count("\n") == 1
    assert [(e["action"], e["decision"], e["who"]) for e in audit_events(project)] == [
        ("totp.enroll", "deny", "mallory")]
    assert not project.totp_store.exists()


def test_self_made_store_key_is_refused(capsys, project, tmp_path):
    mine = tmp_path / "mine.key"
    keyfiles.write_key_file(mine, "key")
    code, out, err = totp(capsys, project, "enroll", key_file=mine)
    assert (code, out) == (1, "") and "not the one stack ous-kvalitetslab pins (gate.totpKeyId)" in err
    assert [e["decision"] for e in audit_events(project)] == ["deny"]


def test_self_made_store_elsewhere_is_refused(capsys, project, tmp_path):
    code, _, err = totp(capsys, project, "enroll", "--store", str(tmp_path / "mine.store"))
    assert code == 1 and "no other store is accepted" in err


def test_stack_without_break_glass_refuses(capsys, tmp_path, monkeypatch):
    project = make_project(tmp_path, stack=ECG)
    code, _, err = totp(capsys, project, "enroll", stack=ECG)
    assert code == 1 and "does not allow break-glass TOTP" in err


def test_enroll_twice_needs_force_and_force_prints_the_new_secret(capsys, project):
    old = enroll(capsys, project)
    code, out, err = totp(capsys, project, "enroll")
    assert (code, out) == (1, "") and "--force" in err
    new = enroll(capsys, project, "--force")
    assert new.startswith("otpauth://") and pyotp.parse_uri(new).secret != pyotp.parse_uri(old).secret


def test_enroll_with_qr(capsys, project):
    code, out, _ = totp(capsys, project, "enroll", "--qr")
    assert code == 0 and out.startswith("otpauth://") and "\u2588" in out


@pytest.mark.parametrize("code", ["１２３４５６", "12345", "123456 ", "abcdef"],
                         ids=["fail_fullwidth", "fail_short", "fail_space", "fail_letters"])
def test_malformed_codes_are_refused(code, capsys, project):
    enroll(capsys, project)
    status, _, err = totp(capsys, project, "verify", "--code", code)
    assert status == 1 and "(bad_format)" in err


def test_code_from_stdin(capsys, project, monkeypatch):
    uri = enroll(capsys, project)
    monkeypatch.setattr(sys, "stdin", io.StringIO(pyotp.parse_uri(uri).now() + "\n"))
    assert totp(capsys, project, "verify", "--code", "-")[0] == 0


def test_missing_key_exits_2(capsys, project):
    code, _, err = run(capsys, "totp", "enroll", "--stack", OUS, "--root", str(project.root), "--user", USER)
    assert code == 2 and "DPAGUARD_TOTP_KEY" in err


def test_store_rollback_is_refused(capsys, project, tmp_path):
    uri = enroll(capsys, project)
    copy = tmp_path / "old.store"
    shutil.copy(project.totp_store, copy)
    code = pyotp.parse_uri(uri).now()
    assert totp(capsys, project, "verify", "--code", code)[0] == 0
    shutil.copy(copy, project.totp_store)  # put the older copy back: the code would be fresh again
    status, out, err = totp(capsys, project, "verify", "--code", code)
    assert (status, out) == (2, "") and "rollback" in err and err.count("\n") == 1


def test_unlock_with_a_broken_audit_log_changes_nothing(capsys, project):
    enroll(capsys, project)
    for _ in range(3):
        totp(capsys, project, "verify", "--code", "000000")
    before = project.totp_store.read_bytes()
    with project.audit_log.open("ab") as handle:
        handle.write(b'{"half an entry')  # an interrupted write: appends are refused
    code, out, err = totp(capsys, project, "unlock")
    assert (code, out) == (2, "") and "partial line" in err
    assert project.totp_store.read_bytes() == before


def test_forced_enroll_with_a_broken_audit_log_keeps_the_secret(capsys, project):
    uri = enroll(capsys, project)
    before = project.totp_store.read_bytes()
    shutil.rmtree(project.checkpoints)
    code, out, err = totp(capsys, project, "enroll", "--force")
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert project.totp_store.read_bytes() == before
    project.checkpoints.mkdir()
    assert pyotp.parse_uri(uri).secret  # the old secret is the one in the store, untouched


def test_deeply_nested_store_is_one_line(capsys, project):
    project.totp_store.write_text("[" * 200_000)
    # the generation witness says nothing was ever enrolled, so only the parse is in question
    code, out, err = totp(capsys, project, "verify", "--code", "123456")
    assert (code, out) == (2, "") and "is not a dpaguard TOTP store" in err and err.count("\n") == 1


def test_keygen_prints_the_key_id_to_pin(capsys, tmp_path):
    key_file = tmp_path / "totp.key"
    code, out, _ = run(capsys, "totp", "keygen", "--key-file", str(key_file))
    assert code == 0
    assert out.rstrip().endswith(f"gate.totpKeyId: {keyfiles.key_id(keyfiles.read_key_file(key_file, 'k'))}")
    assert run(capsys, "totp", "keygen", "--key-file", str(key_file))[0] == 2


def test_unlock(capsys, project):
    enroll(capsys, project)
    assert totp(capsys, project, "unlock")[0] == 0


@pytest.mark.parametrize("user", ["", "a b", "../../etc"], ids=["fail_empty", "fail_space", "fail_traversal"])
def test_bad_user_exits_2(user, capsys, project):
    assert totp(capsys, project, "enroll", user=user)[0] == 2


# --- audit verify ---------------------------------------------------------------------------------


def audit(capsys, project: Project, *extra: str) -> tuple[int, str, str]:
    return run(capsys, "audit", "verify", "--stack", OUS, "--root", str(project.root), *extra)


def test_audit_verify_intact_and_tampered(capsys, project):
    enroll(capsys, project)
    totp(capsys, project, "verify", "--code", "000000")
    code, out, _ = audit(capsys, project)
    assert code == 0 and "intact: 2 entries, head seq 2; checkpoint matches" in out
    content = project.audit_log.read_bytes().replace(b'"decision":"deny"', b'"decision":"allow"', 1)
    project.audit_log.write_bytes(content)
    code, out, err = audit(capsys, project)
    assert (code, out) == (1, "")
    assert err.startswith(f"dpaguard: error: audit log {project.audit_log} line 2: edited: ") and err.count("\n") == 1


def test_audit_verify_finds_a_cut_tail_without_an_anchor(capsys, project):
    enroll(capsys, project)
    totp(capsys, project, "verify", "--code", "000000")
    project.audit_log.write_bytes(project.audit_log.read_bytes().splitlines(keepends=True)[0])
    code, out, err = audit(capsys, project, "--json")
    assert (code, json.loads(out)["fault"], json.loads(out)["line"]) == (1, "deleted", 2)


def test_audit_verify_finds_a_deleted_log(capsys, project):
    enroll(capsys, project)
    project.audit_log.unlink()
    code, _, err = audit(capsys, project)
    assert code == 1 and "line 1: deleted: the log is missing; its checkpoint records seq 1" in err


def test_audit_verify_copy_with_key_file(capsys, project):
    enroll(capsys, project)
    code, out, _ = run(capsys, "audit", "verify", str(project.audit_log), "--key-file", str(project.audit_key_file))
    assert code == 0 and "no checkpoint directory given" in out


@pytest.mark.parametrize("argv", [["audit", "verify", "/dev/zero", "--key-file", "{key}"],
                                  ["audit", "verify", "{dir}", "--key-file", "{key}"],
                                  ["audit", "verify", "{dir}/missing.log", "--key-file", "{key}"],
                                  ["audit", "verify", "x.log"]],
                         ids=["fail_dev_zero", "fail_directory", "fail_missing", "fail_no_key"])
def test_unreadable_log_exits_2_quickly(argv, capsys, project, tmp_path):
    argv = [a.format(key=project.audit_key_file, dir=tmp_path) for a in argv]
    start = time.monotonic()
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "") and err.count("\n") == 1 and err.startswith("dpaguard: error: ")
    assert time.monotonic() - start < 10


def test_audit_keygen(capsys, tmp_path):
    key_file = tmp_path / "audit.key"
    code, out, _ = run(capsys, "audit", "keygen", "--key-file", str(key_file))
    assert code == 0 and "key id" in out and oct(os.stat(key_file).st_mode & 0o777) == "0o600"


def test_entra_key_source_fetches_only_from_entra(keys, tmp_path, monkeypatch):
    # the stack's default: the tenant's discovery document; a jwks_uri pointing elsewhere is refused
    from dpaguard.gate import stack
    from dpaguard.gate.jwks import JwksError

    project = make_project(tmp_path)
    fetched: list[str] = []

    def fake_https(url: str) -> bytes:
        fetched.append(url)
        return json.dumps({"jwks_uri": "https://attacker.example/keys"}).encode()

    monkeypatch.setattr(stack, "https_fetch", fake_https)
    source = stack.key_source(stack.load_trust(project.root, OUS), None)
    with pytest.raises(JwksError, match="refusing keys from https://attacker.example/keys"):
        source.refresh()
    assert fetched == [f"https://login.microsoftonline.com/{OUS_TENANT}/v2.0/.well-known/openid-configuration"]
