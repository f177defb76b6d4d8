"""`dpaguard deploy`: each gate refuses on its own and nothing runs; nothing the caller brings that the
stack does not pin passes the identity gate; all gates pass and exactly the right Pulumi command runs;
every attempt and every refusal is in the stack's audit log, which verifies."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pyotp
import pytest

from dpaguard.cli import main
from dpaguard.gate.audit import verify
from dpaguard.gate.keys import write_key_file
from dpaguard.tunnel import check as tunnel_check
from tests.gate.helpers import DROP, KID, Keys, claims_v1, public_jwk
from tests.gate.project import (
    ECG,
    OUS,
    OUS_BREAK_GLASS_USER,
    OUS_DEPLOYER,
    OUS_TENANT,
    STACK_AUDIENCE,
    Project,
    make_project,
)


@pytest.fixture(scope="module")
def keys() -> Keys:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return Keys(*(rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(3)))


# engineer D2's recorded outputs (tests/tunnel/fixtures), made for the OUS stack's pool
ROUTES = Path(__file__).resolve().parents[1] / "tunnel" / "fixtures"
FORCED = "linux/pass_forced"
STACK = OUS
TENANT = OUS_TENANT
OTHER_TENANT = "0b9e2d77-5a41-4c6b-8e3f-aabbccddeeff"

STAND_IN = """#!/bin/sh
# stand-in pulumi: records its arguments, one call per line
printf '%s\\n' "$*" >> "{calls}"
exit 0
"""


def token_claims(**overrides):
    """An ARM access token as `az account get-access-token` returns it: v1, no `roles` (ARM defines no app
    roles a tenant can assign), MFA in `amr`; the deployer is known by `oid` alone."""
    now = int(time.time())
    base = dict(aud=STACK_AUDIENCE, iss=f"https://sts.windows.net/{TENANT}/", tid=TENANT, roles=DROP,
                oid=OUS_DEPLOYER, iat=now - 60, nbf=now - 60, exp=now + 3600)
    base.update(overrides)
    return claims_v1(**base)


@pytest.fixture
def jwks_path(tmp_path, keys: Keys) -> Path:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [public_jwk(keys.primary, KID)]}))
    return path


@pytest.fixture
def project(tmp_path, jwks_path) -> Project:
    """The whole project (program and pack too) in tmp, its OUS stack pinning `jwks_path`."""
    return make_project(tmp_path, full=True, jwks=jwks_path)


@pytest.fixture
def pulumi_calls(tmp_path, monkeypatch) -> Path:
    """A stand-in `pulumi` first on PATH; returns the file its calls are recorded in."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "pulumi-calls.txt"
    script = bin_dir / "pulumi"
    script.write_text(STAND_IN.format(calls=calls))
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.delenv("DPAGUARD_TOKEN", raising=False)
    monkeypatch.delenv("DPAGUARD_TOTP_KEY", raising=False)
    return calls


@pytest.fixture(autouse=True)
def restore_live_reader(monkeypatch):
    """`deploy` reads this machine's routes only (it has no --routes: a recorded directory is something the
    caller brings along). `deploy()` below swaps the live reader for a recorded snapshot; this restores it."""
    monkeypatch.setattr(tunnel_check, "read_live", tunnel_check.read_live)


def deploy(project: Project, *extra, token=None, jwks=None, stack=STACK, routes=FORCED):
    recorded = ROUTES / routes
    tunnel_check.read_live = lambda: tunnel_check.read_recorded(recorded)
    argv = ["deploy", "--stack", stack, "--root", str(project.root)]
    if jwks is not None:
        argv += ["--jwks", str(jwks)]
    if token is not None:
        argv += ["--token", token]
    return main(argv + list(extra))


def entries(project: Project) -> list[dict]:
    result = verify(project.audit_log, project.audit_key, checkpoints=project.checkpoints)
    assert result.ok, result.detail
    return [json.loads(line)["event"] for line in project.audit_log.read_text().splitlines()]


def gates(project: Project) -> list[tuple[str, str]]:
    return [(e["gate"], e["decision"]) for e in entries(project) if e["action"] == "deploy"]


# ------------------------------------------------------------------ identity refusals

IDENTITY_REFUSALS = [
    ("no_token", None, "no credentials"),
    ("token_without_mfa", dict(amr=["pwd"]), "MFA"),
    ("not_a_deployer", dict(oid="11111111-2222-3333-4444-555555555555"), "not one of the stack's deployers"),
    ("wrong_tenant", dict(tid=OTHER_TENANT, iss=f"https://sts.windows.net/{OTHER_TENANT}/"), "tenant"),
    ("expired", dict(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200, nbf=int(time.time()) - 7200),
     "expired"),
]


