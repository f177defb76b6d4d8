"""`dpaguard plan` end to end: both shipped stacks, the plan document, and every bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from dpaguard.cli import main
from dpaguard.engine import plan as plan_mod
from dpaguard.engine.runner import UNKNOWN
from dpaguard.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
STACKS = ("ous-kvalitetslab", "ecg247")

# Every resource type the issue names, per stack: the plan must carry each one.
EXPECTED_TYPES = {
    "azure-native:resources:ResourceGroup",
    "azure-native:storage:StorageAccount",
    "azure-native:storage:BlobServiceProperties",
    "azure-native:storage:BlobContainer",
    "azure-native:storage:ManagementPolicy",
    "azure-native:network:PrivateEndpoint",
    "azure-native:network:PrivateDnsZoneGroup",
    "azure-native:privatedns:PrivateZone",
    "azure-native:privatedns:VirtualNetworkLink",
    "azure-native:network:VirtualNetwork",
    "azure-native:network:NetworkSecurityGroup",
    # point-to-site VPN on the Virtual WAN secured hub (both stacks set `egress`, modules/egress.py)
    "azure-native:network:VirtualWan",
    "azure-native:network:VirtualHub",
    "azure-native:network:VpnServerConfiguration",
    "azure-native:network:P2sVpnGateway",
    "azure-native:network:AzureFirewall",
    "azure-native:network:RoutingIntent",
    "azuread:index/group:Group",
    "azuread:index/groupMember:GroupMember",
    "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy",
    "azure-native:authorization:RoleDefinition",
    "azure-native:authorization:RoleAssignment",
    "azure-native:authorization:PimRoleEligibilitySchedule",
    "azure-native:authorization:PolicyAssignment",
    "azure-native:operationalinsights:Workspace",
    "azure-native:monitor:DiagnosticSetting",
    "azure-native:monitor:SubscriptionDiagnosticSetting",
    "azure-native:monitor:ActionGroup",
    "azure-native:monitor:ActivityLogAlert",
    "azure-native:monitor:ScheduledQueryRule",
}


@pytest.fixture(scope="module")
def planned(tmp_path_factory) -> dict[str, dict]:
    out = {}
    for stack in STACKS:
        directory = tmp_path_factory.mktemp(stack)
        assert main(["plan", "--stack", stack, "--out", str(directory), "--no-check", "--quiet"]) == 0
        out[stack] = json.loads((directory / "plan.json").read_text())
    return out


@pytest.mark.parametrize("stack", STACKS)
def test_plan_carries_every_resource_type(planned, stack):
    types = {r["type"] for r in planned[stack]["resources"]}
    assert EXPECTED_TYPES <= types, sorted(EXPECTED_TYPES - types)


@pytest.mark.parametrize("stack", STACKS)
def test_plan_document_shape(planned, stack):
    doc = planned[stack]
    plan_mod.validate_plan(doc)
    assert (doc["project"], doc["stack"], doc["stackFile"]) == ("dpa-guard", stack, f"stacks/Pulumi.{stack}.yaml")
    urns = [r["urn"] for r in doc["resources"]]
    assert len(urns) == len(set(urns))
    by_urn = {r["urn"]: r for r in doc["resources"]}
    for r in doc["resources"]:
        assert r["parent"] is None or r["parent"] in by_urn, r["urn"]
        assert all(d in by_urn for d in r["dependencies"]), r["urn"]
        # Aliases are dropped offline (no state to migrate); see dpaguard/engine/runner.py.
        assert r["aliases"] == 0, r["urn"]
    components = {r["type"] for r in doc["resources"] if not r["custom"]}
    assert {"dpaguard:storage:NorwayStorage", "dpaguard:network:ForcedTunnelVpn", "dpaguard:access:MfaAccess",
            "dpaguard:roles:LeastPrivilegeRoles", "dpaguard:audit:AuditTrail"} <= components


def _one(doc: dict, type_: str) -> dict:
    matches = [r for r in doc["resources"] if r["type"] == type_]
    assert matches, type_
    return matches[0]


@pytest.mark.parametrize("stack", STACKS)
def test_inputs_are_wire_form(planned, stack):
    doc = planned[stack]
    account = _one(doc, "azure-native:storage:StorageAccount")["inputs"]
    # camelCase keys, plain JSON values, exactly what the SDK sent.
    assert account["allowSharedKeyAccess"] is False and account["minimumTlsVersion"] == "TLS1_2"
    assert account["location"] == "norwayeast"
    gateway = _one(doc, "azure-native:network:P2sVpnGateway")["inputs"]
    assert [c["enableInternetSecurity"] for c in gateway["p2SConnectionConfigurations"]] == [True]
    # A group member refers to a group that does not exist yet: its object id is unknown.
    member = _one(doc, "azuread:index/groupMember:GroupMember")["inputs"]
    assert member["groupObjectId"] == UNKNOWN


def test_outputs_and_register(planned):
    doc = planned["ous-kvalitetslab"]
    assert doc["outputs"]["storageAccounts"] == {"OUS": ["ousklrec"]}
    assert doc["outputs"]["vpnClientAddressPool"] == "172.16.201.0/24"
    assert doc["outputs"]["pendingConfidentialityDeclarations"] == ["Ingrid Berg (skårer, nyansatt)"]
    assert set(doc["register"]["controllers"]) == {"ahus-mbt", "sus-mbt", "unn-mbt", "stolav-mbt", "vestre-viken-mbt"}


def test_tree_is_printed_by_component(capsys, tmp_path):
    assert main(["plan", "--stack", "ous-kvalitetslab", "--out", str(tmp_path), "--no-check"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("ous-kvalitetslab: ")
    for component in ("vpn  dpaguard:network:ForcedTunnelVpn", "ous  dpaguard:storage:NorwayStorage",
                      "egress  dpaguard:network:SecuredHubEgress"):
        assert component in out
    assert "× azure-native:network:P2sVpnGateway" in out


# ------------------------------------------------------------------ bad input


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project (program, Pulumi.yaml, the OUS stack) to break; `modules` linked, not copied:
    one process imports one `modules` package (dpaguard.engine.packages refuses a second copy)."""
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "modules").symlink_to(ROOT / "modules")
    (tmp_path / "stacks").mkdir()
    shutil.copy(ROOT / "stacks" / "Pulumi.ous-kvalitetslab.yaml", tmp_path / "stacks" / "Pulumi.bad.yaml")
    return tmp_path


