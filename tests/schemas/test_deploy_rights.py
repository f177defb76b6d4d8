"""Per stack, the deployer role's resource types are exactly the ARM types of the rendered plan."""

from __future__ import annotations

import pytest

from modules import deploy_rights
from tests.schemas import contract
from tests.schemas.conftest import SHIPPED_STACKS, VNETGW_STACKS

ALL_STACKS = (*SHIPPED_STACKS, *VNETGW_STACKS, "bench")
WRAPPER = "Microsoft.Resources/deployments"  # the template's own per-group deployments, not the program's
VERBS = ("/read", "/write", "/delete")


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


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_deployer_can_write_every_type_the_stack_deploys(planned, stack):
    plan, template = planned(stack)
    actions = {a.lower() for a in deployer_actions(plan)}
    missing = sorted(t for t in plan_types(template) if f"{rbac_prefix(t)}/write".lower() not in actions)
    assert not missing, f"{stack}: the deployer role cannot write {missing}"


@pytest.mark.parametrize("stack", ALL_STACKS)
def test_deployer_writes_no_type_the_stack_does_not_deploy(planned, stack):
    plan, template = planned(stack)
    deployed = {rbac_prefix(t).lower() for t in plan_types(template)}
    written = {a.lower().removesuffix("/write") for a in deployer_actions(plan) if a.endswith("/write")}
    assert written == deployed, f"{stack}: extra {sorted(written - deployed)}, missing {sorted(deployed - written)}"
    assert not [a for a in deployer_actions(plan) if "*" in a]


def test_the_fact_table_spells_each_type_as_arm_does():
    for table in (deploy_rights.DEPLOYED_TYPES, deploy_rights.HUB_TYPES):
        for arm_type, (prefix, verbs) in table.items():
            assert set(verbs) <= {"read", "write", "delete"} and "write" in verbs, arm_type
            assert prefix == rbac_prefix(arm_type), arm_type
