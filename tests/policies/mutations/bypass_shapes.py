"""Mutations for the shapes issue 9 found passing every policy, and for the fail-closed cases.

Each adds or changes what a careless or hostile program could bring to get a yes: a type the
pack does not read (classic provider, azapi, a nested ARM deployment, a directory role), a
versioned type token, a policy exemption, a principal that is not one of the stack's groups,
logs shipped out of the stack, a regional resource without a location, and values that are
unknown or secret where a mandatory clause depends on them.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.policies.mutations import UNKNOWN, Mutation, find, resources

BOTH = ("ous-kvalitetslab", "ecg247")
OUS = ("ous-kvalitetslab",)

ACCOUNT = "azure-native:storage:StorageAccount"
NSG = "azure-native:network:NetworkSecurityGroup"
CA = "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
POLICY_ASSIGNMENT = "azure-native:authorization:PolicyAssignment"
DIAGNOSTIC = "azure-native:monitor:DiagnosticSetting"
LIFECYCLE = "azure-native:storage:ManagementPolicy"
GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"  # Entra built-in role template id
ALLOWED_LOCATIONS = "e56962a6-4747-49cd-b67b-bf8b01975c4c"


def _add(plan: dict, like: dict, type_: str, name: str, inputs: dict[str, Any], **extra: Any) -> dict:
    """A new resource beside `like` (same parent), appended to the plan, with no outputs recorded."""
    prefix = "::".join(like["urn"].split("::")[:2])
    parent_type = like["urn"].split("::")[2].rsplit("$", 1)[0]
    new = copy.deepcopy(like)
    new.pop("outputs", None)
    new.update(type=type_, name=name, inputs=inputs, dependencies=[], propertyDependencies={},
               urn=f"{prefix}::{parent_type}${type_}::{name}")
    new.update(extra)
    plan["resources"].append(new)
    return new


def _account(plan: dict) -> dict[str, Any]:
    return find(plan, ACCOUNT)


def _sub(plan: dict) -> str:
    return "/subscriptions/" + find(plan, POLICY_ASSIGNMENT)["inputs"]["scope"].split("/")[2]


# ------------------------------------------------------------------ closed world


def _classic_storage(plan: dict) -> None:
    _add(plan, _account(plan), "azure:storage/account:Account", "classic-store",
         {"name": "classicstore", "location": "norwayeast", "resourceGroupName": "rg-x"})


def _azapi_storage(plan: dict) -> None:
    _add(plan, _account(plan), "azapi:index/resource:Resource", "azapi-store",
         {"type": "Microsoft.Storage/storageAccounts@2023-01-01", "location": "westeurope", "body": {}})


def _nested_deployment(plan: dict) -> None:
    template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                "contentVersion": "1.0.0.0",
                "resources": [{"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-01-01",
                               "name": "copyabroad", "location": "westeurope", "kind": "StorageV2",
                               "sku": {"name": "Standard_GRS"}}]}
    _add(plan, _account(plan), "azure-native:resources:Deployment", "inline-template",
         {"resourceGroupName": _account(plan)["inputs"]["resourceGroupName"],
          "properties": {"mode": "Incremental", "template": template}})


def _policy_exemption(plan: dict) -> None:
    assignment = find(plan, POLICY_ASSIGNMENT)
    _add(plan, assignment, "azure-native:authorization:PolicyExemption", "exempt-rg",
         {"scope": f"{_sub(plan)}/resourceGroups/rg-elsewhere", "exemptionCategory": "Waiver",
          "policyAssignmentId": f"{_sub(plan)}/providers/Microsoft.Authorization/policyAssignments/x-allowed-locations"})


def _global_administrator(plan: dict) -> None:
    _add(plan, find(plan, CA), "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment", "global-admin",
         {"roleId": GLOBAL_ADMINISTRATOR, "principalObjectId": "b1af9a00-ed3c-56d4-9125-e94f110733d4"})


def _key_vault(plan: dict) -> None:
    _add(plan, _account(plan), "azure-native:keyvault:Vault", "vault",
         {"resourceGroupName": "rg-elsewhere", "location": "norwayeast", "properties": {}})


def _versioned_account_with_shared_keys(plan: dict) -> None:
    account = _account(plan)
    account["type"] = "azure-native:storage/v20230101:StorageAccount"
    account["inputs"]["allowSharedKeyAccess"] = True


CLOSED_WORLD = [
    Mutation("closed-world-classic-provider", BOTH, _classic_storage, {"governance-closed-world"},
             {"OUS-6.1.b", "ECG-10"}),
    Mutation("closed-world-azapi", BOTH, _azapi_storage, {"governance-closed-world"}, {"OUS-6.1.b", "ECG-10"}),
    Mutation("closed-world-nested-arm-deployment", BOTH, _nested_deployment,
             {"governance-closed-world", "governance-data-group-contents"}, {"OUS-6.1.b", "ECG-10"}),
    Mutation("closed-world-policy-exemption", BOTH, _policy_exemption, {"governance-closed-world"},
             {"ECG-10", "ECG-6"}),
    Mutation("closed-world-entra-global-administrator", BOTH, _global_administrator, {"governance-closed-world"},
             {"OUS-6.1.b"}),
    Mutation("closed-world-unread-type", BOTH, _key_vault, {"governance-closed-world"}, {"ECG-6"}),
    # Every policy applies to every API version: the versioned token is read as StorageAccount.
    Mutation("versioned-token-shared-key-on", BOTH, _versioned_account_with_shared_keys,
             {"storage-shared-key-disabled"}, {"OUS-6.1.a"}),
]


# ------------------------------------------------------------------ principals, log sinks, locations


def _literal_principal(plan: dict) -> None:
    assignment = find(plan, ROLE_ASSIGNMENT)
    assignment["inputs"]["principalId"] = "0abbd512-3615-57d4-bd9a-bf8dae038f32"
    assignment["propertyDependencies"] = {k: v for k, v in assignment["propertyDependencies"].items()
                                          if k != "principalId"}
    groups = {u for u in assignment["dependencies"] if "azuread:index/group:Group" in u}
    assignment["dependencies"] = [u for u in assignment["dependencies"] if u not in groups]


def _logs_to_storage(plan: dict) -> None:
    setting = find(plan, DIAGNOSTIC)
    setting["inputs"]["storageAccountId"] = (f"{_sub(plan)}/resourceGroups/rg-elsewhere/providers/"
                                             "Microsoft.Storage/storageAccounts/logcollector")


def _logs_to_event_hub(plan: dict) -> None:
    setting = find(plan, DIAGNOSTIC)
    setting["inputs"]["eventHubAuthorizationRuleId"] = (f"{_sub(plan)}/resourceGroups/rg-elsewhere/providers/"
                                                        "Microsoft.EventHub/namespaces/ns/authorizationRules/send")
    setting["inputs"]["eventHubName"] = "logs"


def _logs_to_foreign_workspace(plan: dict) -> None:
    # A blob service's setting (the plan's order of settings follows their inputs' dependencies).
    setting = next(r for r in resources(plan, DIAGNOSTIC)
                   if str(r["inputs"].get("resourceUri", "")).lower().endswith("/blobservices/default"))
    setting["inputs"]["workspaceId"] = (f"{_sub(plan)}/resourceGroups/rg-elsewhere/providers/"
                                        "Microsoft.OperationalInsights/workspaces/central")
    setting["dependencies"] = [u for u in setting["dependencies"] if "operationalinsights:Workspace" not in u]


def _nsg_without_location(plan: dict) -> None:
    find(plan, NSG)["inputs"].pop("location")


def _not_scopes(plan: dict) -> None:
    for r in resources(plan, POLICY_ASSIGNMENT):
        if r["inputs"]["policyDefinitionId"].lower().endswith(ALLOWED_LOCATIONS):
            r["inputs"]["notScopes"] = [f"{_sub(plan)}/resourceGroups/rg-elsewhere"]


def _index_filter(plan: dict) -> None:
    rule = find(plan, LIFECYCLE)["inputs"]["policy"]["rules"][0]
    rule["definition"]["filters"]["blobIndexMatch"] = [{"name": "done", "op": "==", "value": "yes"}]


PLACEMENT = [
    Mutation("principal-not-a-stack-group", BOTH, _literal_principal, {"rbac-principals-in-stack"},
             {"OUS-6.2", "OUS-7"}),
    Mutation("logs-shipped-to-storage-outside", BOTH, _logs_to_storage, {"audit-log-sinks-in-stack"},
             {"OUS-6.1.b", "ECG-10"}),
    Mutation("logs-shipped-to-event-hub", BOTH, _logs_to_event_hub, {"audit-log-sinks-in-stack"},
             {"OUS-6.1.b", "ECG-10"}),
    Mutation("logs-to-workspace-outside-stack", BOTH, _logs_to_foreign_workspace,
             {"audit-log-workspace-in-stack", "audit-storage-blob-logs"}, {"OUS-6.b"}),
    Mutation("regional-type-without-location", BOTH, _nsg_without_location, {"location-in-norway"}, {"ECG-10"}),
    Mutation("allowed-locations-not-scopes", BOTH, _not_scopes, {"location-allowed-locations-enforced"},
             {"ECG-10", "OUS-6.1.b"}),
    Mutation("lifecycle-index-tag-filter", BOTH, _index_filter, {"retention-lifecycle-no-index-filter"},
             {"OUS-4.1", "ECG-4"}),
]


# ------------------------------------------------------------------ unknown and secret values fail closed


def _unknown(type_: str, path: tuple[str, ...], value: Any = UNKNOWN):
    def apply(plan: dict) -> None:
        current = find(plan, type_)["inputs"]
        for step in path[:-1]:
            current = current.setdefault(step, {})
        current[path[-1]] = value
    return apply


UNDECIDABLE = [
    Mutation("unknown-shared-key-access", BOTH, _unknown(ACCOUNT, ("allowSharedKeyAccess",)),
             {"storage-shared-key-disabled"}, {"OUS-6.1.a"}),
    Mutation("secret-tls-version", BOTH, _unknown(ACCOUNT, ("minimumTlsVersion",), "[secret]"),
             {"storage-tls-https-only"}, {"OUS-6.1.e"}),
    Mutation("unknown-account-location", BOTH, _unknown(ACCOUNT, ("location",)), {"location-in-norway"},
             {"ECG-10"}),
    Mutation("unknown-ca-conditions", BOTH, _unknown(CA, ("conditions", "locations")),
             {"identity-ca-settings-known"}, {"OUS-6.1.d"}),
]

MUTATIONS = CLOSED_WORLD + PLACEMENT + UNDECIDABLE
