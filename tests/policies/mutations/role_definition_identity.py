"""Mutations of which GUID a RoleDefinition is PUT under, and of what a grant's role id comes from.

A hostile review (critical 1-3, high 4, 8) found nothing tied a RoleDefinition's own GUID
(its `roleDefinitionId` input) to its kind: swapped GUIDs, a "shadow" second definition under a register
GUID, a decoy "...deployer" definition standing in for the deployer's, and a grant whose role id came from
another resource (`container.urn.apply(lambda _: guid)`) all passed the pack. And the deployer's allow-list
was whatever the register's `assignableRoles` said.

Every GUID the mutations use is read from the plan's RoleDefinition inputs (roleDefinitionId, roleName) or
written as a literal, never computed the way the program computes it.
"""

from __future__ import annotations

import copy

from tests.policies.mutations import Mutation
from tests.policies.mutations.role_identity import (
    BOTH,
    OUTSIDE_THE_STACK,
    PIM,
    ROLE_ASSIGNMENT,
    definition_of,
    role_id_of,
)

BLOB_CONTAINER = "azure-native:storage:BlobContainer"
DECOY_GUID = "3a7d5e1b-9c2f-5b84-a6e0-4d1c8f2b7a93"
FOREIGN_GUID = "0f5c6c1e-7a53-5a7e-8d0e-6f2b1c3d4e5f"


def _copy(plan: dict, resource: dict, suffix: str) -> dict:
    """A copy of `resource` named `<name>-<suffix>`, added to the plan right after it."""
    clone = copy.deepcopy(resource)
    clone["name"] = f"{resource['name']}-{suffix}"
    clone["urn"] = f"{resource['urn']}-{suffix}"
    clone.pop("outputs", None)
    plan["resources"].insert(plan["resources"].index(resource) + 1, clone)
    return clone


def _decoy(plan: dict, actions: list[str]) -> dict:
    """A RoleDefinition named "...deployer" (roleName `decoy-deployer`) with harmless or no permissions."""
    decoy = _copy(plan, definition_of(plan, "operator"), "decoy")
    decoy["inputs"]["roleName"] = "decoy-deployer"
    decoy["inputs"]["roleDefinitionId"] = DECOY_GUID
    decoy["inputs"]["permissions"] = [{"actions": actions, "dataActions": [], "notActions": [], "notDataActions": []}]
    return decoy


def _reader_grant(plan: dict) -> dict:
    reader_id = role_id_of(plan, "reader")
    [*_, grant] = [r for r in plan["resources"] if r["type"] == ROLE_ASSIGNMENT
                   and r["inputs"].get("roleDefinitionId") == reader_id]
    return grant


def swap_reader_and_deployer_guids(plan: dict) -> None:
    """The reader definition PUT under the deployer's GUID and the deployer's under the reader's: every reader
    grant (naming the reader's GUID) then hands out deploy rights."""
    reader, deployer = definition_of(plan, "reader"), definition_of(plan, "deployer")
    reader["inputs"]["roleDefinitionId"], deployer["inputs"]["roleDefinitionId"] = (
        deployer["inputs"]["roleDefinitionId"], reader["inputs"]["roleDefinitionId"])


def shadow_reader_under_uploader_guid(plan: dict) -> None:
    """A second, read-only "shadow reader" definition PUT under the uploader's GUID: whichever Azure applies
    last, uploaders may read back or readers may write."""
    uploader = definition_of(plan, "uploader")
    shadow = _copy(plan, definition_of(plan, "reader"), "shadow")
    shadow["inputs"]["roleName"] = shadow["inputs"]["roleName"].replace(" reader", " shadow reader")
    shadow["inputs"]["roleDefinitionId"] = uploader["inputs"]["roleDefinitionId"]
    shadow["dependencies"] = [*shadow.get("dependencies", []), uploader["urn"]]


