"""Rendering: one golden resource per type, and the template-level rules (scopes, parameters, names)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dpaguard.arm.catalog import TYPES
from dpaguard.arm.render import GROUP_SCHEMA, SUBSCRIPTION_SCHEMA, UNKNOWN, render
from dpaguard.checking.evaluate import Resource
from dpaguard.checking.inputs import load_input
from tests.policies.plans import SHIPPED_STACKS, shipped_plan
from tests.schemas.contract import KNOWN_GAPS

GOLDEN = Path(__file__).with_name("golden")
GOLDEN_FILES = sorted(GOLDEN.glob("*.json"))
SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
SUB = "/subscriptions/9b2e6f3a-1c4d-4e8f-a7b6-3d5c2e1f0a94"
UPDATE = os.environ.get("DPAGUARD_UPDATE_GOLDENS") == "1"


def resource(token: str, name: str, inputs: dict, **extra) -> Resource:
    return Resource(urn=f"urn:pulumi:test::dpa-guard::{token}::{name}", type=token, name=name, inputs=inputs, **extra)


# ------------------------------------------------------------------------------- goldens


@pytest.mark.parametrize("path", GOLDEN_FILES, ids=[p.stem for p in GOLDEN_FILES])
def test_golden(path):
    """tests/arm/golden/<module>.<Type>.json: plan inputs and the ARM resource they must render to.

    DPAGUARD_UPDATE_GOLDENS=1 rewrites `expected` from the renderer; review the diff like code.
    """
    case = json.loads(path.read_text(encoding="utf-8"))
    template = render([Resource(urn=f"urn:pulumi:golden::dpa-guard::{case['token']}::{case['name']}",
                                type=case["token"], name=case["name"], inputs=case["inputs"])], source="golden")
    assert not template.skipped, template.skipped
    (rendered,) = template.resources
    actual = {"resource": rendered.body, "container": rendered.container,
              "parameters": template.document.get("parameters", {})}
    if UPDATE:
        case["expected"] = actual
        path.write_text(json.dumps(case, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert actual == case["expected"]


def test_goldens_cover_every_type_the_shipped_stacks_use():
    covered = {json.loads(p.read_text())["token"] for p in GOLDEN_FILES}
    used = set()
    for stack in SHIPPED_STACKS:
        plan = shipped_plan(stack)
        assert not isinstance(plan, str), plan
        used |= {r["type"] for r in plan["resources"] if r["type"] in TYPES}
    assert used <= covered, f"add a golden for {sorted(used - covered)}"


@pytest.mark.parametrize("token", sorted(TYPES))
def test_every_catalogued_type_renders_its_type_version_and_name(token):
    spec = TYPES[token]
    inputs: dict = {"resourceGroupName": "rg-x", "location": "norwayeast", "recordType": "A"}
    for i, seg in enumerate(spec.names):
        if seg.key:
            inputs[seg.key] = f"n{i}"
    if spec.scope_input:
        inputs[spec.scope_input] = f"{SUB}/resourceGroups/rg-x/providers/Microsoft.Storage/storageAccounts/acct"
    template = render([resource(token, "r", inputs)])
    (r,) = template.resources
    assert r.body["type"] == spec.arm_type.replace("{recordType}", "A")
    assert r.body["apiVersion"] and r.body["apiVersion"][:2] == "20"
    expected = [s.default if s.key is None else f"n{i}" for i, s in enumerate(spec.names)]
    if not spec.generated_name:
        assert r.body["name"] == "/".join(expected)
    assert not set(spec.path_inputs()) & set(r.body.get("properties", {})), "path parameters leaked into properties"


# ------------------------------------------------------------------------------- template rules


def _flat(document: dict) -> list[dict]:
    out = []
    for body in document["resources"]:
        out.append(body)
        if body["type"] == "Microsoft.Resources/deployments":
            out += body["properties"]["template"]["resources"]
    return out


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_shipped_stack_template_shape(stack):
    plan = shipped_plan(stack)
    assert not isinstance(plan, str), plan
    from dpaguard.checking.inputs import from_plan

    checked = from_plan(plan, name=stack)
    template = render(checked.resources, source=stack)
    doc = json.loads(template.text())
    assert doc["$schema"] == SUBSCRIPTION_SCHEMA and doc["contentVersion"] == "1.0.0.0"
    top_types = {b["type"] for b in doc["resources"]}
    # Only subscription-level resources and the per-group deployments at the top.
    assert top_types <= {"Microsoft.Resources/resourceGroups", "Microsoft.Resources/deployments",
                         "Microsoft.Authorization/roleDefinitions", "Microsoft.Authorization/policyAssignments",
                         "Microsoft.Insights/diagnosticSettings",
                         # the deployer role's PIM eligibility is at the subscription (modules/roles.py)
                         "Microsoft.Authorization/roleEligibilityScheduleRequests"}, top_types
    for body in doc["resources"]:
        if body["type"] == "Microsoft.Resources/deployments":
            inner = body["properties"]["template"]
            assert inner["$schema"] == GROUP_SCHEMA
            assert body["properties"]["expressionEvaluationOptions"] == {"scope": "inner"}
            declared = set(inner.get("parameters", {}))
            assert declared == set(body["properties"].get("parameters", {})) <= {"unknowns", "secrets"}
            assert "unknownValues')" not in json.dumps(inner), "inner templates use their own parameter names"
    # Every custom plan resource is rendered or listed as skipped, exactly once.
    custom = {r.urn for r in checked.resources if r.custom and not r.type.startswith("pulumi:")}
    assert {r.urn for r in template.resources} | {s.urn for s in template.skipped} == custom
    # Entra ID objects, and the tenant-scope gaps listed (and asserted) in tests/schemas/contract.py.
    assert {s.token.split(":")[0] for s in template.skipped if s.token not in KNOWN_GAPS} == {"azuread"}
    assert all(s["reason"] for s in doc["metadata"]["skipped"])
    # The line index points at each resource's opening brace, as checkov's records will.
    lines = template.text().splitlines()
    for r in template.resources:
        assert lines[r.line - 1].strip() == "{" and json.dumps(r.body["type"]) in lines[r.line]


def test_child_names_and_path_parameters():
    container = resource("azure-native:storage:BlobContainer", "c", {
        "accountName": "acct", "resourceGroupName": "rg", "containerName": "rec-a", "publicAccess": "None"})
    (r,) = render([container]).resources
    assert r.body["name"] == "acct/default/rec-a"
    assert r.body["properties"] == {"publicAccess": "None"}
    assert r.container == "rg"


def test_unknown_values_and_secrets_become_parameter_properties():
    assignment = resource("azure-native:authorization:RoleAssignment", "ra", {
        "roleAssignmentName": "11111111-1111-1111-1111-111111111111", "scope": f"{SUB}/resourceGroups/rg",
        "principalId": UNKNOWN, "roleDefinitionId": f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/x"})
    secret = resource("azure-native:keyvault:Secret", "s", {
        "vaultName": "kv", "resourceGroupName": "rg", "secretName": "n",
        "properties": {"value": {**SECRET, "value": "hunter2"}}})
    preview_secret = resource("azure-native:keyvault:Secret", "p", {
        "vaultName": "kv", "resourceGroupName": "rg", "secretName": "m", "properties": {"value": "[secret]"}})
    template = render([assignment, secret, preview_secret])
    text = template.text()
    assert "hunter2" not in text
    params = template.document["parameters"]
    assert {k: v["type"] for k, v in params.items()} == {"unknownValues": "object", "secretValues": "secureObject"}
    (key,) = params["unknownValues"]["metadata"]["keys"]
    assert key.startswith("principalId_") and "roles" not in key
    assert len(params["secretValues"]["metadata"]["keys"]) == 2
    ra = next(r for r in template.resources if r.pulumi_name == "ra")
    # Inside a nested deployment the values arrive as that deployment's own parameters.
    assert ra.body["properties"]["principalId"] == f"[parameters('unknowns').{key}]"
    # Scope = the resource group itself: deployed in its deployment without a scope property.
    assert ra.container == "rg" and "scope" not in ra.body
    deployment = template.deployments["dpaguard-rg"]
    assert deployment["properties"]["parameters"] == {"unknowns": {"value": "[parameters('unknownValues')]"},
                                                      "secrets": {"value": "[parameters('secretValues')]"}}
    assert deployment["properties"]["template"]["parameters"] == {"unknowns": {"type": "object"},
                                                                  "secrets": {"type": "secureObject"}}


def test_unknown_name_segment_becomes_a_concat_expression():
    c = resource("azure-native:storage:BlobContainer", "c", {
        "accountName": UNKNOWN, "resourceGroupName": "rg", "containerName": "x"})
    (r,) = render([c]).resources
    assert r.body["name"].startswith("[concat(parameters('unknowns').accountName_")
    assert r.body["name"].endswith(", '/', 'default', '/', 'x')]")


def test_literal_brackets_are_escaped():
    group = resource("azure-native:resources:ResourceGroup", "g", {
        "resourceGroupName": "rg", "location": "norwayeast", "tags": {"note": "[not an expression]"}})
    (r,) = render([group]).resources
    assert r.body["tags"]["note"] == "[[not an expression]"


def test_flattened_subresources_and_renames():
    account = resource("azure-native:storage:StorageAccount", "a", {
        "accountName": "acct", "resourceGroupName": "rg", "location": "norwayeast", "sku": {"name": "Standard_ZRS"},
        "kind": "StorageV2", "enableHttpsTrafficOnly": True,
        "networkRuleSet": {"defaultAction": "Deny", "ipRules": [{"iPAddressOrRange": "203.0.113.1", "action": "Allow"}]}})
    nsg = resource("azure-native:network:NetworkSecurityGroup", "n", {
        "networkSecurityGroupName": "nsg", "resourceGroupName": "rg", "location": "norwayeast",
        "securityRules": [{"name": "r", "access": "Allow", "priority": 100.0}]})
    a, n = render([account, nsg]).resources
    assert a.body["sku"] == {"name": "Standard_ZRS"} and a.body["kind"] == "StorageV2"
    assert a.body["properties"] == {"supportsHttpsTrafficOnly": True, "networkAcls": {
        "defaultAction": "Deny", "ipRules": [{"value": "203.0.113.1", "action": "Allow"}]}}
    assert n.body["properties"]["securityRules"] == [{"name": "r", "properties": {"access": "Allow", "priority": 100}}]


def test_plan_inputs_are_not_changed_by_rendering():
    inputs = {"networkSecurityGroupName": "nsg", "resourceGroupName": "rg", "securityRules": [{"name": "r", "access": "Allow"}]}
    before = json.dumps(inputs, sort_keys=True)
    render([resource("azure-native:network:NetworkSecurityGroup", "n", inputs)])
    assert json.dumps(inputs, sort_keys=True) == before


def test_dependencies_become_depends_on():
    account = resource("azure-native:storage:StorageAccount", "a", {"accountName": "acct", "resourceGroupName": "rg"})
    blob = resource("azure-native:storage:BlobServiceProperties", "b", {"accountName": "acct", "resourceGroupName": "rg"},
                    dependencies=(account.urn,))
    group = resource("azure-native:resources:ResourceGroup", "g", {"resourceGroupName": "rg", "location": "norwayeast"})
    template = render([group, account, blob])
    b = next(r for r in template.resources if r.pulumi_name == "b")
    assert b.body["dependsOn"] == ["[resourceId('Microsoft.Storage/storageAccounts', 'acct')]"]
    assert template.deployments["dpaguard-rg"]["dependsOn"] == [
        "[subscriptionResourceId('Microsoft.Resources/resourceGroups', 'rg')]"]


def test_preview_json_input(tmp_path):
    """`pulumi preview --json` output renders too (providers and the stack are not resources)."""
    checked = load_input(Path(__file__).resolve().parents[1] / "fixtures" / "preview.json")
    template = render(checked.resources)
    assert template.resources
    assert not any(r.token.startswith("pulumi:") for r in template.resources)
    assert not any(s.token.startswith("pulumi:") for s in template.skipped)


# ------------------------------------------------------------------------------- totality

_leaf = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False), st.text(max_size=6),
                  st.just(UNKNOWN), st.just("[secret]"), st.just("[x]"))
_value = st.recursive(_leaf, lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(st.text(max_size=5), c, max_size=4),
                                                   c.map(lambda v: {**SECRET, "value": v})), max_leaves=12)
_keys = st.sampled_from(["resourceGroupName", "accountName", "scope", "resourceUri", "location", "sku", "tags",
                         "securityRules", "subnets", "networkRuleSet", "properties", "name", "recordType", "x"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tokens=st.lists(st.sampled_from(sorted(TYPES) + ["azuread:index/group:Group", "azure-native:sql:Server"]),
                       min_size=1, max_size=4),
       inputs=st.lists(st.dictionaries(_keys, _value, max_size=6), min_size=4, max_size=4))
def test_rendering_is_total(tokens, inputs):
    """Odd inputs (wrong types, unknowns, secrets anywhere) never raise, and the text stays JSON."""
    resources = [resource(t, f"r{i}", inputs[i]) for i, t in enumerate(tokens)]
    template = render(resources)
    json.loads(template.text())
    assert len(template.resources) + len(template.skipped) == len(resources)


# ------------------------------------------------------------------------------- the command


def test_arm_command_writes_the_template_and_lists_what_it_skipped(tmp_path, capsys):
    from dpaguard.cli import main

    plan = shipped_plan("ous-kvalitetslab")
    assert not isinstance(plan, str), plan
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    assert main(["arm", str(tmp_path / "plan.json"), "-o", str(tmp_path / "t.json")]) == 0
    out = capsys.readouterr().out
    assert "skipped   11 × azuread:index/group:Group: Entra ID object" in out
    assert out.rstrip().splitlines()[-1].startswith(f"wrote {tmp_path / 't.json'}: ")
    template = json.loads((tmp_path / "t.json").read_text())
    assert template["contentVersion"] == "1.0.0.0" and template["metadata"]["skipped"]
    # Without -o the template alone goes to stdout; the summary goes to stderr.
    assert main(["arm", str(tmp_path / "plan.json")]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == template
    assert "skipped" in captured.err


def test_arm_command_rejects_what_is_not_a_plan(tmp_path, capsys):
    from dpaguard.cli import main

    (tmp_path / "x.json").write_text("[1, 2]")
    assert main(["arm", str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dpaguard: error: ") and len(err.strip().splitlines()) == 1


def test_a_versioned_token_renders_as_its_base_type_at_the_token_s_api_version():
    """pulumi-azure-native publishes each type per API version (`storage/v20230101:StorageAccount`);
    policies read it as the base type (policies/lib.base_type), so the renderer must too."""
    inputs = {"resourceGroupName": "rg-x", "accountName": "acct", "location": "norwayeast", "kind": "StorageV2",
              "sku": {"name": "Standard_ZRS"}, "allowSharedKeyAccess": True}
    template = render([resource("azure-native:storage/v20230101:StorageAccount", "a", inputs),
                       resource("azure-native:storage/v20240101preview:StorageAccount", "b",
                                dict(inputs, accountName="acct2"))])
    assert not template.skipped
    bodies = {r.body["name"]: r.body for r in template.resources}
    assert (bodies["acct"]["type"], bodies["acct"]["apiVersion"]) == ("Microsoft.Storage/storageAccounts", "2023-01-01")
    assert bodies["acct2"]["apiVersion"] == "2024-01-01-preview"
    assert bodies["acct"]["properties"] == {"allowSharedKeyAccess": True}
