"""Deploy rights as code: a deployer role with exactly the program's management-plane actions, PIM-eligible
only, whose eligibility lets it write and delete role assignments of the stack's uploader and reader roles only,
and which only reads role definitions, PIM eligibility and policy assignments (owner-managed)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from modules import deploy_rights
from modules.roles import LeastPrivilegeRoles, LeastPrivilegeRolesArgs
from tests.modules.conftest import MIXED_STACK
from tests.modules.test_roles import (
    ASSIGNMENT,
    BUILT_IN_PRIVILEGED,
    DEFINITION,
    ELIGIBILITY,
    OPERATOR_GROUP,
    TODAY,
    plan,
    stand_in_access,
    stand_in_stores,
)

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
    *(f"{AUTH}/roleAssignments/{v}" for v in RWD),
    # Owner-managed (docs/runbook.md step 0): read only.
    f"{AUTH}/roleDefinitions/read", f"{AUTH}/roleEligibilityScheduleRequests/read", f"{AUTH}/policyAssignments/read",
    f"{AUTH}/policyDefinitions/read",
    "Microsoft.Resources/subscriptions/read",
}

# No ABAC condition can bound these (Microsoft Learn "Authorization actions and attributes": conditions
# target only roleAssignments/write and /delete), so an activated deployer must hold none of them: it
# could widen the uploader/reader roles it may assign, make itself eligible for Owner, or delete the
# Norway-only allowed-locations assignments. Spelled as Learn "Azure resource provider operations" does.
OWNER_ONLY_ACTIONS = {
    "Microsoft.Authorization/roleDefinitions/write",
    "Microsoft.Authorization/roleDefinitions/delete",
    "Microsoft.Authorization/roleEligibilityScheduleRequests/write",
    "Microsoft.Authorization/roleEligibilityScheduleRequests/delete",
    "Microsoft.Authorization/policyAssignments/write",
    "Microsoft.Authorization/policyAssignments/delete",
}

# Microsoft Learn "Examples to delegate Azure role assignment management with conditions", Example:
# Constrain roles, Azure PowerShell tab: `$condition`, verbatim (Backup Contributor, Backup Reader).
LEARN_BACKUP_ROLES = ("5e467623-bb1f-42f4-a55d-6e525e11384b", "a795c7a0-d4a2-40c1-ae25-d81f01202912")
LEARN_CONSTRAIN_ROLES = (
    "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
    "(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals "
    "{5e467623-bb1f-42f4-a55d-6e525e11384b, a795c7a0-d4a2-40c1-ae25-d81f01202912})) AND "
    "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR "
    "(@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals "
    "{5e467623-bb1f-42f4-a55d-6e525e11384b, a795c7a0-d4a2-40c1-ae25-d81f01202912}))"
)
# Same page, same example: `$conditionVersion = "2.0"`.
LEARN_CONDITION_VERSION = "2.0"
# Microsoft Learn "Azure built-in roles" (General, Privileged): Role Based Access Control Administrator;
# the others of BUILT_IN_PRIVILEGED are Owner, Contributor and User Access Administrator.
RBAC_ADMINISTRATOR = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
_ROLE_SET = re.compile(r"@(Request|Resource)\[Microsoft\.Authorization/roleAssignments:RoleDefinitionId\] "
                       r"ForAnyOfAnyValues:GuidEquals \{([^}]*)\}")


@pytest.fixture(scope="module", params=STACKS)
def planned(request, stack, run_component):
    return plan(stack, run_component, request.param)


def custom_guid(run, role):
    """A custom role's GUID as planned: the roleDefinitionId input of the RoleDefinition whose roleName ends in
    `role`, read from the plan, never recomputed the way the program computes it."""
    [d] = [d for d in run.of_type(DEFINITION) if d.inputs["roleName"].split(" ")[-1] == role]
    return d.inputs["roleDefinitionId"]


def deployer_id(cfg, run):
    return f"/subscriptions/{cfg.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/" \
           f"{custom_guid(run, 'deployer')}"


def deployer_eligibility(cfg, run):
    [e] = [e for e in run.of_type(ELIGIBILITY) if e.inputs["roleDefinitionId"] == deployer_id(cfg, run)]
    return e


def role_sets(condition):
    """Attribute source -> the role definition GUIDs its `ForAnyOfAnyValues:GuidEquals` set lists."""
    found = {source: {g.strip() for g in ids.split(",")} for source, ids in _ROLE_SET.findall(condition)}
    assert len(_ROLE_SET.findall(condition)) == len(found), condition
    return found


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
    assert d.inputs["roleName"] == f"dpa-guard {cfg.prefix} deployer", d.urn


def test_deployer_cannot_change_role_definitions_eligibility_or_policy_assignments(planned):
    _, run, _ = planned
    [d] = [d for d in run.of_type(DEFINITION) if d.name == "roles-deployer-role"]
    [perm] = d.inputs["permissions"]
    # The planned stacks deploy the VNet gateway; the shipped ones the secured hub (deployer_actions(True)).
    for actions, where in ((perm["actions"], d.urn), (deploy_rights.deployer_actions(True), "secured hub")):
        lowered = {a.lower() for a in actions}
        held = sorted(a for a in OWNER_ONLY_ACTIONS if a.lower() in lowered)
        assert not held, f"{where}: {held}"
        assert not [a for a in lowered if a.startswith("microsoft.authorization/") and "*" in a], where
    assert {"Microsoft.Authorization/roleDefinitions/read", "Microsoft.Authorization/roleEligibilityScheduleRequests/read",
            "Microsoft.Authorization/policyAssignments/read"} <= set(perm["actions"]), d.urn


def test_deployer_is_never_standing_only_eligible_with_an_expiry(planned):
    cfg, run, _ = planned
    assert not [a.urn for a in run.of_type(ASSIGNMENT) if a.inputs["roleDefinitionId"] == deployer_id(cfg, run)], \
        "no standing assignment of the deployer role"
    [e] = [e for e in run.of_type(ELIGIBILITY) if e.inputs["roleDefinitionId"] == deployer_id(cfg, run)]
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


def test_condition_shape_is_learns_constrain_roles_example():
    assert deploy_rights.deployer_condition(reversed(LEARN_BACKUP_ROLES)) == LEARN_CONSTRAIN_ROLES
    assert deploy_rights.CONDITION_VERSION == LEARN_CONDITION_VERSION
    with pytest.raises(ValueError):
        deploy_rights.deployer_condition(())


def test_deployer_may_assign_and_remove_only_the_stacks_uploader_and_reader_roles(planned):
    cfg, run, _ = planned
    e = deployer_eligibility(cfg, run)
    allowed = sorted({custom_guid(run, "uploader"), custom_guid(run, "reader")})
    expected = LEARN_CONSTRAIN_ROLES.replace(", ".join(LEARN_BACKUP_ROLES), ", ".join(allowed))
    assert e.inputs["condition"] == expected, e.urn
    assert e.inputs["conditionVersion"] == LEARN_CONDITION_VERSION, e.urn
    assert role_sets(e.inputs["condition"]) == {"Request": set(allowed), "Resource": set(allowed)}, e.urn


def test_deployer_can_never_grant_itself_operators_or_privileged_built_ins(planned):
    cfg, run, _ = planned
    sets = role_sets(deployer_eligibility(cfg, run).inputs["condition"])
    forbidden = {*BUILT_IN_PRIVILEGED, RBAC_ADMINISTRATOR, custom_guid(run, "deployer"), custom_guid(run, "operator")}
    for source, guids in sets.items():
        assert not guids & forbidden, f"{source}: {sorted(guids & forbidden)}"


@pytest.mark.parametrize("name", (*STACKS, "ous-kvalitetslab", "ecg247", MIXED_STACK))
def test_condition_allows_every_role_assignment_the_program_makes(stack, run_component, name):
    """What the condition allows covers the plan: an activated deployer can deploy every assignment."""
    cfg, run, _ = plan(stack, run_component, name)
    allowed = role_sets(deployer_eligibility(cfg, run).inputs["condition"])["Request"]
    assigned = {a.inputs["roleDefinitionId"].rsplit("/", 1)[-1] for a in run.of_type(ASSIGNMENT)}
    assert assigned and assigned <= allowed, sorted(assigned - allowed)


def test_operator_eligibilities_carry_no_condition(planned):
    cfg, run, _ = planned
    for e in run.of_type(ELIGIBILITY):
        if e.inputs["roleDefinitionId"] != deployer_id(cfg, run):
            assert "condition" not in e.inputs and "conditionVersion" not in e.inputs, e.urn


def test_a_grant_of_a_role_outside_the_condition_is_refused(stack, run_component):
    s = stack("ous-kvalitetslab")

    def build(cfg):
        stores = stand_in_stores(cfg)
        args = LeastPrivilegeRolesArgs.from_config(cfg, stores=stores, access=stand_in_access(cfg), today=TODAY)
        bad = dataclasses.replace(args.grants[0], role="operator")
        LeastPrivilegeRoles("roles", dataclasses.replace(args, grants=(bad, *args.grants[1:])))

    with pytest.raises(ValueError, match="only uploader, reader are assigned"):
        run_component(s, build)
