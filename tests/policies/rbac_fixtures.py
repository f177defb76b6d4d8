"""Role definitions and assignments as modules/roles.py plans them (wire form), for the rbac policy tests."""

from __future__ import annotations

from typing import Any

from policies.authz import PIM_ELIGIBILITY, ROLE_ASSIGNMENT, ROLE_DEFINITION
from tests.policies.helpers import resource, urn_of

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SUB = "/subscriptions/9b2e6f3a-1c4d-4e8f-a7b6-3d5c2e1f0a94"
RG = f"{SUB}/resourceGroups/rg-t-ous-data"
ACCOUNT = f"{RG}/providers/Microsoft.Storage/storageAccounts/trec"
BLOBS = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"

UPLOADER_GUID = "968b6cff-02e2-5618-8da6-7966f418e865"
READER_GUID = "3f689d55-5ae5-57e8-9cf9-aa39cf350173"
OPERATOR_GUID = "90275980-0407-5df6-8299-f48162891d81"
DEPLOYER_GUID = "6d1f5e0c-1b7a-5c55-9a8e-0b2b9d4f3e21"
UPLOADER_ACTIONS = [f"{BLOBS}/write", f"{BLOBS}/add/action"]
READER_ACTIONS = [f"{BLOBS}/read"]


def container(name: str) -> str:
    return f"{ACCOUNT}/blobServices/default/containers/{name}"


def role_id(guid: str) -> str:
    return f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def definition_inputs(kind: str, guid: str, actions: list[str], data_actions: list[str], **extra: Any) -> dict:
    return {
        "roleDefinitionId": guid,
        "roleName": f"dpa-guard t {kind}",
        "roleType": "CustomRole",
        "scope": SUB,
        "assignableScopes": [RG],
        "permissions": [{"actions": actions, "notActions": [], "dataActions": data_actions, "notDataActions": []}],
        **extra,
    }


DEFINITION_NAMES = {UPLOADER_GUID: "uploader-role", READER_GUID: "reader-role", OPERATOR_GUID: "operator-role"}


def definitions():
    return [
        resource(ROLE_DEFINITION, "uploader-role", definition_inputs("uploader", UPLOADER_GUID, [], UPLOADER_ACTIONS)),
        resource(ROLE_DEFINITION, "reader-role", definition_inputs("reader", READER_GUID, [], READER_ACTIONS)),
        resource(ROLE_DEFINITION, "operator-role", definition_inputs(
            "operator", OPERATOR_GUID, ["Microsoft.Storage/storageAccounts/read"], [])),
    ]


def _role_dependency(guid: str, extra: dict[str, Any]) -> None:
    """Depend on the definition of `guid`, as modules/roles.py makes every assignment do."""
    if guid in DEFINITION_NAMES and "dependencies" not in extra:
        extra["dependencies"] = (urn_of(ROLE_DEFINITION, DEFINITION_NAMES[guid]),)


def time_limit(actions: list[str], until: str) -> str:
    guard = " AND ".join(f"!(ActionMatches{{'{a}'}})" for a in actions)
    return f"(({guard}) OR (@Environment[UtcNow] DateTimeLessThan '{until}T00:00:00.0Z'))"


def assignment(name: str, scope: str, guid: str, *, condition: str | None = None, **extra: Any):
    options = {k: extra.pop(k) for k in ("dependencies", "property_dependencies", "depends_on") if k in extra}
    _role_dependency(guid, options)
    inputs = {"scope": scope, "roleDefinitionId": role_id(guid), "principalId": UNKNOWN, "principalType": "Group",
              **extra}
    if condition is not None:
        inputs["condition"] = condition
        inputs.setdefault("conditionVersion", "2.0")
    return resource(ROLE_ASSIGNMENT, name, {k: v for k, v in inputs.items() if v is not None}, **options)


def eligibility(name: str, scope: str, guid: str, expiration: Any, **extra: Any):
    options = {k: extra.pop(k) for k in ("dependencies", "property_dependencies", "depends_on") if k in extra}
    _role_dependency(guid, options)
    inputs = {"scope": scope, "roleDefinitionId": role_id(guid), "principalId": UNKNOWN, **extra}
    if expiration is not None:
        inputs["scheduleInfo"] = {"expiration": expiration}
    return resource(PIM_ELIGIBILITY, name, inputs, **options)
