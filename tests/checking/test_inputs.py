"""Reading plan.json and `pulumi preview --json` output: the accepted shapes and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dpaguard.checking import inputs
from dpaguard.checking.inputs import SECRET_MARKER, from_document, load_input, load_register
from dpaguard.errors import InputError
from tests.checking.conftest import REGISTER, STACK_URN

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PREVIEW = FIXTURES / "preview.json"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
SIG_KEY = "4dabf18193072939515e22adb298388d"


def write(tmp_path: Path, document, name: str = "input.json") -> Path:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------- plan.json


def test_plan_document(plan):
    checked = from_document(plan, name="plan.json")
    assert checked.kind == "plan"
    assert checked.stack_urn == STACK_URN
    assert checked.register == REGISTER
    assert checked.stack_file == "stacks/Pulumi.demo.yaml"
    assert [r.name for r in checked.resources] == ["dpa-guard-demo", "demoecg01", "ecg-dr-lie-bergen", "demoecg03"]
    assert checked.resources[1].inputs == {"allowSharedKeyAccess": False, "defaultToOAuthAuthentication": True}


def test_plan_without_stack_resource_gets_a_stack_urn(plan):
    plan["resources"] = plan["resources"][1:]
    assert from_document(plan, name="p").stack_urn == STACK_URN


def test_register_file_replaces_the_plans_register(plan):
    other = {**REGISTER, "stack": "other"}
    checked = from_document(plan, name="p", register=other)
    assert checked.register["stack"] == "other"
    assert "--register" in checked.source


def test_secret_ciphertext_becomes_the_secret_marker(plan):
    plan["resources"][1]["inputs"]["key"] = {SIG_KEY: SECRET_SIG, "ciphertext": "v1:abc"}
    plan["resources"][1]["inputs"]["plain"] = {SIG_KEY: SECRET_SIG, "value": "x"}
    inputs_ = from_document(plan, name="p").resources[1].inputs
    assert inputs_["key"] == SECRET_MARKER
    assert inputs_["plain"] == {SIG_KEY: SECRET_SIG, "value": "x"}


# ---------------------------------------------------------------------------- preview JSON


def test_preview_fixture():
    checked = load_input(PREVIEW)
    assert checked.kind == "preview"
    assert checked.stack == "demo" and checked.project == "dpa-guard"
    assert checked.stack_urn == "urn:pulumi:demo::dpa-guard::pulumi:pulumi:Stack::dpa-guard-demo"
    names = [r.name for r in checked.resources]
    # the deleted account is skipped; the unchanged one (shown with --show-sames) is kept
    assert names == ["dpa-guard-demo", "default_3_29_0", "demokept", "demorec", "demoecg01", "demoecg02"]
    by_name = {r.name: r for r in checked.resources}
    assert by_name["demoecg01"].inputs["allowSharedKeyAccess"] is True
    assert by_name["demoecg02"].inputs["allowSharedKeyAccess"] == SECRET_MARKER
    assert by_name["demorec"].parent == "urn:pulumi:demo::dpa-guard::dpaguard:storage:NorwayStorage::ous"
    assert by_name["demorec"].property_dependencies == {"resourceGroupName": (
        "urn:pulumi:demo::dpa-guard::dpaguard:storage:NorwayStorage$azure-native:resources:ResourceGroup::rg-demo-ous-data",)}
    assert by_name["dpa-guard-demo"].custom is False
    assert checked.register is None
    assert any("--register" in w for w in checked.warnings)


def test_preview_outputs_of_each_step():
    by_name = {r.name: r for r in load_input(PREVIEW).resources}
    # same: the stored outputs (oldState), name and id known
    kept = by_name["demokept"].outputs
    assert kept is not None and kept["name"] == "demokept" and kept["allowSharedKeyAccess"] is False
    assert by_name["demokept"].id is not None and by_name["demokept"].id.endswith("/storageAccounts/demokept")
    # create/update/replace without outputs in the digest: derived later from the inputs (None here)
    assert by_name["demorec"].outputs is None and by_name["demoecg01"].outputs is None
    assert by_name["demoecg02"].outputs is None
    # the stack and the provider keep what the digest shows
    assert by_name["dpa-guard-demo"].outputs == {"storageAccounts": SECRET_MARKER}
    assert by_name["default_3_29_0"].outputs == {"location": "norwayeast", "version": "3.29.0"}


def test_preview_without_show_sames_is_refused(tmp_path):
    # What `pulumi preview --json` prints for the same stack without --show-sames: shouldShow
    # (pkg/backend/display/display.go) drops `same` steps except the root stack's.
    doc = json.loads(PREVIEW.read_text())
    doc["steps"] = [s for s in doc["steps"] if s["op"] != "same" or s["urn"].endswith("::dpa-guard-demo")]
    path = write(tmp_path, doc)
    with pytest.raises(InputError) as raised:
        load_input(path)
    assert raised.value.message == (f"{path}: the preview hides 2 of the stack's 3 unchanged resources, so "
                                    "policies would judge part of the stack: rerun "
                                    "`pulumi preview --json --show-sames`")


DEMO_STACK = "urn:pulumi:demo::dpa-guard::pulumi:pulumi:Stack::dpa-guard-demo"
COMPONENT_URN = "urn:pulumi:demo::dpa-guard::dpaguard:storage:NorwayStorage::ous"  # as the fixture names it
GROUP_URN = "urn:pulumi:demo::dpa-guard::dpaguard:storage:NorwayStorage$azure-native:resources:ResourceGroup::rg-demo-ous-data"


def _created(urn: str, type_: str, custom: bool, parent: str | None = None) -> dict:
    state = {"urn": urn, "type": type_, "custom": custom, "inputs": {}, **({"parent": parent} if parent else {})}
    return {"op": "create", "urn": urn, "newState": state}


def test_new_stack_preview_needs_no_show_sames(tmp_path):
    # A first preview has no unchanged resources: changeSummary has no `same`, and every resource is
    # a create step, the Stack and components included (the account's parent and resource group too).
    doc = json.loads(PREVIEW.read_text())
    doc["steps"] = [_created(DEMO_STACK, "pulumi:pulumi:Stack", False),
                    _created(COMPONENT_URN, "dpaguard:storage:NorwayStorage", False, DEMO_STACK),
                    _created(GROUP_URN, "azure-native:resources:ResourceGroup", True, COMPONENT_URN)] + [
        s for s in doc["steps"] if s["op"] == "create"]
    doc["changeSummary"] = {"create": 4}
    assert [r.name for r in load_input(write(tmp_path, doc)).resources] == [
        "dpa-guard-demo", "ous", "rg-demo-ous-data", "demorec"]


@pytest.mark.parametrize("summary", [None, {}, {"update": 1}, {"same": 0, "update": 1}])
def test_preview_hiding_sames_without_a_summary_is_refused(tmp_path, summary):
    # changeSummary dropped or zeroed: the parent a changed resource names is not among the steps.
    doc = json.loads(PREVIEW.read_text())
    doc["steps"] = [s for s in doc["steps"] if s["op"] != "same" or s["urn"] == DEMO_STACK]
    doc.pop("changeSummary")
    if summary is not None:
        doc["changeSummary"] = summary
    path = write(tmp_path, doc)
    with pytest.raises(InputError) as raised:
        load_input(path)
    assert raised.value.message.endswith("but no step shows that resource, so policies would judge part of the "
                                         "stack: rerun `pulumi preview --json --show-sames`"), raised.value.message
    assert "as its parent" in raised.value.message or "as its dependency" in raised.value.message


def test_policy_config_lowering_a_level_is_refused(tmp_path):
    for weakened in ({"all": "disabled", "storage-x": {"register": REGISTER}},
                     {"storage-x": {"register": REGISTER, "enforcementLevel": "advisory"}},
                     {"storage-x": {"register": REGISTER}, "other-y": "disabled"}):
        path = write(tmp_path, weakened, "pc.json")
        with pytest.raises(InputError) as raised:
            load_register(path)
        assert "sets enforcementLevel below mandatory" in raised.value.message
        assert "switches those clauses off" in raised.value.message
    kept = write(tmp_path, {"storage-x": {"register": REGISTER, "enforcementLevel": "mandatory"}}, "pc.json")
    assert load_register(kept) == REGISTER


def test_preview_with_register_file(tmp_path, plan):
    config = write(tmp_path, {"storage-x": {"register": REGISTER}, "other-y": {"register": REGISTER}}, "pc.json")
    checked = load_input(PREVIEW, register_path=config)
    assert checked.register == REGISTER
    assert not any("--register" in w for w in checked.warnings)


def test_preview_errors_become_a_warning(tmp_path):
    doc = json.loads(PREVIEW.read_text())
    doc["diagnostics"].append({"message": "error: program failed\nwith a trace", "severity": "error"})
    checked = load_input(write(tmp_path, doc))
    assert any("1 error(s)" in w and "\n" not in w for w in checked.warnings)


def test_empty_preview_is_accepted(tmp_path):
    checked = load_input(write(tmp_path, {"config": {}, "changeSummary": {}}))
    assert checked.resources == [] and checked.kind == "preview"


def test_unknown_ops_with_new_state_are_checked(tmp_path):
    urn = "urn:pulumi:s::p::azure-native:storage:StorageAccount::a"
    doc = {"steps": [{"op": "some-future-op", "urn": urn,
                      "newState": {"urn": urn, "type": "azure-native:storage:StorageAccount", "inputs": {}}},
                     {"op": "read", "urn": urn + "2",
                      "newState": {"urn": urn + "2", "type": "azure-native:storage:StorageAccount"}}]}
    assert [r.name for r in load_input(write(tmp_path, doc)).resources] == ["a"]


def test_utf16_with_bom_is_read(tmp_path):
    path = tmp_path / "ps.json"
    path.write_bytes(PREVIEW.read_text(encoding="utf-8").encode("utf-16"))
    assert len(load_input(path).resources) == 6


def test_utf8_bom_is_read(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + PREVIEW.read_bytes())
    assert len(load_input(path).resources) == 6


# ---------------------------------------------------------------------------- errors: one line naming the file

URN = "urn:pulumi:s::p::azure-native:storage:StorageAccount::a"


def _step(**new_state):
    return {"steps": [{"op": "create", "urn": URN, "newState": {"urn": URN, **new_state}}]}


BAD = [
    ("not_json", "Previewing update (dev):\n  + create", "not JSON"),
    ("empty", "  \n", "empty"),
    ("truncated", '{"steps": [', "not JSON"),
    ("array", [1, 2], "JSON array, but neither"),
    ("string", '"hello"', "JSON string, but neither"),
    ("other_object", {"name": "x", "version": 1}, "neither a dpaguard plan"),
    ("steps_not_list", {"steps": {"a": 1}}, "expected an array"),
    ("step_not_object", {"steps": ["create"]}, "steps[0]: JSON string"),
    ("step_without_op", {"steps": [{"urn": URN}]}, "no `op`"),
    ("create_without_new_state", {"steps": [{"op": "create", "urn": URN}]}, "a create step without newState"),
    ("new_state_without_type", _step(inputs={}), "has no type"),
    ("bad_urn", {"steps": [{"op": "create", "urn": "x", "newState": {"urn": "x", "type": "a:b:C"}}]}, "not a Pulumi URN"),
    ("new_state_not_object", {"steps": [{"op": "create", "urn": URN, "newState": [1]}]}, "newState is JSON array"),
    ("inputs_not_object", _step(type="a:b:C", inputs=[1, 2]), "newState.inputs is JSON array"),
    ("custom_not_bool", _step(type="a:b:C", custom="yes"), "newState.custom"),
    ("bad_dependencies", _step(type="a:b:C", dependencies="x"), "dependencies"),
    ("unknown_signature", _step(type="a:b:C", inputs={"k": {SIG_KEY: "nope"}}), "unknown Pulumi value signature"),
    ("bad_asset", _step(type="a:b:C", inputs={"k": {SIG_KEY: "c44067f5952c0a294b673a41bacd8c17"}}), "an asset"),
    ("plan_missing_keys", {"planVersion": 1, "resources": []}, "plan.schema.json"),
    ("plan_resource_without_type", {"planVersion": 1, "generator": "g", "project": "p", "stack": "s",
                                    "stackFile": "f", "preview": True, "outputs": {}, "register": REGISTER,
                                    "resources": [{"urn": URN}]}, "plan.schema.json at resources/0"),
]


@pytest.mark.parametrize(("case", "content", "expected"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_one_line_naming_the_file(tmp_path, case, content, expected):
    path = write(tmp_path, content)
    with pytest.raises(InputError) as info:
        load_input(path)
    message = info.value.message
    assert message.startswith(str(path)), message
    assert expected in message, message
    assert "\n" not in message


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        load_input(tmp_path / "nope.json")


def test_directory(tmp_path):
    with pytest.raises(InputError, match="is a directory"):
        load_input(tmp_path)


def test_too_large(tmp_path, monkeypatch):
    monkeypatch.setattr(inputs, "MAX_INPUT_BYTES", 100)
    with pytest.raises(InputError, match="larger than"):
        load_input(write(tmp_path, {"steps": [], "pad": "x" * 200}))


def test_deeply_nested_json(tmp_path):
    with pytest.raises(InputError, match="nested too deeply"):
        load_input(write(tmp_path, "[" * 100_000 + "]" * 100_000))


def test_deeply_nested_inputs(tmp_path):
    deep: dict = {}
    current = deep
    for _ in range(100):
        current["a"] = {}
        current = current["a"]
    with pytest.raises(InputError, match="nested deeper than 64"):
        load_input(write(tmp_path, _step(type="a:b:C", inputs=deep)))


# ---------------------------------------------------------------------------- registers


def test_bare_register(tmp_path):
    assert load_register(write(tmp_path, REGISTER)) == REGISTER


REGISTER_BAD = [
    ("array", [REGISTER], "expected a policy-config.json"),
    ("neither", {"a": 1}, "neither a policy-config.json"),
    ("empty_config", {}, "neither a policy-config.json"),
    ("different", {"a": {"register": REGISTER}, "b": {"register": {**REGISTER, "stack": "x"}}}, "different registers"),
    ("invalid", {"agreements": "ECG", "controllers": {}}, "not a stack register"),
]


@pytest.mark.parametrize(("case", "content", "expected"), REGISTER_BAD, ids=[b[0] for b in REGISTER_BAD])
def test_bad_register(tmp_path, case, content, expected):
    path = write(tmp_path, content, "register.json")
    with pytest.raises(InputError) as info:
        load_register(path)
    assert info.value.message.startswith(str(path)) and expected in info.value.message
    assert "\n" not in info.value.message