def _edit(project: Path, edit) -> None:
    path = project / "stacks" / "Pulumi.bad.yaml"
    doc = yaml.safe_load(path.read_text())
    edit(doc["config"])
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


BAD = [
    ("missing_key", lambda c: c.pop("dpa-guard:tenantId"), "dpa-guard:tenantId: is required"),
    ("region_outside_norway", lambda c: c.update({"dpa-guard:location": "westeurope"}), "dpa-guard:location:"),
    ("overlapping_cidrs", lambda c: c["dpa-guard:network"].update(vpnClientPool="10.60.0.0/24"),
     "dpa-guard:network.vpnClientPool: overlaps"),
    ("public_cidr", lambda c: c["dpa-guard:network"].update(vnetCidr="51.120.0.0/16"),
     "dpa-guard:network.vnetCidr: 51.120.0.0/16 is not a private"),
    ("malformed_controller", lambda c: c["dpa-guard:controllers"][1].pop("agreement"),
     "dpa-guard:controllers[1].agreement: is required"),
    ("controller_not_mapping", lambda c: c["dpa-guard:controllers"].append("just-a-name"),
     "dpa-guard:controllers[5]: must be a mapping"),
]


@pytest.mark.parametrize(("case", "edit", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_config_is_one_line_naming_file_and_key(project, capsys, case, edit, message):
    _edit(project, edit)
    code = main(["plan", "--stack", "bad", "--root", str(project), "--no-check"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("dpaguard: error: stacks/Pulumi.bad.yaml: "), err
    assert message in err, err
    assert not (project / "out" / "bad" / "plan.json").exists()


def test_unknown_stack_lists_the_known_ones(capsys):
    assert main(["plan", "--stack", "prod"]) == 2
    err = capsys.readouterr().err
    assert err == ("dpaguard: error: unknown stack 'prod': no stacks/Pulumi.prod.yaml "
                   "(known stacks: ecg247, ous-kvalitetslab)\n")


def test_broken_yaml_names_line(project, capsys):
    (project / "stacks" / "Pulumi.bad.yaml").write_text("config:\n  dpa-guard:prefix: [unclosed\n")
    assert main(["plan", "--stack", "bad", "--root", str(project)]) == 2
    err = capsys.readouterr().err
    assert "Pulumi.bad.yaml:3:1" in err and err.count("\n") == 1, err


def test_missing_stack_argument_is_usage_error(capsys):
    assert main(["plan"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--stack" in err


def test_failed_plan_keeps_the_previous_plan(project, capsys):
    out = project / "out" / "bad"
    assert main(["plan", "--stack", "bad", "--root", str(project), "--no-check", "--quiet"]) == 0
    before = (out / "plan.json").read_bytes()
    # The program itself fails now (not the config): the old plan must survive untouched.
    (project / "__main__.py").write_text((project / "__main__.py").read_text() + "\nraise RuntimeError('boom')\n")
    assert main(["plan", "--stack", "bad", "--root", str(project), "--no-check"]) == 2
    err = capsys.readouterr().err
    assert "__main__.py failed for stack bad: RuntimeError: boom" in err
    assert (out / "plan.json").read_bytes() == before
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_schema_rejects_a_broken_document(planned):
    doc = json.loads(json.dumps(planned["ous-kvalitetslab"]))
    doc["resources"][1].pop("inputs")
    with pytest.raises(InputError, match="plan does not match plan.schema.json at resources/1"):
        plan_mod.validate_plan(doc)


def test_invokes_answer_from_config():
    invokes = plan_mod._invokes(type("Cfg", (), {"subscription_id": "s", "tenant_id": "t"})())
    assert invokes["azure-native:authorization:getClientConfig"]["subscriptionId"] == "s"
    assert invokes["azuread:index/getClientConfig:getClientConfig"]["tenantId"] == "t"


@pytest.mark.parametrize("stack", STACKS)
def test_plan_records_preview_outputs(planned, stack):
    # What AnalyzeStack receives in a real preview of a new stack (pulumi-azure-native Create with
    # preview: response properties only): the account's location kept, its name and id unknown,
    # the path parameters absent; a component's outputs are what it registered.
    doc = planned[stack]
    account = _one(doc, "azure-native:storage:StorageAccount")
    outputs = account["outputs"]
    assert outputs["location"] == "norwayeast" and outputs["allowSharedKeyAccess"] is False
    assert outputs["name"] == UNKNOWN and outputs["id"] == UNKNOWN
    assert "accountName" not in outputs and "resourceGroupName" not in outputs
    member = _one(doc, "azuread:index/groupMember:GroupMember")["outputs"]
    assert member["groupObjectId"] == UNKNOWN and member["id"] == UNKNOWN
    stack_resource = _one(doc, "pulumi:pulumi:Stack")
    assert stack_resource["outputs"] == doc["outputs"]


@pytest.mark.parametrize("stack", STACKS)
def test_resources_come_after_everything_they_name(planned, stack):
    # What registration order guarantees the engine (a resource's parent, provider and the
    # resources its inputs depend on are registered first), and the stack first of all.
    seen: set[str] = set()
    resources = planned[stack]["resources"]
    assert resources[0]["type"] == "pulumi:pulumi:Stack"
    for r in resources:
        named = {r["parent"], *r["dependencies"], *(u for urns in r["propertyDependencies"].values() for u in urns)}
        if r["provider"]:
            named.add(r["provider"].rsplit("::", 1)[0])
        named.discard(None)
        assert named <= seen, (r["urn"], sorted(named - seen))
        seen.add(r["urn"])


def test_two_plans_of_a_stack_are_the_same_bytes(planned, tmp_path):
    # The SDK registers resources in whatever order their inputs resolve (asyncio), different
    # from run to run; plan.json must not change with it (plans are diffed and committed).
    assert main(["plan", "--stack", "ous-kvalitetslab", "--out", str(tmp_path), "--no-check", "--quiet"]) == 0
    again = json.loads((tmp_path / "plan.json").read_text())
    assert [r["urn"] for r in again["resources"]] == [r["urn"] for r in planned["ous-kvalitetslab"]["resources"]]
    assert again == planned["ous-kvalitetslab"]
