"""`dpaguard deploy`: each gate refuses on its own and nothing runs; all gates pass and exactly the right
Pulumi command runs; every attempt is in the audit log, which verifies."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from dpaguard.cli import main
from dpaguard.deploy import routes as routes_mod
from tests.gate.helpers import KID, Keys, claims_v1, public_jwk

@pytest.fixture(scope="module")
def keys() -> Keys:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return Keys(*(rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(3)))

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
STACK = "ous-kvalitetslab"
TENANT = "5f0c4a8e-3d2b-4c71-9a6e-2b7d1e4f8a90"  # the OUS stack's tenantId
OTHER_TENANT = "0b9e2d77-5a41-4c6b-8e3f-aabbccddeeff"
AUDIENCE = "https://management.azure.com"
ROLE = "DpaGuard.Deployer"

STAND_IN = """#!/bin/sh
# stand-in pulumi: records its arguments, one call per line
printf '%s\\n' "$*" >> "{calls}"
exit 0
"""


def token_claims(**overrides):
    now = int(time.time())
    base = dict(aud=AUDIENCE, iss=f"https://sts.windows.net/{TENANT}/", tid=TENANT, roles=[ROLE],
                iat=now - 60, nbf=now - 60, exp=now + 3600)
    base.update(overrides)
    return claims_v1(**base)


@pytest.fixture
def jwks_path(tmp_path, keys: Keys) -> Path:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [public_jwk(keys.primary, KID)]}))
    return path


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
    return calls


def use_routes(monkeypatch, case: str) -> None:
    read = lambda name: json.loads((FIXTURES / case / name).read_text())  # noqa: E731
    monkeypatch.setattr(routes_mod, "read_host_routes",
                        lambda: (read("route4.json") + read("route6.json"), read("addr.json")))


@pytest.fixture
def audit_log(tmp_path) -> Path:
    return tmp_path / "audit.log"


def deploy(*extra, token=None, jwks, log, root=None, stack=STACK):
    argv = ["deploy", "--stack", stack, "--jwks", str(jwks), "--audit-log", str(log)]
    if token is not None:
        argv += ["--token", token]
    if root is not None:
        argv += ["--root", str(root)]
    return main(argv + list(extra))


def entries(log: Path) -> list[dict]:
    return [json.loads(line)["event"] for line in log.read_text().splitlines()]


# ------------------------------------------------------------------ identity refusals

IDENTITY_REFUSALS = [
    ("no_token", None, "no credentials"),
    ("token_without_mfa", dict(amr=["pwd"]), "MFA"),
    ("wrong_role", dict(roles=["Reader"]), "required roles"),
    ("wrong_tenant", dict(tid=OTHER_TENANT, iss=f"https://sts.windows.net/{OTHER_TENANT}/"), "tenant"),
    ("expired", dict(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200, nbf=int(time.time()) - 7200),
     "expired"),
]


@pytest.mark.parametrize(("case", "overrides", "words"), IDENTITY_REFUSALS, ids=[c[0] for c in IDENTITY_REFUSALS])
def test_identity_gate_refuses_and_nothing_runs(case, overrides, words, keys, jwks_path, pulumi_calls, audit_log,
                                                monkeypatch, capsys):
    use_routes(monkeypatch, "pass_azure_openvpn_forced")
    token = None if overrides is None else keys.token(token_claims(**overrides))
    assert deploy(token=token, jwks=jwks_path, log=audit_log) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"dpaguard: error: deploy {STACK} refused at the identity gate")
    assert words.lower() in err.lower(), err
    assert not pulumi_calls.exists()
    (entry,) = entries(audit_log)
    assert (entry["gate"], entry["decision"]) == ("identity", "refused")


def test_production_stack_refuses_token_without_mfa_even_when_asked(keys, jwks_path, pulumi_calls, audit_log,
                                                                    monkeypatch, capsys):
    use_routes(monkeypatch, "pass_azure_openvpn_forced")
    token = keys.token(token_claims(amr=["pwd"]))
    assert deploy("--no-mfa", token=token, jwks=jwks_path, log=audit_log) == 1
    assert "production: a token without MFA is never accepted" in capsys.readouterr().err
    assert not pulumi_calls.exists()


def test_break_glass_refused_where_the_stack_does_not_allow_it(jwks_path, pulumi_calls, audit_log, monkeypatch,
                                                                capsys):
    use_routes(monkeypatch, "pass_azure_openvpn_forced")
    assert deploy("--totp-user", "bg", "--totp-code", "123456", jwks=jwks_path, log=audit_log,
                  stack="ecg247") == 1
    assert "does not allow break-glass TOTP" in capsys.readouterr().err
    assert not pulumi_calls.exists()


# ------------------------------------------------------------------ tunnel refusals

TUNNEL_REFUSALS = [
    ("fail_split_tunnel", "escapes the tunnel"),
    ("fail_lower_metric_default", "0.0.0.0/0 via 192.168.10.1 dev eth0 (metric 20) escapes the tunnel"),
    ("fail_address_outside_pool", "172.16.201.0/24"),
    ("fail_ipv6_default_wlan0", "wlan0"),
]


@pytest.mark.parametrize(("case", "words"), TUNNEL_REFUSALS)
def test_tunnel_gate_refuses_and_nothing_runs(case, words, keys, jwks_path, pulumi_calls, audit_log, monkeypatch,
                                              capsys):
    use_routes(monkeypatch, case)
    assert deploy(token=keys.token(token_claims()), jwks=jwks_path, log=audit_log) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"dpaguard: error: deploy {STACK} refused at the tunnel gate"), err
    assert words in err and err.count("\n") == 1, err
    assert not pulumi_calls.exists()
    assert [(e["gate"], e["decision"]) for e in entries(audit_log)] == [("identity", "allowed"), ("tunnel", "refused")]


# ------------------------------------------------------------------ policy refusal


@pytest.fixture
def mutated_project(tmp_path) -> Path:
    """The OUS stack with one more storage account that accepts shared keys (OUS-6.1.a)."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(ROOT / "modules", project / "modules", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "stacks", project / "stacks")
    shutil.copytree(ROOT / "policies", project / "policies", ignore=shutil.ignore_patterns("__pycache__"))
    with (project / "__main__.py").open("a") as fh:
        fh.write(
            "\nfrom pulumi_azure_native import storage as _storage\n"
            "_storage.StorageAccount('side-door', account_name='ousklside', resource_group_name='rg-ouskl-ous-data',"
            " location='norwayeast', kind='StorageV2', sku=_storage.SkuArgs(name='Standard_ZRS'),"
            " allow_shared_key_access=True)\n"
        )
    return project


