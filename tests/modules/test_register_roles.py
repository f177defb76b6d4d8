"""The register's role GUIDs (modules/config.py policy_register `roles`, `roleNames`, `assignableRoles`) are the GUIDs the
program gives its RoleDefinitions and lets the deployer assign.

The pack cannot learn a definition's GUID from a preview (the roleDefinitionId path parameter is in none of
its outputs, `name` is unknown), so rbac-principals-in-stack and rbac-delegation-constrained take it from the
register. The expected values below were read from the shipped stacks' plans (each RoleDefinition's
`roleDefinitionId` and `roleName` inputs) and are written out as literals; the tests read the plan again, never
the function that computes them. A role's GUID is its identity in Azure: a change re-creates every role and
assignment of a deployed stack.
"""

from __future__ import annotations

import re

import pytest

from modules import naming, roles
from policies import authz
from tests.policies.plans import SHIPPED_STACKS, shipped_plan

ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"
PIM = "azure-native:authorization:PimRoleEligibilitySchedule"
SHIPPED_ROLES = {
    "ous-kvalitetslab": {
        "uploader": "968b6cff-02e2-5618-8da6-7966f418e865",
        "reader": "113b9b0c-916a-58ed-9be5-15bffd5718d0",
        "operator": "90275980-0407-5df6-8299-f48162891d81",
        "deployer": "d47d62f4-4ecb-56f3-9d58-01feb579d6d9",
    },
    "ecg247": {
        "uploader": "ed85e631-dcb6-5203-8349-3f206dd8f930",
        "reader": "3f689d55-5ae5-57e8-9cf9-aa39cf350173",
        "operator": "0fe509af-2da3-5715-9b41-29c9f855e0fc",
        "deployer": "ae4afd0f-c007-5104-9863-76a7c04ea15a",
    },
}
# The stacks' `dpa-guard:prefix` (stacks/Pulumi.<stack>.yaml): ouskl, ecg247.
SHIPPED_ROLE_NAMES = {
    "ous-kvalitetslab": {k: f"dpa-guard ouskl {k}" for k in ("uploader", "reader", "operator", "deployer")},
    "ecg247": {k: f"dpa-guard ecg247 {k}" for k in ("uploader", "reader", "operator", "deployer")},
}
_ROLE_SET = re.compile(r"ForAnyOfAnyValues:GuidEquals \{([^}]*)\}")


def document(stack: str) -> dict:
    doc = shipped_plan(stack)
    if isinstance(doc, str):
        pytest.fail(f"cannot plan {stack}: {doc}")
    return doc


def planned_roles(doc: dict) -> dict[str, str]:
    """kind (the last word of roleName) -> roleDefinitionId, from the plan's RoleDefinition inputs."""
    found = [(r["inputs"]["roleName"].split(" ")[-1], r["inputs"]["roleDefinitionId"])
             for r in doc["resources"] if r["type"] == ROLE_DEFINITION]
    assert len(found) == len(dict(found)), found
    return dict(found)


def test_the_literals_cover_the_shipped_stacks():
    assert set(SHIPPED_ROLES) == set(SHIPPED_STACKS)


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_register_roles_are_the_planned_role_definitions(stack):
    doc = document(stack)
    assert planned_roles(doc) == SHIPPED_ROLES[stack]
    assert doc["register"]["roles"] == SHIPPED_ROLES[stack]


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_register_role_names_are_the_planned_role_names(stack):
    """rbac-role-definitions-match-register ties a definition's GUID to its kind by this exact name."""
    doc = document(stack)
    planned = {r["inputs"]["roleName"].split(" ")[-1]: r["inputs"]["roleName"]
               for r in doc["resources"] if r["type"] == ROLE_DEFINITION}
    assert planned == SHIPPED_ROLE_NAMES[stack]
    assert doc["register"]["roleNames"] == SHIPPED_ROLE_NAMES[stack]


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_assignable_roles_are_the_uploader_and_reader_the_deployer_may_assign(stack):
    doc = document(stack)
    expected = [SHIPPED_ROLES[stack]["uploader"], SHIPPED_ROLES[stack]["reader"]]
    assert doc["register"]["assignableRoles"] == expected
    deployer = SHIPPED_ROLES[stack]["deployer"]
    [eligible] = [r for r in doc["resources"] if r["type"] == PIM
                  and r["inputs"]["roleDefinitionId"].endswith(f"/roleDefinitions/{deployer}")]
    lists = [{g.strip() for g in ids.split(",")} for ids in _ROLE_SET.findall(eligible["inputs"]["condition"])]
    assert lists == [set(expected), set(expected)], eligible["inputs"]["condition"]


def test_role_kinds_are_the_roles_the_program_defines_and_the_pack_reads():
    assert naming.ROLE_KINDS == (*roles.ROLE_PERMISSIONS, roles.DEPLOYER_ROLE)
    assert authz.ROLE_KINDS == naming.ROLE_KINDS
    assert roles.ASSIGNED_ROLES == naming.ASSIGNED_ROLES == authz.ASSIGNED_ROLES == ("uploader", "reader")
