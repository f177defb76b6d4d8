"""The policy step of `dpaguard plan`: summary on stdout, policy-config.json and check.sarif beside plan.json."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from dpaguard.checking.command import check_after_plan
from policies.pack import policy_config
from tests.checking.conftest import REGISTER

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SARIF_SCHEMA = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def test_writes_config_and_sarif_and_fails_on_mandatory(capsys, small_pack, tmp_path, plan):
    code = check_after_plan(plan, tmp_path, quiet=False)
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    # shared keys on, and shared keys unknown: a mandatory clause does not pass on an unknown value
    # (policies/lib.py turns the analyzer's advisory "can't run" into a mandatory violation)
    mandatory = sorted(line.split(":", 1)[0] for line in out if line.startswith("MANDATORY"))
    assert mandatory == ["MANDATORY [OUS-6.1.a, ECG-7, ECG-6] storage-shared-key-disabled  demoecg03",
                         "MANDATORY [OUS-6.1.a, ECG-7, ECG-6] storage-shared-key-disabled  ecg-dr-lie-bergen"]
    assert not any(line.endswith("can't-decide note(s) (values unknown during preview)") or "see " in line
                   and "can't-decide" in line for line in out)
    assert any("FAILED: 2 mandatory violation(s)" in line for line in out)
    assert any("--policy-pack-config" in line for line in out)

    config = json.loads((tmp_path / "policy-config.json").read_text(encoding="utf-8"))
    # only the policies that read the register get it
    assert config == {"test-register-has-controllers": {"register": REGISTER}} == policy_config(REGISTER)
    sarif = json.loads((tmp_path / "check.sarif").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif)
    assert len(sarif["runs"][0]["results"]) == 2  # the two violations


def test_passes_without_mandatory_violation(capsys, small_pack, tmp_path, plan):
    plan["resources"] = plan["resources"][:2]
    assert check_after_plan(plan, tmp_path, quiet=True) == 0
    out = capsys.readouterr().out
    assert "passed" in out and "MANDATORY" not in out


def test_quiet_still_prints_mandatory_violations(capsys, small_pack, tmp_path, plan):
    assert check_after_plan(plan, tmp_path, quiet=True) == 1
    assert "MANDATORY" in capsys.readouterr().out