@pytest.mark.parametrize(("case", "overrides", "words"), IDENTITY_REFUSALS, ids=[c[0] for c in IDENTITY_REFUSALS])
def test_identity_gate_refuses_and_nothing_runs(case, overrides, words, keys, jwks_path, project, pulumi_calls,
                                                monkeypatch, capsys):
    token = None if overrides is None else keys.token(token_claims(**overrides))
    assert deploy(project, token=token, jwks=jwks_path) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"dpaguard: error: deploy {STACK} refused at the identity gate")
    assert words.lower() in err.lower(), err
    assert not pulumi_calls.exists()
    assert gates(project) == [("identity", "refused")]


@pytest.mark.parametrize("stack", [OUS, ECG])
def test_self_made_keys_with_jwks_are_refused_on_the_shipped_stacks(stack, keys, tmp_path, pulumi_calls, monkeypatch,
                                                                     capsys):
    # the hostile operator's move: a key pair of their own, its public half as --jwks
    project = make_project(tmp_path, stack=stack, full=True)  # the stack's gate as shipped: nothing pinned
    forged = tmp_path / "mine.json"
    forged.write_text(json.dumps({"keys": [public_jwk(keys.attacker, KID)]}))
    token = keys.token(token_claims(), key=keys.attacker)
    assert deploy(project, token=token, jwks=forged, stack=stack) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "refused at the identity gate" in err and "not pinned in gate.jwksSha256" in err
    assert not pulumi_calls.exists()
    (entry,) = entries(project)
    assert (entry["gate"], entry["decision"], entry["detail"]["code"]) == ("identity", "refused", "key_source_refused")


@pytest.mark.parametrize("url", ["https://attacker.example/discovery/keys",
                                 f"https://login.microsoftonline.com/{OTHER_TENANT}/discovery/v2.0/keys"])
def test_any_https_key_source_is_refused(url, keys, project, pulumi_calls, monkeypatch, capsys):
    assert deploy(project, token=keys.token(token_claims()), jwks=url) == 1
    assert "key URLs are never taken from the command line" in capsys.readouterr().err
    assert gates(project) == [("identity", "refused")]


def test_production_stack_refuses_token_without_mfa_even_when_asked(keys, jwks_path, project, pulumi_calls,
                                                                    monkeypatch, capsys):
    token = keys.token(token_claims(amr=["pwd"]))
    assert deploy(project, "--no-mfa", token=token, jwks=jwks_path) == 1
    assert "production: a token without MFA is never accepted" in capsys.readouterr().err
    assert not pulumi_calls.exists()


# ------------------------------------------------------------------ break-glass


def test_break_glass_refused_where_the_stack_does_not_allow_it(tmp_path, pulumi_calls, monkeypatch, capsys):
    project = make_project(tmp_path, stack=ECG, full=True)
    assert deploy(project, "--totp-user", "bg", "--totp-code", "123456", stack=ECG) == 1
    assert "does not allow break-glass TOTP" in capsys.readouterr().err
    assert not pulumi_calls.exists()
    assert gates(project) == [("identity", "refused")]


@pytest.fixture
def break_glass(project, capsys) -> pyotp.TOTP:
    code = main(["totp", "enroll", "--stack", STACK, "--root", str(project.root), "--user", OUS_BREAK_GLASS_USER,
                 "--key-file", str(project.totp_key_file)])
    assert code == 0
    return pyotp.parse_uri(capsys.readouterr().out.splitlines()[0])


def test_break_glass_user_with_the_pinned_store_passes_the_identity_gate(break_glass, project, pulumi_calls,
                                                                        monkeypatch, capsys):
    deploy(project, "--dry-run", "--totp-user", OUS_BREAK_GLASS_USER, "--totp-code", break_glass.now(),
           "--key-file", str(project.totp_key_file))
    assert gates(project)[:2] == [("identity", "allowed"), ("tunnel", "allowed")], capsys.readouterr().err
    identity = [e for e in entries(project) if e["action"] == "deploy"][0]
    assert (identity["who"], identity["detail"]["method"]) == (OUS_BREAK_GLASS_USER, "break-glass-totp")
    # the store recorded its own decision, with its new generation, before the gate's entry
    assert [(e["action"], e.get("decision")) for e in entries(project)][:3] == [
        ("totp.enroll", "done"), ("totp.verify", "allow"), ("deploy", "allowed")]


