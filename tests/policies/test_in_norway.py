import pytest

from policies.location.in_norway import GLOBAL_TYPES, POLICY, REGIONAL_TYPES
from tests.policies.helpers import failing_urns, fails_closed, outcome, resource, run
from tests.policies.stores import UNKNOWN, register, resource_group

REGISTER = register(("OUS",))
WORKSPACE = "azure-native:operationalinsights:Workspace"
ZONE = "azure-native:privatedns:PrivateZone"
COSMOS = "azure-native:cosmosdb:DatabaseAccount"
CONTAINER = "azure-native:storage:BlobContainer"


def ws(name="log", **inputs):
    return resource(WORKSPACE, name, {"resourceGroupName": "rg-test-audit", **inputs})


def urn(r):
    return r.urn


AUDIT_RG = resource_group("rg-test-audit", "OUS", data=False)
FAR_RG = resource_group("rg-test-audit", "OUS", data=False, location="westeurope")
NO_LOC_RG = resource_group("rg-test-audit", "OUS", data=False, location=None)

CASES = [
    ("pass_norwayeast", [AUDIT_RG, ws(location="norwayeast")], set()),
    ("pass_norwaywest", [AUDIT_RG, ws(location="norwaywest")], set()),
    ("pass_display_name", [AUDIT_RG, ws(location="Norway East")], set()),
    ("pass_global_dns_zone", [AUDIT_RG, resource(ZONE, "z", {"location": "global", "resourceGroupName": "rg-test-audit"})],
     set()),
    # A resource policy sees only the resource's inputs: an inherited location is not shown there.
    ("fail_inherits_norwegian_group", [AUDIT_RG, ws()], {"ws"}),
    ("fail_regional_type_without_location", [resource("azure-native:authorization:PolicyAssignment", "pa", {})],
     {"pa"}),
    ("fail_versioned_token_abroad", [resource("azure-native:storage/v20230101:StorageAccount", "sa",
                                              {"location": "westeurope"})], {"sa"}),
    ("pass_child_without_location", [resource(CONTAINER, "c", {"resourceGroupName": "rg-x"})], set()),
    ("pass_entra_objects_ignored", [resource("azuread:index/group:Group", "g", {"location": "westeurope"})], set()),
    ("pass_cosmos_replicas_in_norway", [AUDIT_RG, resource(COSMOS, "db", {
        "location": "norwayeast", "resourceGroupName": "rg-test-audit",
        "locations": [{"locationName": "norwayeast"}, {"locationName": "Norway West"}]})], set()),
    ("fail_westeurope", [AUDIT_RG, ws(location="westeurope")], {"ws"}),
    ("fail_global_workspace", [AUDIT_RG, ws(location="global")], {"ws"}),
    ("fail_group_outside", [FAR_RG], {"rg"}),
    ("fail_group_without_location", [NO_LOC_RG], {"rg"}),
    ("fail_inherits_foreign_group", [FAR_RG, ws()], {"rg", "ws"}),
    ("fail_inherits_unset_group", [NO_LOC_RG, ws()], {"rg", "ws"}),
    ("fail_group_not_in_plan", [ws()], {"ws"}),
    ("fail_no_group_no_location", [resource(WORKSPACE, "log", {})], {"ws"}),
    ("fail_odd_type_location", [AUDIT_RG, ws(location=["norwayeast"])], {"ws"}),
    ("fail_cosmos_replica_abroad", [AUDIT_RG, resource(COSMOS, "db", {
        "location": "norwayeast", "resourceGroupName": "rg-test-audit",
        "locations": [{"locationName": "norwayeast"}, {"locationName": "swedencentral"}]})], {"db"}),
]


def _short(urns):
    out = set()
    for u in urns:
        name = u.rsplit("::", 1)[-1]
        out.add("ws" if name == "log" else "rg" if name.startswith("rg-") else name)
    return out


@pytest.mark.parametrize(("case", "resources", "failing"), CASES, ids=[c[0] for c in CASES])
def test_stack(case, resources, failing):
    evaluation = run(POLICY, *resources, register=REGISTER)
    assert _short(failing_urns(evaluation)) == failing, [f.message for f in evaluation.findings]


@pytest.mark.parametrize("value", [UNKNOWN, "[secret]"])
def test_unknown_location_fails_closed_and_others_still_decided(value):
    unknown = ws(location=value)
    evaluation = run(POLICY, AUDIT_RG, unknown, resource(WORKSPACE, "far", {"location": "eastus"}),
                     register=REGISTER)
    assert _short(failing_urns(evaluation)) == {"ws", "far"}
    assert fails_closed(run(POLICY, unknown))
    assert not evaluation.unknowns


def test_norway_is_the_packs_own_not_the_registers():
    """A forgotten --policy-pack-config, or a register listing other regions, opens no region."""
    assert outcome(run(POLICY, AUDIT_RG, ws(location="norwayeast"))) == "pass"
    assert outcome(run(POLICY, AUDIT_RG, ws(location="westeurope"))) == "fail"
    evaluation = run(POLICY, ws(location="westeurope"), register={"locations": ["westeurope"]})
    assert outcome(evaluation) == "fail"


def test_regional_types_have_a_location_input():
    """Every listed type really takes `location` (checked against the installed pulumi-azure-native)."""
    import importlib
    import inspect

    for token in sorted(REGIONAL_TYPES | GLOBAL_TYPES):
        _, module, name = token.split(":")
        cls = getattr(importlib.import_module(f"pulumi_azure_native.{module}"), name)
        assert "location" in inspect.signature(cls._internal_init).parameters, token


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, AUDIT_RG, ws(location="westeurope"), register=REGISTER).mandatory
    assert finding.message.startswith("[ECG-6, ECG-10, OUS-6.1.b]")
    assert "workspace 'log'" in finding.message and "'westeurope'" in finding.message
    assert "set location to one of norwayeast, norwaywest" in finding.message
