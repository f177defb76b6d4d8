"""Mutations of which role a grant is: the deployer's allow-list and the role a grant names.

A hostile review (H1) found the deployer's delegation condition judged as a deny-list: a role nothing in
the plan assigns, a built-in data role or a custom role defined outside the stack passed in it. It must
stay within the register's `assignableRoles`. And (H3) a standing RoleAssignment naming the deployer's
GUID but depending on the reader's RoleDefinition was read as a reader assignment by every rbac policy:
the GUID a grant names and the definition it depends on must be the same role of the register's `roles`.

Every GUID the mutations look for is read from the plan's RoleDefinition inputs (roleDefinitionId,
roleName), never computed the way the program computes it.
"""

from __future__ import annotations

import copy

from tests.policies.mutations import Mutation

BOTH = ("ous-kvalitetslab", "ecg247")
ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
PIM = "azure-native:authorization:PimRoleEligibilitySchedule"
# Microsoft Learn "Azure built-in roles": Storage Blob Data Reader.
STORAGE_BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
HELPER_GUID = "0f5c6c1e-7a53-5a7e-8d0e-6f2b1c3d4e5f"
OUTSIDE_THE_STACK = "7c3e9d2a-4b1f-5e6a-8c0d-2f4b6a8e1c35"


def definition_of(plan: dict, kind: str) -> dict:
    [role] = [r for r in plan["resources"] if r["type"] == ROLE_DEFINITION
              and str(r["inputs"].get("roleName", "")).split(" ")[-1] == kind]
    return role


def role_id_of(plan: dict, kind: str) -> str:
    role = definition_of(plan, kind)
    return f"{role['inputs']['scope']}/providers/Microsoft.Authorization/roleDefinitions/{role['inputs']['roleDefinitionId']}"


def _deployer_eligibility(plan: dict) -> dict:
    [eligible] = [r for r in plan["resources"] if r["type"] == PIM
                  and r["inputs"].get("roleDefinitionId") == role_id_of(plan, "deployer")]
    return eligible


def _list_also(plan: dict, guid: str, *, write: bool = True, delete: bool = True) -> None:
    """The deployer's condition also lists `guid` in its write and/or delete allow-list."""
    eligible = _deployer_eligibility(plan)
    head, write_list, rest = eligible["inputs"]["condition"].partition("GuidEquals {")
    middle, delete_list, tail = rest.partition("GuidEquals {")
    assert write_list and delete_list, eligible["inputs"]["condition"]
    eligible["inputs"]["condition"] = (head + write_list + (f"{guid}, " if write else "") + middle + delete_list
                                       + (f"{guid}, " if delete else "") + tail)


def deployer_may_assign_an_unassigned_assigner(plan: dict) -> None:
    """A second deployer role (a copy of the deployer's definition under another GUID: it writes role
    assignments), which nothing assigns, in the deployer's allow-list: an activated deployer grants it
    and hands on the power to assign roles. No grant depends on it, so no grant shows it assigns roles."""
    deployer = definition_of(plan, "deployer")
    helper = copy.deepcopy(deployer)
    helper["name"] = deployer["name"].replace("deployer", "deployer-again")
    helper["urn"] = deployer["urn"].replace(deployer["name"], helper["name"])
    helper["inputs"]["roleDefinitionId"] = HELPER_GUID
    helper.pop("outputs", None)
    _list_also(plan, HELPER_GUID)
    plan["resources"].append(helper)


def deployer_may_assign_blob_data_reader(plan: dict) -> None:
    """The deployer may assign the built-in Storage Blob Data Reader: every blob of the subscription readable."""
    _list_also(plan, STORAGE_BLOB_DATA_READER)


def deployer_may_remove_a_role_outside_the_stack(plan: dict) -> None:
    """The deployer may remove assignments of a custom role the stack does not define."""
    _list_also(plan, OUTSIDE_THE_STACK, write=False)


def deployer_standing_posing_as_reader(plan: dict) -> None:
    """A standing assignment naming the deployer's GUID, otherwise a copy of a reader grant (its group, its
    container, its time limit), depending on the reader's RoleDefinition: read as a reader assignment, it
    is held standing with deploy rights and no delegation condition on the roles it may assign."""
    reader_id = role_id_of(plan, "reader")
    [*_, like] = [r for r in plan["resources"] if r["type"] == ROLE_ASSIGNMENT
                  and r["inputs"].get("roleDefinitionId") == reader_id]
    posing = copy.deepcopy(like)
    posing["name"] = f"{like['name']}-posing"
    posing["urn"] = f"{like['urn']}-posing"
    posing["inputs"]["roleAssignmentName"] = "5b0e9f3c-2d1a-4e6b-8c7f-9a0d1e2f3b4c"
    posing["inputs"]["roleDefinitionId"] = role_id_of(plan, "deployer")
    posing.pop("outputs", None)
    plan["resources"].append(posing)


MUTATIONS = [
    # the helper is a second "... deployer" definition under a GUID the register does not give the deployer
    Mutation("deployer-may-assign-unassigned-assigner", BOTH, deployer_may_assign_an_unassigned_assigner,
             {"rbac-delegation-constrained", "rbac-role-definitions-match-register", "rbac-principals-in-stack"},
             {"OUS-6.2", "ECG-7"}),
    Mutation("deployer-may-assign-blob-data-reader", BOTH, deployer_may_assign_blob_data_reader,
             {"rbac-delegation-constrained"}, {"OUS-6.2", "ECG-7"}),
    Mutation("deployer-may-remove-role-outside-stack", BOTH, deployer_may_remove_a_role_outside_the_stack,
             {"rbac-delegation-constrained"}, {"OUS-6.2", "ECG-7"}),
    Mutation("deployer-standing-posing-as-reader", BOTH, deployer_standing_posing_as_reader,
             {"rbac-principals-in-stack"}, {"OUS-6.2", "ECG-7"}),
]