def test_unnamed_break_glass_user_is_refused(break_glass, project, pulumi_calls, monkeypatch, capsys):
    assert deploy(project, "--totp-user", "mallory", "--totp-code", "123456",
                  "--key-file", str(project.totp_key_file)) == 1
    assert "'mallory' is not a break-glass user" in capsys.readouterr().err
    assert gates(project) == [("identity", "refused")]


def test_self_made_totp_store_and_key_are_refused(project, tmp_path, pulumi_calls, monkeypatch, capsys):
    # `totp keygen` + an enrolment of one's own, then deploy with them
    mine = tmp_path / "mine.key"
    write_key_file(mine, "key")
    assert deploy(project, "--totp-user", OUS_BREAK_GLASS_USER, "--totp-code", "123456",
                  "--key-file", str(mine)) == 1
    assert "not the one stack ous-kvalitetslab pins (gate.totpKeyId)" in capsys.readouterr().err
    assert deploy(project, "--totp-user", OUS_BREAK_GLASS_USER, "--totp-code", "123456",
                  "--key-file", str(project.totp_key_file), "--totp-store", str(tmp_path / "mine.store")) == 1
    assert "no other store is accepted" in capsys.readouterr().err
    assert gates(project) == [("identity", "refused"), ("identity", "refused")]
    assert not pulumi_calls.exists()


# ------------------------------------------------------------------ tunnel refusals

TUNNEL_REFUSALS = [
    ("linux/fail_pool_address_on_eth0", "eth0 holds 172.16.201.50 in the VPN pool 172.16.201.0/24 but is not a tunnel"),
    ("linux/fail_split", "route 0.0.0.0/0 via 192.168.1.1 dev wlan0 (metric 600) escapes the tunnel"),
    ("linux/fail_ipv6_escape", "route ::/0 via fe80::1 dev wlan0 (metric 600) escapes the tunnel"),
    ("linux/fail_tunnel_down", "tunnel interface tun0 is down"),
    ("windows/fail_split", "route 0.0.0.0/0 via 192.168.1.1 on 'Wi-Fi' (metric 0+35) escapes the tunnel"),
    ("macos/fail_split", "route 0.0.0.0/0 via 192.168.1.1 dev en0 (flags UGScg) escapes the tunnel"),
]


@pytest.mark.parametrize(("case", "words"), TUNNEL_REFUSALS)
def test_tunnel_gate_refuses_logs_and_nothing_runs(case, words, keys, jwks_path, project, pulumi_calls, capsys):
    assert deploy(project, "--vpn-server", "203.0.113.10", token=keys.token(token_claims()), jwks=jwks_path,
                  routes=case) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"dpaguard: error: deploy {STACK} refused at the tunnel gate: {words}"), err
    assert err.count("\n") == 1, err
    assert not pulumi_calls.exists()
    assert gates(project) == [("identity", "allowed"), ("tunnel", "refused")]
    tunnel = [e for e in entries(project) if e.get("gate") == "tunnel"][0]
    assert (tunnel["detail"]["clause"], tunnel["detail"]["decision"]) == ("OUS-6.1.c", "refused")


def test_vpn_server_on_the_command_line_works(keys, jwks_path, project, pulumi_calls, capsys):
    # the runbook's own command: `--vpn-server 203.0.113.10` used to exit 2 every time
    deploy(project, "--dry-run", "--vpn-server", "203.0.113.10", token=keys.token(token_claims()), jwks=jwks_path)
    assert gates(project)[:2] == [("identity", "allowed"), ("tunnel", "allowed")], capsys.readouterr().err


def test_unreadable_routes_are_a_logged_tunnel_refusal(keys, jwks_path, project, pulumi_calls, tmp_path, capsys):
    (tmp_path / "routes").mkdir()
    assert deploy(project, token=keys.token(token_claims()), jwks=jwks_path, routes=str(tmp_path / "routes")) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no recorded outputs" in err, err
    assert gates(project) == [("identity", "allowed"), ("tunnel", "refused")]


# ------------------------------------------------------------------ policy refusal


