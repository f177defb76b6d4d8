"""`dpaguard check` end to end: exit codes, the four formats, --output, --register."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from dpaguard.cli import main
from tests.checking.conftest import BROKEN_POLICY, REGISTER

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PREVIEW = FIXTURES / "preview.json"
SARIF_SCHEMA = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
DEMOECG01 = "urn:pulumi:demo::dpa-guard::dpaguard:storage:NorwayStorage$azure-native:storage:StorageAccount::demoecg01"
DEMOECG02 = DEMOECG01.replace("demoecg01", "demoecg02")
VIOLATION_KEYS = {"policy", "clauses", "enforcement", "severity", "urn", "type", "message"}


def check(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["check", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def write_plan(tmp_path: Path, plan: dict) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------- the real pack, end to end


def test_preview_fixture_with_the_real_pack(capsys):
    code, out, _ = check(capsys, PREVIEW, "--format", "json")
    report = json.loads(out)
    assert code == 1
    shared_key = {(v["urn"], v["enforcement"]) for v in report["violations"] if v["policy"] == "storage-shared-key-disabled"}
    # "[secret]" in preview JSON decides nothing: a mandatory clause fails on it (the real analyzer
    # would see the value in clear), and the unchanged compliant account passes
    assert shared_key == {(DEMOECG01, "mandatory"), (DEMOECG02, "mandatory")}
    (secret,) = [v for v in report["violations"] if v["urn"] == DEMOECG02 and v["policy"] == "storage-shared-key-disabled"]
    assert '"[secret]"' in secret["message"]
    assert not any(n["policy"] == "storage-shared-key-disabled" for n in report["notes"])
    # the deleted account is never checked
    assert not any("demoold" in f["urn"] for f in report["violations"] + report["notes"])
    assert all(set(v) == VIOLATION_KEYS for v in report["violations"] + report["notes"])
    assert report["summary"]["passed"] is False


# ---------------------------------------------------------------------------- exit codes


def test_exit_1_on_mandatory_violation(capsys, small_pack):
    code, out, err = check(capsys, PREVIEW)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("MANDATORY [OUS-6.1.a, ECG-7, ECG-6] storage-shared-key-disabled  demoecg01: ")
    # demoecg01 (shared keys on), demoecg02 (a "[secret]" value), and the register policy without a register
    assert lines[-1].startswith("dpa-guard demo: FAILED: 3 mandatory violation(s)")
    assert "no --register given" in err


def test_exit_0_without_mandatory_violation(capsys, small_pack, tmp_path, plan):
    plan["resources"] = plan["resources"][:2]
    code, out, _ = check(capsys, write_plan(tmp_path, plan))
    assert code == 0
    assert out.splitlines() == [out.splitlines()[-1]] and "passed" in out


@pytest.mark.parametrize("content", ["not json", "[]", '{"a": 1}', '{"steps": [{"op": "create"}]}'])
def test_exit_2_and_one_line_on_bad_input(capsys, tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    code, out, err = check(capsys, path)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"dpaguard: error: {path}")
    assert "Traceback" not in err


def test_exit_2_on_missing_file(capsys, tmp_path):
    code, _, err = check(capsys, tmp_path / "missing.json")
    assert code == 2 and "cannot read" in err and err.count("\n") == 1


def test_exit_2_on_bad_register(capsys, tmp_path):
    bad = tmp_path / "register.json"
    bad.write_text("{}", encoding="utf-8")
    code, _, err = check(capsys, PREVIEW, "--register", bad)
    assert code == 2 and err.startswith(f"dpaguard: error: {bad}")


def test_exit_2_on_bad_format(capsys):
    code, _, err = check(capsys, PREVIEW, "--format", "xml")
    assert code == 2 and err.count("\n") == 1


def test_a_raising_policy_is_named(capsys, monkeypatch):
    import policies.pack

    monkeypatch.setattr(policies.pack, "POLICIES", [BROKEN_POLICY])
    code, _, err = check(capsys, PREVIEW)
    assert code == 2
    (error,) = [line for line in err.splitlines() if line.startswith("dpaguard: error:")]
    assert "policy test-broken failed on urn:pulumi:demo::" in error and "TypeError: boom" in error


def test_stdin(capsys, small_pack, monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(PREVIEW.read_bytes())))
    code, out, _ = check(capsys, "-", "--format", "json")
    assert code == 1 and "(<stdin>)" in json.loads(out)["summary"]["source"]


# ---------------------------------------------------------------------------- --register


def test_register_decides_what_was_unknown(capsys, small_pack, tmp_path):
    code, out, _ = check(capsys, PREVIEW, "--format", "json")
    # without a register the policy cannot decide its clause: a mandatory violation saying how to pass it
    (missing,) = [v for v in json.loads(out)["violations"] if v["policy"] == "test-register-has-controllers"]
    assert missing["enforcement"] == "mandatory" and "--policy-pack-config" in missing["message"]

    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"test-register-has-controllers": {"register": REGISTER}}), encoding="utf-8")
    code, out, err = check(capsys, PREVIEW, "--format", "json", "--register", config)
    report = json.loads(out)
    assert "test-register-has-controllers" not in {n["policy"] for n in report["notes"] + report["violations"]}
    assert "no --register" not in err

    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({**REGISTER, "controllers": {}}), encoding="utf-8")
    code, out, _ = check(capsys, PREVIEW, "--format", "json", "--register", empty)
    assert "test-register-has-controllers" in {v["policy"] for v in json.loads(out)["violations"]}


# ---------------------------------------------------------------------------- formats


def test_json_keeps_notes_out_of_violations(capsys, small_pack, tmp_path, plan):
    code, out, _ = check(capsys, write_plan(tmp_path, plan), "--format", "json")
    report = json.loads(out)
    assert set(report) == {"violations", "notes", "summary"}
    # demoecg03's allowSharedKeyAccess is unknown: a mandatory violation, not a note
    assert sorted((v["policy"], v["urn"].rsplit("::", 1)[-1], v["enforcement"]) for v in report["violations"]) == [
        ("storage-shared-key-disabled", "demoecg03", "mandatory"),
        ("storage-shared-key-disabled", "ecg-dr-lie-bergen", "mandatory"),
    ]
    assert report["notes"] == []
    assert report["violations"][0]["clauses"] == ["OUS-6.1.a", "ECG-7", "ECG-6"]
    assert report["summary"]["mandatory"] == 2 and report["summary"]["unknown"] == 0


def test_sarif_is_valid_and_what_github_reads(capsys, small_pack, tmp_path, plan):
    stack_file = tmp_path / "stacks" / "Pulumi.demo.yaml"
    stack_file.parent.mkdir()
    stack_file.write_text("config:\n  dpa-guard:prefix: demo\n  dpa-guard:controllers:\n  - id: dr-lie-bergen\n"
                          "    agreement: ECG\n", encoding="utf-8")
    (tmp_path / "Pulumi.yaml").write_text("name: dpa-guard\nruntime: python\nstackConfigDir: stacks\n", encoding="utf-8")
    code, out, _ = check(capsys, write_plan(tmp_path, plan), "--format", "sarif", "--root", tmp_path)
    sarif = json.loads(out)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif)

    # https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "dpa-guard"
    rules = {r["id"]: r for r in driver["rules"]}
    assert set(rules) == {p.name for p in small_pack}
    rule = rules["storage-shared-key-disabled"]
    assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"] and rule["help"]["text"]
    assert "Set allowSharedKeyAccess: false" in rule["help"]["text"]
    assert {"security", "clause:OUS-6.1.a", "clause:ECG-7", "clause:ECG-6"} <= set(rule["properties"]["tags"])
    assert float(rule["properties"]["security-severity"]) == 8.0  # high

    levels = {(r["ruleId"], r["locations"][0]["logicalLocations"][0]["name"]): r["level"] for r in run["results"]}
    assert levels == {("storage-shared-key-disabled", "ecg-dr-lie-bergen"): "error",
                      ("storage-shared-key-disabled", "demoecg03"): "error"}
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "stacks/Pulumi.demo.yaml"
        assert physical["region"]["startLine"] >= 1
        assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith("urn:pulumi:demo::")
        assert result["partialFingerprints"]
    by_name = {r["locations"][0]["logicalLocations"][0]["name"]: r for r in run["results"]}
    # the controller's own line of the stack file
    assert by_name["ecg-dr-lie-bergen"]["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
    assert len({r["partialFingerprints"]["dpaGuardFinding/v1"] for r in run["results"]}) == len(run["results"])


def test_junit_has_a_testcase_per_policy_and_resource(capsys, small_pack, tmp_path, plan):
    code, out, _ = check(capsys, write_plan(tmp_path, plan), "--format", "junit")
    root = ET.fromstring(out)
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    cases = {(c.get("classname"), c.get("name").rsplit("::", 1)[-1]): c for c in suite.findall("testcase")}
    # 3 storage accounts x the resource policy, and the stack policy once
    assert set(cases) == {
        ("storage-shared-key-disabled", "demoecg01"),
        ("storage-shared-key-disabled", "ecg-dr-lie-bergen"),
        ("storage-shared-key-disabled", "demoecg03"),
        ("test-register-has-controllers", "dpa-guard-demo"),
    }
    assert suite.get("tests") == "4" and suite.get("failures") == "2" and root.get("failures") == "2"
    failed = cases[("storage-shared-key-disabled", "ecg-dr-lie-bergen")]
    assert failed.find("failure") is not None and "OUS-6.1.a" in failed.find("failure").get("message")
    undecided = cases[("storage-shared-key-disabled", "demoecg03")]
    assert undecided.find("failure") is not None and "undecidable" in undecided.find("failure").get("message")
    assert cases[("storage-shared-key-disabled", "demoecg01")].find("failure") is None


def test_output_is_written_whole(capsys, small_pack, tmp_path, plan):
    target = tmp_path / "reports" / "check.sarif"
    code, out, _ = check(capsys, write_plan(tmp_path, plan), "--format", "sarif", "--output", target)
    assert code == 1
    assert json.loads(target.read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert out.splitlines()[0] == f"wrote {target} (sarif)"
    assert "FAILED" in out.splitlines()[1]
    assert [p.name for p in target.parent.iterdir()] == ["check.sarif"]


def test_output_to_a_directory_is_exit_2(capsys, small_pack, tmp_path, plan):
    (tmp_path / "d").mkdir()
    code, _, err = check(capsys, write_plan(tmp_path, plan), "--output", tmp_path / "d")
    assert code == 2 and "cannot write" in err


def test_a_pack_that_requires_the_register_refuses_to_run_without_it(capsys, monkeypatch):
    # A policy whose config schema requires the register: the CLI stops before analyzing
    # (pkg/resource/analyzer/config.go validatePolicyPackConfig); so does dpaguard check.
    from pulumi_policy import EnforcementLevel, PolicyConfigSchema, ResourceValidationPolicy

    import policies.pack

    strict = ResourceValidationPolicy(
        name="test-needs-register", description="Needs the register (test-only policy).",
        validate=lambda args, report: None, enforcement_level=EnforcementLevel.MANDATORY,
        config_schema=PolicyConfigSchema(properties={"register": {"type": "object"}}, required=["register"]))
    monkeypatch.setattr(policies.pack, "POLICIES", [strict])
    code, out, err = check(capsys, PREVIEW)
    assert code == 2 and out == ""
    (error,) = [line for line in err.splitlines() if line.startswith("dpaguard: error:")]
    assert error == ("dpaguard: error: validating policy config for dpa-guard: test-needs-register: 'register' is a "
                     "required property; pass the stack register with --register out/STACK/policy-config.json "
                     "(from `dpaguard plan`)")


def test_an_advisory_policy_on_an_unknown_value_is_a_note(capsys, monkeypatch, tmp_path, plan):
    # pulumi_policy's servicer turns UnknownValueError into an ADVISORY "can't run policy ...
    # during preview" diagnostic; a policy outside policies/lib.py's fail-closed wrapper shows it.
    from pulumi_policy import EnforcementLevel, ResourceValidationPolicy

    import policies.pack

    def reads(args, report_violation):
        if args.resource_type == "azure-native:storage:StorageAccount" and args.props["allowSharedKeyAccess"]:
            report_violation("shared keys on")

    raw = ResourceValidationPolicy(name="test-raw-advisory", description="Raw (test-only policy).",
                                   validate=reads, enforcement_level=EnforcementLevel.ADVISORY)
    monkeypatch.setattr(policies.pack, "POLICIES", [raw])
    code, out, _ = check(capsys, write_plan(tmp_path, plan), "--format", "json")
    report = json.loads(out)
    assert code == 0
    assert [(v["urn"].rsplit("::", 1)[-1], v["enforcement"], v["message"]) for v in report["violations"]] == [
        ("ecg-dr-lie-bergen", "advisory", "shared keys on")]
    (note,) = report["notes"]
    assert note["urn"].endswith("::demoecg03") and note["enforcement"] == "advisory"
    # pulumi_policy proxy.py's UnknownValueError message, behind our "can't decide" label
    assert note["message"] == ("can't decide during preview: string value at .allowSharedKeyAccess "
                               "can't be known during preview")


def test_a_policy_the_config_disables_is_no_test_case(small_pack, plan):
    # pulumi_policy skips a policy configured `disabled` (policy.py Analyze/AnalyzeStack), so it ran on nothing
    from dpaguard.checking.evaluate import evaluate
    from dpaguard.checking.inputs import from_plan

    checked = from_plan(plan, name="plan.json")
    config = {"test-register-has-controllers": {"register": checked.register}, "storage-shared-key-disabled": "disabled"}
    evaluation = evaluate(small_pack, checked.resources, register=checked.register, stack_urn=checked.stack_urn,
                          config=config)
    assert evaluation.evaluated == [("test-register-has-controllers", checked.stack_urn)]
    assert evaluation.findings == []


# Python's json reads what a protobuf Struct (what the engine sends the analyzer) cannot carry.
UNCARRIABLE = [
    ("nan_in_register", ("register", "controllers", "dr-lie-bergen", "retentionDays"), "NaN",
     "plan.json: register: nan is not a JSON number"),
    ("infinity_in_inputs", ("resources", 1, "inputs", "minimumTlsVersion"), "Infinity",
     "resources[1] (urn:pulumi:demo::dpa-guard::azure-native:storage:StorageAccount::demoecg01) inputs: inf is not"),
    ("huge_int_in_inputs", ("resources", 1, "inputs", "x"), "1" + "0" * 400,
     "inputs: an integer of 401 digits is beyond any protobuf number"),
    ("lone_surrogate_in_register", ("register", "stack"), '"\\ud800"',
     "plan.json: register: a string with a lone UTF-16 surrogate"),
]


@pytest.mark.parametrize(("case", "path", "literal", "message"), UNCARRIABLE, ids=[c[0] for c in UNCARRIABLE])
def test_values_no_protobuf_can_carry_are_one_line_exit_2(capsys, small_pack, tmp_path, plan, case, path, literal,
                                                          message):
    target = plan
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = "@@HOLE@@"
    text = json.dumps(plan).replace('"@@HOLE@@"', literal)
    file = tmp_path / "plan.json"
    file.write_text(text, encoding="utf-8")
    code, out, err = check(capsys, file)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err, err
