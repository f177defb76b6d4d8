import pytest

from policies.facts import KNOWN_TYPES
from policies.governance.closed_world import POLICY
from policies.lib import base_type
from tests.policies.helpers import failing_urns, resource, run

ALLOWED = [
    "azure-native:storage:StorageAccount",
    "azure-native:storage/v20230101:StorageAccount",  # versioned: read as its base type
    "azuread:index/group:Group",
    "pulumi:pulumi:Stack",
    "pulumi:providers:azure-native",
    "pulumi:providers:azuread",
    "dpaguard:storage:NorwayStorage",
]
REFUSED = [
    "azure-native:resources:Deployment",
    "azure-native:resources:DeploymentAtSubscriptionScope",
    "azure-native:resources:DeploymentStackAtSubscription",
    "azure-native:resources:Resource",
    "azure-native:authorization:PolicyExemption",
    "azure-native:authorization:DenyAssignment",
    "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment",
    "azuread:index/directoryRoleEligibilityScheduleRequest:DirectoryRoleEligibilityScheduleRequest",
    "azuread:index/appRoleAssignment:AppRoleAssignment",
    "azure:storage/account:Account",
    "azure:core/resourceGroup:ResourceGroup",
    "azapi:index/resource:Resource",
    "pulumi:providers:azure",
    "pulumi:providers:azapi",
    "azure-native:keyvault:Vault",
    "azure-native:sql:Server",
    "azure-native:storage:ObjectReplicationPolicy",
    "azure-native:storage/v20230101:FileShare",
    "random:index/randomPet:RandomPet",
]


@pytest.mark.parametrize("type_", ALLOWED)
def test_pass_known_types(type_):
    assert failing_urns(run(POLICY, resource(type_, "r", {}))) == set()


@pytest.mark.parametrize("type_", REFUSED)
def test_fail_every_other_type(type_):
    r = resource(type_, "r", {})
    evaluation = run(POLICY, r)
    assert failing_urns(evaluation) == {r.urn}
    (finding,) = evaluation.mandatory
    assert finding.message.startswith("[OUS-6.1.b, ECG-6, ECG-10] ") and base_type(type_) in finding.message


def test_every_type_the_shipped_stacks_use_is_known():
    from tests.policies.plans import SHIPPED_STACKS, shipped_plan

    for stack in SHIPPED_STACKS:
        plan = shipped_plan(stack)
        assert not isinstance(plan, str), plan
        used = {r["type"] for r in plan["resources"]}
        assert {t for t in used if not t.startswith("dpaguard:")} <= KNOWN_TYPES, stack


def test_refusal_says_why():
    (finding,) = run(POLICY, resource("azure-native:resources:Deployment", "nested", {})).mandatory
    assert "inline template" in finding.message
