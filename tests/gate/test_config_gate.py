"""The `gate` section of a stack (modules/config.py `load_gate`): what the gates trust is validated
like every other key, and a value that would let the caller choose is a ConfigError naming the key."""

from __future__ import annotations

import copy

import pytest
import yaml

from modules import config
from tests.gate.project import ROOT


def raw(stack: str) -> dict:
    doc = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    return {k.split(":", 1)[1]: v for k, v in doc["config"].items()}


def load(values: dict) -> config.GateConfig:
    return config.load_gate(values, config.load(values, "test"))


def test_shipped_stacks_load():
    ous = load(raw("ous-kvalitetslab"))
    ecg = load(raw("ecg247"))
    assert (ous.key_source, ous.jwks_sha256, ous.deployers) == ("entra", (), ("20cf97cf-5a26-5768-b96e-f76672d8ad88",))
    assert {u.user for u in ous.break_glass_users} == {"brekk-glass-1", "brekk-glass-2"}
    assert (ecg.break_glass_users, ecg.totp_store, ecg.totp_key_id) == ((), None, None)


SHA = "a" * 64
BAD = {
    "fail_no_gate": (lambda g, r: r.pop("gate"), "gate"),
    "fail_key_source": (lambda g, r: g.update(keySource="https"), "gate.keySource"),
    "fail_file_without_pin": (lambda g, r: g.update(keySource="file", jwksSha256=[]), "gate.jwksSha256"),
    "fail_pin_not_hex": (lambda g, r: g.update(jwksSha256=["xyz"]), "gate.jwksSha256[0]"),
    "fail_no_deployers": (lambda g, r: g.update(deployers=[]), "gate.deployers"),
    "fail_deployer_not_staff": (lambda g, r: g.update(deployers=["11111111-2222-3333-4444-555555555555"]),
                                "gate.deployers[0]"),
    "fail_deployer_without_declaration": (lambda g, r: g.update(deployers=["b1af9a00-ed3c-56d4-9125-e94f110733d4"]),
                                          "gate.deployers[0]"),
    "fail_deployer_is_a_reader": (lambda g, r: g.update(deployers=["0abbd512-3615-57d4-bd9a-bf8dae038f32"]),
                                  "gate.deployers[0]"),
    "fail_break_glass_user_not_break_glass": (
        lambda g, r: g.update(breakGlassUsers=[{"user": "x", "objectId": "20cf97cf-5a26-5768-b96e-f76672d8ad88"}]),
        "gate.breakGlassUsers[0].objectId"),
    "fail_break_glass_without_users": (lambda g, r: g.update(breakGlassUsers=[]), "gate.breakGlassUsers"),
    "fail_break_glass_without_store": (lambda g, r: g.pop("totpStore"), "gate.totpStore"),
    "fail_break_glass_without_key_id": (lambda g, r: g.pop("totpKeyId"), "gate.totpKeyId"),
    "fail_relative_store": (lambda g, r: g.update(totpStore="out/totp.store"), "gate.totpStore"),
    "fail_relative_log": (lambda g, r: g.update(auditLog="audit.log"), "gate.auditLog"),
    "fail_dotdot_log": (lambda g, r: g.update(auditLog="/var/lib/../tmp/audit.log"), "gate.auditLog"),
    "fail_checkpoints_beside_log": (lambda g, r: g.update(auditCheckpoints="/var/lib/dpaguard/ous-kvalitetslab/cp"),
                                    "gate.auditCheckpoints"),
    "fail_no_key_file": (lambda g, r: g.pop("auditKeyFile"), "gate.auditKeyFile"),
}


@pytest.mark.parametrize(("change", "key"), BAD.values(), ids=BAD.keys())
def test_bad_gate_values_name_their_key(change, key):
    values = copy.deepcopy(raw("ous-kvalitetslab"))
    change(values["gate"], values)
    with pytest.raises(config.ConfigError) as caught:
        load(values)
    assert caught.value.keys == key, caught.value


def test_pulumi_yaml_documents_the_gate_key():
    doc = yaml.safe_load((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))
    text = doc["config"]["gate"]["description"]
    for name in ("keySource", "jwksSha256", "deployers", "breakGlassUsers", "totpStore", "totpKeyId", "auditLog",
                 "auditCheckpoints", "auditKeyFile"):
        assert name in text, name