def deployer_eligibility_via_decoy(plan: dict) -> None:
    """The deployer's PIM eligibility still names the deployer's GUID but depends on a decoy "...deployer"
    definition with one harmless action, and drops its delegation condition."""
    decoy = _decoy(plan, ["Microsoft.Resources/subscriptions/resourceGroups/read"])
    deployer = definition_of(plan, "deployer")
    [eligible] = [r for r in plan["resources"] if r["type"] == PIM
                  and r["inputs"].get("roleDefinitionId") == role_id_of(plan, "deployer")]
    eligible["dependencies"] = [d for d in eligible.get("dependencies", []) if d != deployer["urn"]] + [decoy["urn"]]
    eligible["inputs"].pop("condition", None)
    eligible["inputs"].pop("conditionVersion", None)


def deployer_standing_via_decoy(plan: dict) -> None:
    """A standing RoleAssignment of the deployer's GUID at the reader grant's scope, depending on a decoy
    "...deployer" definition with no permissions, without any condition."""
    decoy = _decoy(plan, [])
    standing = _copy(plan, _reader_grant(plan), "standing-deployer")
    standing["inputs"]["roleDefinitionId"] = role_id_of(plan, "deployer")
    standing["inputs"]["roleAssignmentName"] = "8d2c4f6a-1e3b-4a5c-9d7e-0f1a2b3c4d5e"
    standing["inputs"].pop("condition", None)
    standing["inputs"].pop("conditionVersion", None)
    principal = (standing.get("propertyDependencies") or {}).get("principalId", [])
    standing["dependencies"] = [*principal, decoy["urn"]]


def foreign_role_id_via_container_urn(plan: dict) -> None:
    """A reader grant whose roleDefinitionId is a GUID outside the register, recorded as coming from a blob
    container (`container.urn.apply(lambda _: guid)`), while it still depends on the reader's definition."""
    grant = _reader_grant(plan)
    [*_, container] = [r for r in plan["resources"] if r["type"] == BLOB_CONTAINER]
    scope = definition_of(plan, "reader")["inputs"]["scope"]
    grant["inputs"]["roleDefinitionId"] = f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{FOREIGN_GUID}"
    grant.setdefault("propertyDependencies", {})["roleDefinitionId"] = [container["urn"]]
    if container["urn"] not in grant.get("dependencies", []):
        grant["dependencies"] = [*grant.get("dependencies", []), container["urn"]]


def register_assignable_roles_widened(plan: dict) -> None:
    """The register handed to the pack lists the deployer's and an outside role as assignable."""
    register = plan["register"]
    register["assignableRoles"] = [*register["assignableRoles"], register["roles"]["deployer"], OUTSIDE_THE_STACK]


IDENTITY = "rbac-role-definitions-match-register"
PRINCIPALS = "rbac-principals-in-stack"
MUTATIONS = [
    Mutation("role-guids-swapped-reader-deployer", BOTH, swap_reader_and_deployer_guids,
             {IDENTITY}, {"OUS-6.2", "ECG-7"}),
    Mutation("role-shadow-reader-under-uploader-guid", BOTH, shadow_reader_under_uploader_guid,
             {IDENTITY, PRINCIPALS}, {"OUS-6.2", "ECG-7"}),
    Mutation("deployer-eligibility-via-decoy-role", BOTH, deployer_eligibility_via_decoy,
             {IDENTITY, PRINCIPALS}, {"OUS-6.2", "ECG-7"}),
    Mutation("deployer-standing-via-decoy-role", BOTH, deployer_standing_via_decoy,
             {IDENTITY, PRINCIPALS}, {"OUS-6.2", "ECG-7"}),
    Mutation("grant-role-id-from-container-urn", BOTH, foreign_role_id_via_container_urn,
             {PRINCIPALS}, {"OUS-6.2", "ECG-7"}),
    Mutation("register-assignable-roles-widened", BOTH, register_assignable_roles_widened,
             {"rbac-delegation-constrained"}, {"OUS-6.2", "ECG-7"}),
]