def test_policy_gate_refuses_a_stack_that_breaks_a_mandatory_policy(mutated_project, keys, jwks_path, pulumi_calls,
                                                                    audit_log, monkeypatch, capsys):
    use_routes(monkeypatch, "pass_azure_openvpn_forced")
    code = deploy(token=keys.token(token_claims()), jwks=jwks_path, log=audit_log, root=mutated_project)
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.startswith(f"dpaguard: error: deploy {STACK} refused at the policy gate"), err
    # The added account breaks several clauses; the line counts them and names the first.
    assert "mandatory policy violation(s), first:" in err and "'side-door'" in err, err
    assert not pulumi_calls.exists()
    assert [(e["gate"], e["decision"]) for e in entries(audit_log)] == [
        ("identity", "allowed"), ("tunnel", "allowed"), ("policy", "refused")]


# ------------------------------------------------------------------ all gates pass


def test_all_gates_pass_and_exactly_the_right_commands_run(keys, jwks_path, pulumi_calls, audit_log, monkeypatch,
                                                           capsys):
    use_routes(monkeypatch, "pass_azure_openvpn_forced")
    assert deploy(token=keys.token(token_claims()), jwks=jwks_path, log=audit_log) == 0
    config = ROOT / "out" / STACK / "policy-config.json"
    base = f"--stack {STACK} --policy-pack policies --policy-pack-config {config}"
    # The policy gate's real preview with the pack, then the deploy itself.
    assert pulumi_calls.read_text().splitlines() == [f"preview {base}", f"up {base} --yes"]
    assert json.loads(config.read_text())  # the register the pack needs is there
    assert "identity, tunnel and policy gates passed; ran:" in capsys.readouterr().out
    log = entries(audit_log)
    assert [(e["gate"], e["decision"]) for e in log] == [
        ("identity", "allowed"), ("tunnel", "allowed"), ("policy", "allowed"), ("deploy", "allowed")]
    assert {e["who"] for e in log} == {"ola.nordmann@example.no"}
    assert main(["audit", "verify", str(audit_log)]) == 0


def test_dry_run_runs_gates_but_no_pulumi(keys, jwks_path, pulumi_calls, audit_log, monkeypatch, capsys):
    use_routes(monkeypatch, "pass_azure_openvpn_forced")
    assert deploy("--dry-run", "--preview-only", token=keys.token(token_claims()), jwks=jwks_path,
                  log=audit_log) == 0
    out = capsys.readouterr().out
    assert f"would run: {shutil.which('pulumi')} preview --stack {STACK} --policy-pack policies" in out
    assert not pulumi_calls.exists()
    assert entries(audit_log)[-1]["gate"] == "deploy"


def test_missing_pulumi_cli_is_exit_2_after_gates_are_logged(keys, jwks_path, tmp_path, audit_log, monkeypatch,
                                                             capsys):
    use_routes(monkeypatch, "pass_azure_openvpn_forced")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("DPAGUARD_TOKEN", raising=False)
    assert deploy(token=keys.token(token_claims()), jwks=jwks_path, log=audit_log) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Pulumi CLI is not installed" in err and "get.pulumi.com" in err
    assert [(e["gate"], e["decision"]) for e in entries(audit_log)] == [
        ("identity", "allowed"), ("tunnel", "allowed"), ("policy", "allowed"), ("deploy", "refused")]


@pytest.mark.parametrize(("argv", "words"), [
    (["deploy"], "--stack"),
    (["deploy", "--stack", STACK, "--totp-code", "123456"], "--totp-code needs --totp-user"),
    (["deploy", "--stack", STACK, "--vpn-server", "gateway"], "not an IP address"),
    (["deploy", "--stack", "nope"], "unknown stack"),
])
def test_bad_invocation_is_one_line_exit_2(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err, err
