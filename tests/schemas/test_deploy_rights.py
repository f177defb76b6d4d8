"""Per stack, the deployer role writes exactly the ARM types of the rendered plan but the owner-managed ones,
which it only reads."""

from __future__ import annotations

import pytest

from modules import deploy_rights
from tests.schemas import contract
from tests.schemas.conftest import SHIPPED_STACKS, VNETGW_STACKS

ALL_STACKS = (*SHIPPED_STACKS, *VNETGW_STACKS, "bench")
WRAPPER = "Microsoft.Resources/deployments"  # the template's own per-group deployments, not the program's
VERBS = ("/read", "/write", "/delete")
# Owner-managed (docs/runbook.md step 0): the governance types no ABAC condition can bound (Microsoft Learn
# "Authorization actions and attributes": conditions target only roleAssignments/write and /delete). The
# program deploys them, the deployer only reads them; an `up` that changes one is the subscription owner's.
OWNER_MANAGED = {
    "Microsoft.Authorization/roleDefinitions",
    "Microsoft.Authorization/roleEligibilityScheduleRequests",
    "Microsoft.Authorization/policyAssignments",
}


def plan_types(template):
    return {body["type"] for body, _ in contract.template_resources(template)} - {WRAPPER}


def deployer_actions(plan):
    [role] = [r for r in plan["resources"] if r["type"] == "azure-native:authorization:RoleDefinition"
              and r["inputs"]["roleName"].endswith(" deployer")]
    [perm] = role["inputs"]["permissions"]
    assert not perm.get("dataActions"), role["urn"]
    return set(perm["actions"])


def rbac_prefix(arm_type):
    # The one type whose RBAC namespace differs from its ARM type ("Azure resource provider operations").
    return "Microsoft.Resources/subscriptions/resourceGroups" if arm_type == "Microsoft.Resources/resourceGroups" \
        else arm_type


def types_with(actions, verb):
    return {a.lower().removesuffix(verb) for a in actions if a.lower().endswith(verb)}


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_deployer_can_write_every_type_the_stack_deploys_but_the_owner_managed(planned, stack):
    plan, template = planned(stack)
    actions = {a.lower() for a in deployer_actions(plan)}
    missing = sorted(t for t in plan_types(template) - OWNER_MANAGED if f"{rbac_prefix(t)}/write".lower() not in actions)
    assert not missing, f"{stack}: the deployer role cannot write {missing}"


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_deployer_writes_and_deletes_no_type_the_stack_does_not_deploy(planned, stack):
    plan, template = planned(stack)
    expected = {rbac_prefix(t).lower() for t in plan_types(template) - OWNER_MANAGED}
    actions = deployer_actions(plan)
    changed = types_with(actions, "/write") | types_with(actions, "/delete")
    assert changed == expected, f"{stack}: extra {sorted(changed - expected)}, missing {sorted(expected - changed)}"
    assert not [a for a in actions if "*" in a]


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_owner_managed_types_are_deployed_and_only_read_by_the_deployer(planned, stack):
    plan, template = planned(stack)
    assert OWNER_MANAGED <= plan_types(template), f"{stack}: not deployed {sorted(OWNER_MANAGED - plan_types(template))}"
    actions = deployer_actions(plan)
    for arm_type in OWNER_MANAGED:
        on_type = {a for a in actions if a.lower().startswith(f"{rbac_prefix(arm_type)}/".lower())}
        assert on_type == {f"{arm_type}/read"}, f"{stack}: {arm_type}: {sorted(on_type)}"


def test_the_fact_table_spells_each_type_as_arm_does():
    for table in (deploy_rights.DEPLOYED_TYPES, deploy_rights.HUB_TYPES):
        for arm_type, (prefix, verbs) in table.items():
            assert set(verbs) <= {"read", "write", "delete"} and "write" in verbs, arm_type
            assert prefix == rbac_prefix(arm_type), arm_type
        assert not set(table) & OWNER_MANAGED, sorted(set(table) & OWNER_MANAGED)
    assert set(deploy_rights.OWNER_MANAGED_TYPES) == OWNER_MANAGED
    for arm_type, (prefix, reason) in deploy_rights.OWNER_MANAGED_TYPES.items():
        assert prefix == rbac_prefix(arm_type) and reason, arm_type