def test_policy_gate_refuses_a_stack_that_breaks_a_mandatory_policy(keys, jwks_path, project, pulumi_calls,
                                                                    monkeypatch, capsys):
    """The OUS stack with one more storage account that accepts shared keys (OUS-6.1.a)."""
    with (project.root / "__main__.py").open("a") as fh:
        fh.write(
            "\nfrom pulumi_azure_native import storage as _storage\n"
            "_storage.StorageAccount('side-door', account_name='ousklside', resource_group_name='rg-ouskl-ous-data',"
            " location='norwayeast', kind='StorageV2', sku=_storage.SkuArgs(name='Standard_ZRS'),"
            " allow_shared_key_access=True)\n"
        )
    code = deploy(project, token=keys.token(token_claims()), jwks=jwks_path)
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.startswith(f"dpaguard: error: deploy {STACK} refused at the policy gate"), err
    # The added account breaks several clauses; the line counts them and names the first.
    assert "mandatory policy violation(s), first:" in err and "'side-door'" in err, err
    assert not pulumi_calls.exists()
    assert gates(project) == [("identity", "allowed"), ("tunnel", "allowed"), ("policy", "refused")]


def test_policy_config_that_is_a_directory_is_one_line(keys, jwks_path, project, pulumi_calls, monkeypatch, capsys):
    (project.root / "out" / STACK / "policy-config.json").mkdir(parents=True)
    assert deploy(project, token=keys.token(token_claims()), jwks=jwks_path) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "policy-config.json: it is a directory" in err, err
    assert gates(project) == [("identity", "allowed"), ("tunnel", "allowed"), ("policy", "refused")]
    assert not pulumi_calls.exists()


# ------------------------------------------------------------------ all gates pass


def test_all_gates_pass_and_exactly_the_right_commands_run(keys, jwks_path, project, pulumi_calls, monkeypatch,
                                                           capsys):
    assert deploy(project, token=keys.token(token_claims()), jwks=jwks_path) == 0
    config = project.root / "out" / STACK / "policy-config.json"
    base = f"--stack {STACK} --policy-pack policies --policy-pack-config {config}"
    # The policy gate's real preview with the pack, then the deploy itself.
    assert pulumi_calls.read_text().splitlines() == [f"preview {base}", f"up {base} --yes"]
    assert json.loads(config.read_text())  # the register the pack needs is there
    assert "identity, tunnel and policy gates passed; ran:" in capsys.readouterr().out
    assert gates(project) == [("identity", "allowed"), ("tunnel", "allowed"), ("policy", "allowed"),
                              ("deploy", "allowed")]
    assert {e["who"] for e in entries(project)} == {"ola.nordmann@example.no"}
    assert main(["audit", "verify", "--stack", STACK, "--root", str(project.root)]) == 0


def test_dry_run_runs_gates_but_no_pulumi(keys, jwks_path, project, pulumi_calls, monkeypatch, capsys):
    assert deploy(project, "--dry-run", "--preview-only", token=keys.token(token_claims()), jwks=jwks_path) == 0
    out = capsys.readouterr().out
    assert f"would run: {shutil.which('pulumi')} preview --stack {STACK} --policy-pack policies" in out
    assert not pulumi_calls.exists()
    assert entries(project)[-1]["gate"] == "deploy"


def test_missing_pulumi_cli_is_exit_2_after_gates_are_logged(keys, jwks_path, project, tmp_path, monkeypatch,
                                                             capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("DPAGUARD_TOKEN", raising=False)
    assert deploy(project, token=keys.token(token_claims()), jwks=jwks_path) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Pulumi CLI is not installed" in err and "get.pulumi.com" in err
    assert gates(project) == [("identity", "allowed"), ("tunnel", "allowed"), ("policy", "allowed"),
                              ("deploy", "refused")]


@pytest.mark.parametrize(("argv", "words"), [
    (["deploy"], "--stack"),
    (["deploy", "--stack", STACK, "--totp-code", "123456"], "--totp-code needs --totp-user"),
    (["deploy", "--stack", STACK, "--vpn-server", "gateway"], "not an IP address"),
    (["deploy", "--stack", "nope"], "unknown stack"),
    (["deploy", "--stack", STACK, "--audit-log", "/tmp/elsewhere.log"], "unrecognized arguments: --audit-log"),
])
def test_bad_invocation_is_one_line_exit_2(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err, err


def test_deploy_takes_no_recorded_routes_from_the_caller(keys, jwks_path, project, pulumi_calls, capsys):
    # a forced-tunnel recording copied from another machine must not pass the tunnel gate (OUS-6.1.c)
    argv = ["deploy", "--stack", STACK, "--root", str(project.root), "--jwks", str(jwks_path),
            "--token", keys.token(token_claims()), "--routes", str(ROUTES / FORCED)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("dpaguard: error: ") and "--routes" in err and err.count("\n") == 1, err
    assert not pulumi_calls.exists()
