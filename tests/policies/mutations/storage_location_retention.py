"""Mutations for the storage, location, retention and governance policies.

Each breaks one control in the real plans the way a careless change to modules/storage.py,
modules/roles.py or the stack config would, and names the policies that must notice.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.policies.mutations import Mutation, find, remove, resources, set_in

BOTH = ("ous-kvalitetslab", "ecg247")
OUS = ("ous-kvalitetslab",)
ECG = ("ecg247",)

ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
CONTAINER = "azure-native:storage:BlobContainer"
LIFECYCLE = "azure-native:storage:ManagementPolicy"
ENDPOINT = "azure-native:network:PrivateEndpoint"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
WORKSPACE = "azure-native:operationalinsights:Workspace"
ASSIGNMENT = "azure-native:authorization:PolicyAssignment"
GROUP = "azuread:index/group:Group"


# ------------------------------------------------------------------ helpers (local to this file)


def _account(plan: dict) -> dict[str, Any]:
    """The first data storage account of the plan (ousklrec, ecg247ecg00)."""
    return find(plan, ACCOUNT)


def _account_name(plan: dict) -> str:
    return _account(plan)["inputs"]["accountName"]


def _of_account(plan: dict, type_: str) -> list[dict[str, Any]]:
    name = _account_name(plan)
    return [r for r in resources(plan, type_) if r["inputs"].get("accountName") == name]


def _data_group(plan: dict) -> str:
    return _account(plan)["inputs"]["resourceGroupName"]


def _add(plan: dict, like: dict[str, Any], type_: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """A new resource shaped like `like` (same parent and plan fields), appended to the plan."""
    new = copy.deepcopy(like)
    new.update(type=type_, name=name, inputs=inputs, dependencies=[], propertyDependencies={})
    head, qualified, _ = like["urn"].rsplit("::", 2)
    parents = qualified.rsplit("$", 1)[0] + "$" if "$" in qualified else ""
    new["urn"] = f"{head}::{parents}{type_}::{name}"
    plan["resources"].append(new)
    return new


def _set(type_: str, path: tuple, value: Any, *, all_of_type: bool = False):
    def apply(plan: dict) -> None:
        targets = resources(plan, type_) if all_of_type else [find(plan, type_)]
        for r in targets:
            set_in(r["inputs"], path, value)
    return apply


def _on_account(path: tuple, value: Any):
    def apply(plan: dict) -> None:
        set_in(_account(plan)["inputs"], path, value)
    return apply


def _container(plan: dict, name: str, **metadata: str) -> dict[str, Any]:
    like = _of_account(plan, CONTAINER)[0]
    return _add(plan, like, CONTAINER, f"mut-{name}", {
        "accountName": _account_name(plan), "resourceGroupName": _data_group(plan), "containerName": name,
        "publicAccess": "None", "metadata": metadata})


# ------------------------------------------------------------------ storage hardening


def _firewall_ip_rule(plan: dict) -> None:
    _account(plan)["inputs"]["networkRuleSet"]["ipRules"] = [{"iPAddressOrRange": "203.0.113.10", "action": "Allow"}]


def _container_public(plan: dict) -> None:
    _of_account(plan, CONTAINER)[0]["inputs"]["publicAccess"] = "Blob"


def _endpoint_removed(plan: dict) -> None:
    name = _account_name(plan)
    for r in resources(plan, ENDPOINT):
        if r["inputs"].get("privateEndpointName") == f"pe-{name}-blob":
            plan["resources"].remove(r)


def _endpoint_to_file_service(plan: dict) -> None:
    for r in resources(plan, ENDPOINT):
        for connection in r["inputs"]["privateLinkServiceConnections"]:
            connection["groupIds"] = ["file"]


STORAGE = [
    Mutation("storage-shared-key-on", BOTH, _on_account(("allowSharedKeyAccess",), True),
             {"storage-shared-key-disabled"}, {"OUS-6.1.a", "ECG-7"}),
    Mutation("storage-public-network-enabled", BOTH, _on_account(("publicNetworkAccess",), "Enabled"),
             {"storage-public-network-disabled"}, {"OUS-6.1.b", "ECG-6"}),
    Mutation("storage-public-network-unset", ECG, lambda p: _account(p)["inputs"].pop("publicNetworkAccess"),
             {"storage-public-network-disabled"}, {"OUS-6.1.b"}),
    Mutation("storage-firewall-default-allow", BOTH, _on_account(("networkRuleSet", "defaultAction"), "Allow"),
             {"storage-network-default-deny"}, {"OUS-6.1.b"}),
    Mutation("storage-firewall-ip-rule", BOTH, _firewall_ip_rule, {"storage-network-default-deny"}, {"OUS-6.1.b"}),
    Mutation("storage-firewall-trusted-services-bypass", BOTH,
             _on_account(("networkRuleSet", "bypass"), "AzureServices"), {"storage-network-default-deny"}, {"OUS-6.1.b"}),
    Mutation("storage-private-endpoint-removed", BOTH, _endpoint_removed, {"storage-private-endpoint"},
             {"OUS-6.1.b", "ECG-6"}),
    Mutation("storage-private-endpoint-wrong-service", BOTH, _endpoint_to_file_service, {"storage-private-endpoint"},
             {"OUS-6.1.b"}),
    Mutation("storage-blob-public-access-on", BOTH, _on_account(("allowBlobPublicAccess",), True),
             {"storage-anonymous-access-disabled"}, {"OUS-6.1.b", "OUS-6.1.a"}),
    Mutation("storage-container-public", BOTH, _container_public, {"storage-anonymous-access-disabled"},
             {"OUS-6.1.b"}),
    Mutation("storage-tls-1-0", BOTH, _on_account(("minimumTlsVersion",), "TLS1_0"), {"storage-tls-https-only"},
             {"OUS-6.1.e", "ECG-7S"}),
    Mutation("storage-http-allowed", BOTH, _on_account(("enableHttpsTrafficOnly",), False), {"storage-tls-https-only"},
             {"OUS-6.1.e"}),
    Mutation("storage-cross-tenant-replication-on", BOTH, _on_account(("allowCrossTenantReplication",), True),
             {"storage-cross-tenant-replication-disabled"}, {"ECG-10", "OUS-6.1.b"}),
    Mutation("storage-copy-scope-aad", BOTH, _on_account(("allowedCopyScope",), "AAD"),
             {"storage-copy-scope-private-link"}, {"OUS-6.1.b", "ECG-10"}),
    Mutation("storage-single-encryption", BOTH, _on_account(("encryption", "requireInfrastructureEncryption"), False),
             {"storage-infrastructure-encryption"}, {"ECG-7S"}),
]


# ------------------------------------------------------------------ location


def _assignment(name_suffix: str):
    def pick(plan: dict) -> dict[str, Any]:
        return next(r for r in resources(plan, ASSIGNMENT) if r["name"].endswith(name_suffix))
    return pick


_allowed_locations = _assignment("-allowed-locations")


def _remove_allowed_locations(plan: dict) -> None:
    plan["resources"].remove(_allowed_locations(plan))


def _allow_abroad(plan: dict) -> None:
    _allowed_locations(plan)["inputs"]["parameters"]["listOfAllowedLocations"]["value"].append("westeurope")


def _not_enforced(plan: dict) -> None:
    _allowed_locations(plan)["inputs"]["enforcementMode"] = "DoNotEnforce"


def _data_group_unlocated(plan: dict) -> None:
    group = _data_group(plan)
    rg = next(r for r in resources(plan, RESOURCE_GROUP) if r["inputs"]["resourceGroupName"] == group)
    del rg["inputs"]["location"]


def _geo_replica_abroad(plan: dict) -> None:
    inputs = _account(plan)["inputs"]
    inputs["location"] = "westeurope"
    inputs["sku"] = {"name": "Standard_RAGRS"}


def _endpoint_global(plan: dict) -> None:
    find(plan, ENDPOINT)["inputs"]["location"] = "global"


LOCATION = [
    Mutation("location-workspace-west-europe", BOTH, _set(WORKSPACE, ("location",), "westeurope"),
             {"location-in-norway"}, {"ECG-6", "ECG-10", "OUS-6.1.b"}),
    Mutation("location-data-account-sweden", BOTH, _on_account(("location",), "swedencentral"),
             {"location-in-norway"}, {"ECG-6", "ECG-10"}),
    Mutation("location-endpoint-global", BOTH, _endpoint_global, {"location-in-norway"}, {"ECG-6"}),
    Mutation("location-data-group-unlocated", BOTH, _data_group_unlocated, {"location-in-norway"}, {"ECG-6"}),
    Mutation("location-geo-replica-abroad", BOTH, _geo_replica_abroad,
             {"location-geo-replica-in-norway", "location-in-norway"}, {"ECG-10", "ECG-6", "OUS-6.1.b"}),
    Mutation("location-allowed-locations-unassigned", BOTH, _remove_allowed_locations,
             {"location-allowed-locations-assigned"}, {"ECG-10", "OUS-6.1.b"}),
    Mutation("location-allowed-locations-abroad", BOTH, _allow_abroad,
             {"location-allowed-locations-assigned"}, {"ECG-10"}),
    Mutation("location-allowed-locations-not-enforced", BOTH, _not_enforced,
             {"location-allowed-locations-assigned"}, {"ECG-10"}),
]


# ------------------------------------------------------------------ retention


def _blob_service(plan: dict) -> dict[str, Any]:
    return _of_account(plan, BLOB_SERVICE)[0]["inputs"]


def _rules(plan: dict) -> list[dict[str, Any]]:
    return _of_account(plan, LIFECYCLE)[0]["inputs"]["policy"]["rules"]


def _ous_versioning(plan: dict) -> None:
    _blob_service(plan)["isVersioningEnabled"] = True


def _ous_long_soft_delete(plan: dict) -> None:
    _blob_service(plan)["deleteRetentionPolicy"] = {"enabled": True, "days": 30.0}


def _ous_restore(plan: dict) -> None:
    service = _blob_service(plan)
    service["changeFeed"] = {"enabled": True}
    service["restorePolicy"] = {"enabled": True, "days": 6.0}


def _lifecycle_removed(plan: dict) -> None:
    remove(plan, LIFECYCLE, _of_account(plan, LIFECYCLE)[0]["name"])


def _ous_lifecycle_late(plan: dict) -> None:
    for rule in _rules(plan):
        rule["definition"]["actions"]["baseBlob"]["delete"] = {"daysAfterCreationGreaterThan": 365.0}


def _ous_snapshots_kept(plan: dict) -> None:
    for rule in _rules(plan):
        rule["definition"]["actions"].pop("snapshot")


def _ous_lifecycle_last_access(plan: dict) -> None:
    for rule in _rules(plan):
        rule["definition"]["actions"]["baseBlob"]["delete"] = {"daysAfterLastAccessTimeGreaterThan": 30.0}


def _object_replication(plan: dict) -> None:
    account = _account(plan)
    _add(plan, account, "azure-native:storage:ObjectReplicationPolicy", "mut-replication", {
        "accountName": account["inputs"]["accountName"], "resourceGroupName": account["inputs"]["resourceGroupName"],
        "objectReplicationPolicyId": "default", "sourceAccount": account["inputs"]["accountName"],
        "destinationAccount": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-copy/providers/"
                              "Microsoft.Storage/storageAccounts/copyelsewhere",
        "rules": [{"sourceContainer": "rec-ahus-mbt", "destinationContainer": "copy"}]})


def _ecg_soft_delete_off(plan: dict) -> None:
    service = _blob_service(plan)
    service["deleteRetentionPolicy"] = {"enabled": False}
    service["containerDeleteRetentionPolicy"] = {"enabled": False}
    # Point-in-time restore needs soft delete; Azure would refuse the combination.
    service["restorePolicy"] = {"enabled": False}


def _ecg_lifecycle_too_long(plan: dict) -> None:
    rule = _rules(plan)[0]
    rule["definition"]["actions"]["baseBlob"]["delete"]["daysAfterCreationGreaterThan"] += 1000.0


def _ecg_versions_kept(plan: dict) -> None:
    for rule in _rules(plan):
        rule["definition"]["actions"].pop("version")


def _ecg_append_blobs_escape(plan: dict) -> None:
    for rule in _rules(plan):
        rule["definition"]["filters"]["blobTypes"] = ["blockBlob"]


RETENTION = [
    Mutation("retention-ous-versioning-on", OUS, _ous_versioning, {"retention-ous-no-recovery"}, {"OUS-5"}),
    Mutation("retention-ous-month-of-soft-delete", OUS, _ous_long_soft_delete, {"retention-ous-no-recovery"},
             {"OUS-5"}),
    Mutation("retention-ous-point-in-time-restore", OUS, _ous_restore, {"retention-ous-no-recovery"}, {"OUS-5"}),
    Mutation("retention-ous-lifecycle-removed", OUS, _lifecycle_removed, {"retention-ous-lifecycle"},
             {"OUS-4.1", "OUS-5"}),
    Mutation("retention-ous-lifecycle-after-a-year", OUS, _ous_lifecycle_late, {"retention-ous-lifecycle"},
             {"OUS-4.1"}),
    Mutation("retention-ous-snapshots-kept", OUS, _ous_snapshots_kept, {"retention-ous-lifecycle"}, {"OUS-4.1"}),
    Mutation("retention-ous-lifecycle-by-last-access", OUS, _ous_lifecycle_last_access, {"retention-ous-lifecycle"},
             {"OUS-4.1"}),
    Mutation("retention-ous-geo-replicated", OUS, _on_account(("sku", "name"), "Standard_GZRS"),
             {"retention-ous-no-geo-copies"}, {"OUS-5"}),
    Mutation("retention-ous-object-replication", OUS, _object_replication, {"retention-ous-no-geo-copies"}, {"OUS-5"}),
    Mutation("retention-ecg-locally-redundant", ECG, _on_account(("sku", "name"), "Standard_LRS"),
             {"retention-ecg-zone-redundant"}, {"ECG-7S"}),
    Mutation("retention-ecg-versioning-off", ECG, lambda p: _blob_service(p).update(isVersioningEnabled=False),
             {"retention-ecg-restorable"}, {"ECG-7S"}),
    Mutation("retention-ecg-soft-delete-off", ECG, _ecg_soft_delete_off, {"retention-ecg-restorable"}, {"ECG-7S"}),
    Mutation("retention-ecg-blob-service-removed", ECG,
             lambda p: remove(p, BLOB_SERVICE, _of_account(p, BLOB_SERVICE)[0]["name"]),
             {"retention-ecg-restorable"}, {"ECG-7S"}),
    Mutation("retention-ecg-kept-past-retention", ECG, _ecg_lifecycle_too_long, {"retention-ecg-lifecycle"},
             {"ECG-4"}),
    Mutation("retention-ecg-lifecycle-removed", ECG, _lifecycle_removed, {"retention-ecg-lifecycle"}, {"ECG-4"}),
    Mutation("retention-ecg-versions-kept-forever", ECG, _ecg_versions_kept, {"retention-ecg-lifecycle"}, {"ECG-4"}),
    Mutation("retention-ecg-append-blobs-escape", ECG, _ecg_append_blobs_escape, {"retention-ecg-lifecycle"},
             {"ECG-4"}),
]


# ------------------------------------------------------------------ governance


def _shared_account(plan: dict) -> None:
    _account(plan)["inputs"]["tags"]["dpaguard-agreement"] = "OUS,ECG"


def _foreign_container(plan: dict) -> None:
    # A container of the other agreement in this account: OUS data in ECG's or the reverse.
    other = "ECG" if _account(plan)["inputs"]["tags"]["dpaguard-agreement"] == "OUS" else "OUS"
    _container(plan, "rec-foreign" if other == "OUS" else "ecg-foreign", dpaguard_agreement=other,
               dpaguard_controller="foreign", dpaguard_data_class="recordings" if other == "OUS" else "ecg",
               dpaguard_pseudonymised="false")


def _database_in_data_group(plan: dict) -> None:
    _add(plan, _account(plan), "azure-native:sql:Server", "mut-sql", {
        "serverName": "sql-mutation", "resourceGroupName": _data_group(plan), "location": "norwayeast",
        "administratorLogin": "dba", "minimalTlsVersion": "1.2", "publicNetworkAccess": "Disabled"})


def _file_share(plan: dict) -> None:
    _add(plan, _account(plan), "azure-native:storage:FileShare", "mut-share", {
        "accountName": _account_name(plan), "resourceGroupName": _data_group(plan), "shareName": "journals"})


def _extra_ous_container(plan: dict) -> None:
    _container(plan, "journals", dpaguard_agreement="OUS", dpaguard_data_class="recordings")


def _scores_without_consent(plan: dict) -> None:
    _container(plan, "scores-sus-mbt", dpaguard_agreement="OUS", dpaguard_controller="sus-mbt",
               dpaguard_data_class="scores")


def _controller_container_removed(plan: dict) -> None:
    victim = "rec-sus-mbt" if plan["stack"] == "ous-kvalitetslab" else "ecg-dr-lie-bergen"
    plan["resources"] = [r for r in plan["resources"]
                         if not (r["type"] == CONTAINER and r["inputs"].get("containerName") == victim)]


def _controller_group_removed(plan: dict) -> None:
    victim = "sus-mbt" if plan["stack"] == "ous-kvalitetslab" else "dr-lie-bergen"
    plan["resources"] = [r for r in plan["resources"]
                         if not (r["type"] == GROUP and r["inputs"].get("displayName", "").endswith(f"-{victim}-readers"))]


def _account_unclassified(plan: dict) -> None:
    del _account(plan)["inputs"]["tags"]["dpaguard-data-class"]


def _pseudonym_flag_missing(plan: dict) -> None:
    del _of_account(plan, CONTAINER)[0]["inputs"]["metadata"]["dpaguard_pseudonymised"]


def _sub_processor_abroad(plan: dict) -> None:
    plan["register"]["subProcessors"].append(
        {"name": "Analytics Inc.", "country": "US", "purpose": "usage analytics of the app"})


GOVERNANCE = [
    Mutation("governance-account-shared-by-agreements", BOTH, _shared_account, {"governance-dedicated-store"},
             {"OUS-3", "ECG-6"}),
    Mutation("governance-other-agreements-container", BOTH, _foreign_container, {"governance-container-labels"},
             {"OUS-3"}),
    Mutation("governance-database-in-data-group", BOTH, _database_in_data_group, {"governance-data-group-contents"},
             {"OUS-3", "OUS-2"}),
    Mutation("governance-ous-file-share", OUS, _file_share,
             {"governance-ous-containers", "governance-data-group-contents"}, {"OUS-2"}),
    Mutation("governance-ous-other-data-container", OUS, _extra_ous_container, {"governance-ous-containers"},
             {"OUS-2"}),
    Mutation("governance-scores-without-consent", OUS, _scores_without_consent, {"governance-scores-consent"},
             {"OUS-4.2"}),
    Mutation("governance-controller-container-removed", BOTH, _controller_container_removed,
             {"governance-controller-isolation"}, {"ECG-6"}),
    Mutation("governance-controller-group-removed", BOTH, _controller_group_removed,
             {"governance-controller-isolation"}, {"OUS-6.2"}),
    Mutation("governance-account-unclassified", BOTH, _account_unclassified, {"governance-data-classification"},
             {"ECG-3", "OUS-2"}),
    Mutation("governance-pseudonymisation-unrecorded", ECG, _pseudonym_flag_missing,
             {"governance-data-classification"}, {"ECG-3"}),
    Mutation("governance-sub-processor-outside-eea", BOTH, _sub_processor_abroad, {"governance-sub-processors-eea"},
             {"ECG-10"}),
]

MUTATIONS = STORAGE + LOCATION + RETENTION + GOVERNANCE
