import pytest

from policies.storage.children_in_stack import POLICY
from tests.policies.helpers import failing_urns, resource, run
from tests.policies.stores import (
    BLOB_SERVICE,
    CONTAINER,
    ECG_ACCOUNT,
    ECG_RG,
    ENDPOINT,
    LIFECYCLE,
    OUS_ACCOUNT,
    OUS_RG,
    account,
    account_id,
    resource_group,
)

OUS = account(OUS_ACCOUNT, OUS_RG, "OUS")
ECG = account(ECG_ACCOUNT, ECG_RG, "ECG")
GROUP = resource_group(OUS_RG, "OUS")
OUTSIDE_URN = "urn:pulumi:other::elsewhere::azure-native:storage:StorageAccount::unmanaged"


def child(type_, name, account_name, *, named_by=None, group=OUS_RG, **extra):
    """A child whose accountName comes from `named_by` (resources or URNs) as the SDK records it;
    `depends_on=[...]` adds plain dependencies, as `ResourceOptions.depends_on` does."""
    inputs = {"accountName": account_name, "resourceGroupName": group}
    if type_ == CONTAINER:
        inputs |= {"containerName": name, "publicAccess": "None"}
    if named_by is not None:
        extra.setdefault("property_dependencies", {})["accountName"] = tuple(named_by)
    return resource(type_, name, inputs, **extra)


def container(name="rec-ahus-mbt", account_name=OUS_ACCOUNT, **extra):
    return child(CONTAINER, name, account_name, **extra)


def endpoint(target=None, *, named_by=None, **extra):
    inputs = {"resourceGroupName": OUS_RG, "privateLinkServiceConnections": [
        {"name": "blob", "privateLinkServiceId": target or account_id(OUS_RG, OUS_ACCOUNT), "groupIds": ["blob"]}]}
    if named_by is not None:
        extra.setdefault("property_dependencies", {})["privateLinkServiceConnections"] = tuple(named_by)
    return resource(ENDPOINT, "pe", inputs, **extra)


CASES = [
    ("pass_each_child_named_by_its_account", [
        child(BLOB_SERVICE, "svc", OUS_ACCOUNT, named_by=[OUS]),
        container(named_by=[OUS]),
        child(LIFECYCLE, "lifecycle", OUS_ACCOUNT, named_by=[OUS]),
        child(CONTAINER, "ecg-dr-a", ECG_ACCOUNT, named_by=[ECG], group=ECG_RG),
    ], set()),
    # The hole: a literal names an account outside the stack while depends_on claims the stack's one.
    ("fail_literal_outside_account_depending_on_the_stacks", [
        container(account_name="unmanagedstore01", group="rg-unmanaged", depends_on=[OUS])], {"rec-ahus-mbt"}),
    ("fail_literal_stack_account_name", [container(depends_on=[OUS])], {"rec-ahus-mbt"}),
    ("fail_literal_beside_other_property_dependencies", [
        container(depends_on=[OUS], property_dependencies={"resourceGroupName": (GROUP,)})], {"rec-ahus-mbt"}),
    ("fail_literal_blob_service", [child(BLOB_SERVICE, "svc", OUS_ACCOUNT, depends_on=[OUS])], {"svc"}),
    ("fail_literal_lifecycle", [child(LIFECYCLE, "lifecycle", OUS_ACCOUNT, depends_on=[OUS])], {"lifecycle"}),
    ("fail_named_by_a_resource_group", [container(named_by=[GROUP], depends_on=[OUS])], {"rec-ahus-mbt"}),
    # A URN the analyzer can't resolve to a resource of the stack is dropped (pulumi_policy AnalyzeStack).
    ("fail_named_by_an_account_outside_the_stack", [container(named_by=[OUTSIDE_URN], depends_on=[OUS])],
     {"rec-ahus-mbt"}),
    ("fail_named_by_two_accounts", [container(named_by=[OUS, ECG])], {"rec-ahus-mbt"}),
    # A private endpoint names its account in privateLinkServiceConnections (M1: an endpoint to an
    # outside account would otherwise count as the stack account's by depends_on).
    ("pass_endpoint_named_by_its_account", [endpoint(named_by=[OUS])], set()),
    ("fail_literal_endpoint_depending_on_the_stacks", [
        endpoint(target=account_id("rg-unmanaged", "unmanagedstore01"), depends_on=[OUS])], {"pe"}),
    ("fail_endpoint_named_by_a_resource_group", [endpoint(named_by=[GROUP], depends_on=[OUS])], {"pe"}),
    # Other types are not judged.
    ("pass_other_types_not_judged", [resource("azure-native:network:NetworkSecurityGroup", "nsg",
                                              {"resourceGroupName": OUS_RG}, depends_on=[OUS])], set()),
]


@pytest.mark.parametrize(("case", "children", "failing"), CASES, ids=[c[0] for c in CASES])
def test_children_in_stack(case, children, failing):
    evaluation = run(POLICY, GROUP, OUS, ECG, *children)
    expected = {c.urn for c in children if c.name in failing}
    assert failing_urns(evaluation) == expected, [f.message for f in evaluation.findings]


def test_violation_names_clause_resource_and_fix():
    literal = container(depends_on=[OUS])
    (finding,) = run(POLICY, GROUP, OUS, literal).mandatory
    assert finding.message.startswith("[OUS-6.1.b, ECG-6, OUS-3] ")
    assert "'rec-ahus-mbt'" in finding.message and "accountName" in finding.message
    assert "named_by" in finding.message


def test_two_accounts_are_named():
    (finding,) = run(POLICY, OUS, ECG, container(named_by=[OUS, ECG])).mandatory
    assert f"acct-{OUS_ACCOUNT}" in finding.message and f"acct-{ECG_ACCOUNT}" in finding.message
