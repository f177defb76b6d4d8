"""Deploy rights as code: a deployer role with exactly the program's management-plane actions, PIM-eligible only."""

from __future__ import annotations

import pytest

from modules import naming
from tests.modules.test_roles import ASSIGNMENT, DEFINITION, ELIGIBILITY, OPERATOR_GROUP, plan

# The VNet gateway: the shipped stacks without their secured hub (`egress`).
STACKS = ("ous-kvalitetslab-vnetgw", "ecg247-vnetgw")

# Written by hand from Microsoft Learn "Azure resource provider operations" for the resource
# types the program deploys (independent of modules/deploy_rights.py, which derives the role).
RGS = "Microsoft.Resources/subscriptions/resourceGroups"
ST = "Microsoft.Storage/storageAccounts"
NET = "Microsoft.Network"
INS = "Microsoft.Insights"
AUTH = "Microsoft.Authorization"
RWD = ("read", "write", "delete")
EXPECTED_ACTIONS = {
    *(f"{RGS}/{v}" for v in RWD),
    *(f"{ST}/{v}" for v in RWD),
    f"{ST}/blobServices/read", f"{ST}/blobServices/write",
    *(f"{ST}/blobServices/containers/{v}" for v in RWD),
    *(f"{ST}/managementPolicies/{v}" for v in RWD),
    f"{ST}/PrivateEndpointConnectionsApproval/action",
    *(f"{NET}/{t}/{v}" for t in ("networkSecurityGroups", "virtualNetworks", "publicIPAddresses",
                                 "virtualNetworkGateways", "privateEndpoints", "privateEndpoints/privateDnsZoneGroups",
                                 "privateDnsZones", "privateDnsZones/virtualNetworkLinks", "dnsResolvers",
                                 "dnsResolvers/inboundEndpoints") for v in RWD),
    f"{NET}/virtualNetworks/subnets/join/action", f"{NET}/networkSecurityGroups/join/action",
    f"{NET}/publicIPAddresses/join/action", f"{NET}/virtualNetworks/join/action",
    *(f"Microsoft.OperationalInsights/workspaces/{v}" for v in RWD),
    *(f"{INS}/{t}/{v}" for t in ("diagnosticSettings", "actionGroups", "activityLogAlerts", "scheduledQueryRules")
      for v in RWD),
    *(f"{AUTH}/{t}/{v}" for t in ("roleDefinitions", "roleAssignments", "policyAssignments") for v in RWD),
    f"{AUTH}/roleEligibilityScheduleRequests/read", f"{AUTH}/roleEligibilityScheduleRequests/write",
    f"{AUTH}/policyDefinitions/read",
    "Microsoft.Resources/subscriptions/read",
}


@pytest.fixture(scope="module", params=STACKS)
def planned(request, stack, run_component):
    return plan(stack, run_component, request.param)


def deployer_id(cfg):
    guid = naming.stable_guid(cfg.subscription_id, cfg.prefix, "role", "deployer")
    return naming.role_definition_id(cfg.subscription_id, guid)


def test_deployer_role_has_exactly_the_expected_management_actions(planned):
    cfg, run, _ = planned
    [d] = [d for d in run.of_type(DEFINITION) if d.name == "roles-deployer-role"]
    [perm] = d.inputs["permissions"]
    assert set(perm["actions"]) == EXPECTED_ACTIONS, (
        f"{d.urn}: extra {sorted(set(perm['actions']) - EXPECTED_ACTIONS)}, "
        f"missing {sorted(EXPECTED_ACTIONS - set(perm['actions']))}")
    assert len(perm["actions"]) == len(set(perm["actions"])), d.urn
    assert not perm.get("dataActions") and not perm.get("notActions") and not perm.get("notDataActions"), d.urn
    assert not [a for a in perm["actions"] if "*" in a], d.urn
    assert d.inputs["assignableScopes"] == [f"/subscriptions/{cfg.subscription_id}"], d.urn
    assert d.inputs["roleDefinitionId"] == deployer_id(cfg).rsplit("/", 1)[-1], d.urn


def test_deployer_is_never_standing_only_eligible_with_an_expiry(planned):
    cfg, run, _ = planned
    assert not [a.urn for a in run.of_type(ASSIGNMENT) if a.inputs["roleDefinitionId"] == deployer_id(cfg)], \
        "no standing assignment of the deployer role"
    [e] = [e for e in run.of_type(ELIGIBILITY) if e.inputs["roleDefinitionId"] == deployer_id(cfg)]
    assert e.inputs["scope"] == f"/subscriptions/{cfg.subscription_id}", e.urn
    assert e.inputs["principalId"] == OPERATOR_GROUP, e.urn
    assert e.inputs["scheduleInfo"]["expiration"] == {
        "type": "AfterDuration", "duration": f"P{cfg.access.operator_eligibility_days}D"}, e.urn
    [d] = [d for d in run.of_type(DEFINITION) if d.name == "roles-deployer-role"]
    assert d.urn in e.dependencies, e.urn


def test_operator_role_stays_read_only(planned):
    _, run, _ = planned
    [d] = [d for d in run.of_type(DEFINITION) if d.name == "roles-operator-role"]
    [perm] = d.inputs["permissions"]
    assert perm["actions"] and all(a.endswith("/read") for a in perm["actions"]), d.urn
    assert not perm.get("dataActions"), d.urn
