"""Mutations found by the hostile review of issue 9: shapes a platform engineer could bring to get a
green preview while breaking a clause, which the other modules of this catalogue did not try.

- a role assignment of a role the stack does not define (a built-in storage key operator, or a
  custom role defined elsewhere), at a scope where a data role would be refused;
- the operator role writing the storage account it should only read (turning shared keys or
  public access back on);
- a reader data action that merely ends in `/read` but names a super-user operation;
- an extra lifecycle rule that deletes ECG patient data before the controller's retention ends
  (no prefix at all, or a prefix broader than one container).
"""

from __future__ import annotations

import copy
from typing import Any

from tests.policies.mutations import Mutation, find, resources

BOTH = ("ous-kvalitetslab", "ecg247")
ECG = ("ecg247",)

ACCOUNT = "azure-native:storage:StorageAccount"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"
POLICY_ASSIGNMENT = "azure-native:authorization:PolicyAssignment"
LIFECYCLE = "azure-native:storage:ManagementPolicy"
BLOBS = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
# Built-in "Storage Account Key Operator Service Role" (Microsoft Learn, "Azure built-in roles"):
# listKeys/regenerateKey, i.e. shared-key access to every blob. Not in facts.PRIVILEGED_ROLES.
KEY_OPERATOR = "81a9662b-bebf-436f-a333-f67b29880f12"


def _sub(plan: dict) -> str:
    return "/subscriptions/" + find(plan, POLICY_ASSIGNMENT)["inputs"]["scope"].split("/")[2]


def _reader_assignment(plan: dict) -> dict[str, Any]:
    return next(r for r in resources(plan, ROLE_ASSIGNMENT) if "reader" in r["name"])


def _grant_foreign_role(guid: str, at_data_group: bool):
    """The reader's assignment re-pointed at a role no RoleDefinition of the plan defines."""
    def apply(plan: dict) -> None:
        assignment = _reader_assignment(plan)
        inputs = assignment["inputs"]
        inputs["roleDefinitionId"] = f"{_sub(plan)}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
        group = find(plan, ACCOUNT)["inputs"]["resourceGroupName"] if at_data_group else next(
            r for r in resources(plan, RESOURCE_GROUP) if "audit" in r["name"])["inputs"]["resourceGroupName"]
        inputs["scope"] = f"{_sub(plan)}/resourceGroups/{group}"
        assignment["dependencies"] = [u for u in assignment["dependencies"] if ROLE_DEFINITION not in u]
        assignment["propertyDependencies"]["roleDefinitionId"] = []
        assignment["propertyDependencies"]["scope"] = []
    return apply


def _role_permissions(kind: str, actions: list[str], data_actions: list[str]):
    def apply(plan: dict) -> None:
        role = next(r for r in resources(plan, ROLE_DEFINITION) if r["name"].endswith(f"-{kind}-role"))
        role["inputs"]["permissions"] = [{"actions": actions, "dataActions": data_actions, "notActions": [],
                                          "notDataActions": []}]
    return apply


def _early_delete_rule(prefixes: list[str] | None):
    """An extra enabled rule deleting base blobs one day after creation; None: no prefix filter."""
    def apply(plan: dict) -> None:
        for policy in resources(plan, LIFECYCLE):
            rules = policy["inputs"]["policy"]["rules"]
            extra = copy.deepcopy(rules[0])
            extra["name"] = "tidy-up"
            filters = extra["definition"]["filters"]
            if prefixes is None:
                filters.pop("prefixMatch", None)
            else:
                filters["prefixMatch"] = prefixes
            extra["definition"]["actions"]["baseBlob"]["delete"] = {"daysAfterCreationGreaterThan": 1.0}
            rules.append(extra)
    return apply


MUTATIONS = [
    Mutation("rbac-builtin-key-operator-granted", BOTH, _grant_foreign_role(KEY_OPERATOR, at_data_group=False),
             {"rbac-principals-in-stack"}, {"OUS-6.2", "OUS-6.1.a", "ECG-7"}),
    Mutation("rbac-role-defined-elsewhere-granted", BOTH,
             _grant_foreign_role("11111111-2222-4333-8444-555555555555", at_data_group=True),
             {"rbac-principals-in-stack"}, {"OUS-6.2", "ECG-7"}),
    Mutation("rbac-operator-writes-account", BOTH,
             _role_permissions("operator", ["Microsoft.Storage/storageAccounts/read",
                                            "Microsoft.Storage/storageAccounts/write"], []),
             {"rbac-custom-roles-least-privilege"}, {"OUS-6.2", "OUS-6.1.a"}),
    Mutation("rbac-reader-super-user-read-suffix", BOTH,
             _role_permissions("reader", [], [f"{BLOBS}/read", f"{BLOBS}/runAsSuperUser/action/read"]),
             {"rbac-custom-roles-least-privilege"}, {"OUS-6.2"}),
    Mutation("retention-ecg-early-delete-all-blobs", ECG, _early_delete_rule(None),
             {"retention-ecg-lifecycle"}, {"ECG-7S"}),
    Mutation("retention-ecg-early-delete-broad-prefix", ECG, _early_delete_rule(["ecg-dr-"]),
             {"retention-ecg-lifecycle"}, {"ECG-7S"}),
]


def _provider_in_other_subscription(plan: dict) -> None:
    """An explicit azure-native provider for another subscription, used by the data account."""
    default = find(plan, "pulumi:providers:azure-native")
    provider = copy.deepcopy(default)
    provider.pop("outputs", None)
    provider["name"] = "elsewhere"
    provider["urn"] = default["urn"].rsplit("::", 1)[0] + "::elsewhere"
    provider["inputs"] = {"subscriptionId": "00000000-1111-4222-8333-444444444444", "location": "norwayeast",
                          "version": default["inputs"].get("version", "3.29.0")}
    plan["resources"].append(provider)
    find(plan, ACCOUNT)["provider"] = provider["urn"] + "::04da6b54-80e4-46f7-96ec-b56ff0331ba9"


MUTATIONS.append(Mutation("location-provider-other-subscription", BOTH, _provider_in_other_subscription,
                          {"location-allowed-locations-assigned"}, {"ECG-10", "OUS-6.1.b"}))


def _account_flag(key: str, value: Any):
    def apply(plan: dict) -> None:
        for account in resources(plan, ACCOUNT):
            account["inputs"][key] = value
    return apply


MUTATIONS += [
    # Doors to the blobs that skip Entra ID: local users (SSH key/password/own key), SFTP, NFS 3.0.
    Mutation("storage-local-users-on", BOTH, _account_flag("isLocalUserEnabled", True),
             {"storage-shared-key-disabled"}, {"OUS-6.1.a", "ECG-7"}),
    Mutation("storage-sftp-on", BOTH, _account_flag("isSftpEnabled", True), {"storage-shared-key-disabled"},
             {"OUS-6.1.a", "ECG-7"}),
    Mutation("storage-nfs-v3-on", BOTH, _account_flag("enableNfsV3", True), {"storage-shared-key-disabled"},
             {"OUS-6.1.a", "ECG-7"}),
]
