"""Small, compliant OUS and ECG stores in wire form, for the storage/location/retention/governance policy tests.

Each builder returns a `Resource` (tests/policies/helpers.py); `ous_store()` / `ecg_store()`
return a whole compliant store that a test changes one thing in (`replace_inputs`). The
dependencies are those modules/storage.py gives: the account depends on its resource group,
blob service, lifecycle policy and private endpoint take their accountName (privateLinkServiceConnections)
from the account (propertyDependencies, modules/storage.py named_by), containers too and depend on the
blob service. Stack policies (which see outputs, without names) correlate by them.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from dpaguard.checking.evaluate import Resource
from tests.policies.helpers import resource, urn_of

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SUB = "/subscriptions/2c7e9a1b-5d3f-4b6e-9a8c-7e1d0f4b2a65"

RG = "azure-native:resources:ResourceGroup"
ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
CONTAINER = "azure-native:storage:BlobContainer"
LIFECYCLE = "azure-native:storage:ManagementPolicy"
ENDPOINT = "azure-native:network:PrivateEndpoint"
GROUP = "azuread:index/group:Group"

DATA_CLASS = {"OUS": "therapy-recordings", "ECG": "ecg-patient-data"}


def register(agreements=("OUS",), **extra: Any) -> dict[str, Any]:
    reg: dict[str, Any] = {
        "stack": "test",
        "agreements": list(agreements),
        "locations": ["norwayeast", "norwaywest"],
        "recordings": {"maxAgeDays": 30, "maxSoftDeleteDays": 2} if "OUS" in agreements else None,
        "controllers": {},
        "subProcessors": [{"name": "Microsoft Norge AS", "country": "NO", "purpose": "hosting"}],
    }
    if "OUS" in agreements:
        reg["controllers"].update({
            "ahus-mbt": {"agreement": "OUS", "retentionDays": None, "scoresConsent": True},
            "sus-mbt": {"agreement": "OUS", "retentionDays": None, "scoresConsent": False},
        })
    if "ECG" in agreements:
        reg["controllers"].update({
            "dr-a": {"agreement": "ECG", "retentionDays": 365, "scoresConsent": False},
            "dr-b": {"agreement": "ECG", "retentionDays": 730, "scoresConsent": False},
        })
    reg.update(extra)
    return reg


def tags(agreement: str, data: bool = True) -> dict[str, str]:
    out = {"dpaguard-agreement": agreement, "dpaguard-stack": "test"}
    if data:
        out["dpaguard-data-class"] = DATA_CLASS[agreement]
    return out


def resource_group(name: str, agreement: str, *, data: bool = True, location: str | None = "norwayeast",
                   pulumi_name: str | None = None) -> Resource:
    inputs: dict[str, Any] = {"resourceGroupName": name, "tags": tags(agreement, data)}
    if location is not None:
        inputs["location"] = location
    return resource(RG, pulumi_name or name, inputs)


def account_inputs(name: str, group: str, agreement: str, sku: str) -> dict[str, Any]:
    return {
        "accountName": name,
        "resourceGroupName": group,
        "location": "norwayeast",
        "kind": "StorageV2",
        "sku": {"name": sku},
        "allowSharedKeyAccess": False,
        "defaultToOAuthAuthentication": True,
        "publicNetworkAccess": "Disabled",
        "networkRuleSet": {"defaultAction": "Deny", "bypass": "None", "ipRules": [], "virtualNetworkRules": [],
                           "resourceAccessRules": []},
        "allowBlobPublicAccess": False,
        "allowCrossTenantReplication": False,
        "allowedCopyScope": "PrivateLink",
        "enableHttpsTrafficOnly": True,
        "minimumTlsVersion": "TLS1_2",
        "encryption": {"keySource": "Microsoft.Storage", "requireInfrastructureEncryption": True},
        "tags": tags(agreement),
    }


def account_urn(name: str) -> str:
    return urn_of(ACCOUNT, f"acct-{name}")


def blob_service_urn(account_name: str) -> str:
    return urn_of(BLOB_SERVICE, f"{account_name}-blob")


def account(name: str, group: str, agreement: str, sku: str = "Standard_ZRS", **override: Any) -> Resource:
    return resource(ACCOUNT, f"acct-{name}", {**account_inputs(name, group, agreement, sku), **override},
                    dependencies=(urn_of(RG, group),))


def blob_service(account_name: str, group: str, **inputs: Any) -> Resource:
    return resource(BLOB_SERVICE, f"{account_name}-blob",
                    {"accountName": account_name, "resourceGroupName": group, "blobServicesName": "default", **inputs},
                    property_dependencies={"accountName": (account_urn(account_name),)})


def container(name: str, account_name: str, group: str, **metadata: str) -> Resource:
    return resource(CONTAINER, name, {"accountName": account_name, "resourceGroupName": group, "containerName": name,
                                      "publicAccess": "None", "metadata": metadata},
                    dependencies=(blob_service_urn(account_name),),
                    property_dependencies={"accountName": (account_urn(account_name),)})


def rule(name: str, prefixes: list[str] | None, base: float | None = 30, version: float | None = 0,
         snapshot: float | None = 0, blob_types=("blockBlob", "appendBlob"), **extra: Any) -> dict[str, Any]:
    actions: dict[str, Any] = {}
    if base is not None:
        actions["baseBlob"] = {"delete": {"daysAfterCreationGreaterThan": base}}
    if version is not None:
        actions["version"] = {"delete": {"daysAfterCreationGreaterThan": version}}
    if snapshot is not None:
        actions["snapshot"] = {"delete": {"daysAfterCreationGreaterThan": snapshot}}
    filters: dict[str, Any] = {"blobTypes": list(blob_types)}
    if prefixes is not None:
        filters["prefixMatch"] = prefixes
    return {"name": name, "type": "Lifecycle", "enabled": True,
            "definition": {"filters": filters, "actions": actions}, **extra}


def lifecycle(account_name: str, group: str, rules: list[dict[str, Any]]) -> Resource:
    return resource(LIFECYCLE, f"{account_name}-lifecycle",
                    {"accountName": account_name, "resourceGroupName": group, "managementPolicyName": "default",
                     "policy": {"rules": rules}}, property_dependencies={"accountName": (account_urn(account_name),)})


def account_id(group: str, name: str) -> str:
    return f"{SUB}/resourceGroups/{group}/providers/Microsoft.Storage/storageAccounts/{name}"


def private_endpoint(account_name: str, group: str, target: str | None = None, groups=("blob",)) -> Resource:
    return resource(ENDPOINT, f"pe-{account_name}", {
        "privateEndpointName": f"pe-{account_name}-blob",
        "resourceGroupName": group,
        "location": "norwayeast",
        "privateLinkServiceConnections": [{
            "name": f"{account_name}-blob",
            "privateLinkServiceId": target if target is not None else account_id(group, account_name),
            "groupIds": list(groups),
        }],
    }, property_dependencies={"privateLinkServiceConnections": (account_urn(account_name),)})


def group(display_name: str) -> Resource:
    return resource(GROUP, f"access-{display_name}", {"displayName": display_name, "securityEnabled": True})


OUS_RG = "rg-test-ous-data"
OUS_ACCOUNT = "testrec"
ECG_RG = "rg-test-ecg-data"
ECG_ACCOUNT = "testecg00"


def ous_store() -> list[Resource]:
    """The OUS store modules/storage.py builds for controllers ahus-mbt (scores consent) and sus-mbt."""
    return [
        resource_group(OUS_RG, "OUS"),
        account(OUS_ACCOUNT, OUS_RG, "OUS"),
        blob_service(OUS_ACCOUNT, OUS_RG, isVersioningEnabled=False,
                     deleteRetentionPolicy={"enabled": True, "days": 2, "allowPermanentDelete": True},
                     containerDeleteRetentionPolicy={"enabled": True, "days": 2},
                     changeFeed={"enabled": False}, restorePolicy={"enabled": False}),
        container("rec-ahus-mbt", OUS_ACCOUNT, OUS_RG, dpaguard_controller="ahus-mbt", dpaguard_agreement="OUS",
                  dpaguard_data_class="recordings"),
        container("scores-ahus-mbt", OUS_ACCOUNT, OUS_RG, dpaguard_controller="ahus-mbt", dpaguard_agreement="OUS",
                  dpaguard_data_class="scores"),
        container("rec-sus-mbt", OUS_ACCOUNT, OUS_RG, dpaguard_controller="sus-mbt", dpaguard_agreement="OUS",
                  dpaguard_data_class="recordings"),
        lifecycle(OUS_ACCOUNT, OUS_RG, [rule("delete-recordings", ["rec-"], base=30, version=0, snapshot=0)]),
        private_endpoint(OUS_ACCOUNT, OUS_RG),
        group("test-ahus-mbt-uploaders"), group("test-ahus-mbt-readers"),
        group("test-sus-mbt-uploaders"), group("test-sus-mbt-readers"),
    ]


def ecg_store() -> list[Resource]:
    """An ECG store: one account, controllers dr-a (365 days) and dr-b (730 days, pseudonymised)."""
    return [
        resource_group(ECG_RG, "ECG"),
        account(ECG_ACCOUNT, ECG_RG, "ECG", sku="Standard_GZRS"),
        blob_service(ECG_ACCOUNT, ECG_RG, isVersioningEnabled=True,
                     deleteRetentionPolicy={"enabled": True, "days": 30},
                     containerDeleteRetentionPolicy={"enabled": True, "days": 30},
                     changeFeed={"enabled": True, "retentionInDays": 30}, restorePolicy={"enabled": True, "days": 29}),
        container("ecg-dr-a", ECG_ACCOUNT, ECG_RG, dpaguard_controller="dr-a", dpaguard_agreement="ECG",
                  dpaguard_data_class="ecg", dpaguard_pseudonymised="false"),
        container("ecg-dr-b", ECG_ACCOUNT, ECG_RG, dpaguard_controller="dr-b", dpaguard_agreement="ECG",
                  dpaguard_data_class="ecg", dpaguard_pseudonymised="true"),
        lifecycle(ECG_ACCOUNT, ECG_RG, [
            rule("retain-365d-00", ["ecg-dr-a/"], base=365, version=30, snapshot=30),
            rule("retain-730d-00", ["ecg-dr-b/"], base=730, version=30, snapshot=30),
        ]),
        private_endpoint(ECG_ACCOUNT, ECG_RG),
        group("test-dr-a-readers"), group("test-dr-b-readers"), group("test-ecg-ingest"),
    ]


def named(resources: list[Resource], name: str) -> Resource:
    return next(r for r in resources if r.name == name)


def replace_inputs(resources: list[Resource], name: str, **inputs: Any) -> list[Resource]:
    """A copy of `resources` with `name`'s inputs updated (a value of ... removes the key)."""
    out = []
    for r in resources:
        if r.name == name:
            merged = copy.deepcopy(dict(r.inputs))
            for k, v in inputs.items():
                if v is ...:
                    merged.pop(k, None)
                else:
                    merged[k] = v
            r = replace(r, inputs=merged)
        out.append(r)
    return out


def without(resources: list[Resource], *names: str) -> list[Resource]:
    return [r for r in resources if r.name not in names]
