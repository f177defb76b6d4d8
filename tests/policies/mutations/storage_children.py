"""Mutations that hand a storage child to an account outside the stack while it claims the stack's one.

A hostile program keeps a controller's container, with its metadata and its `depends_on` on the
stack's Norway account, but names another account in `accountName` as a literal: the data would
land in an account with none of the stack's controls, in any region. Every policy that ties the
container to an account by what it depends on counts it as the controller's dedicated container;
only the input's own provenance (propertyDependencies, empty for a literal) tells.

A program can also record the stack's account as the source and still name another account
(`account.urn.apply(lambda _: "evilacctuswest")`), or point a private endpoint of the stack's
network at an outside account: only the literal names, compared with the register's
storageAccounts (storage-children-name-stack-account), tell. Review C #5 and #6: the blob
service's audit setting moved to the account's file service (which takes the same StorageRead,
Write and Delete categories), and private endpoints to what is not a stack account's blob service.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.policies.mutations import Mutation, find, resources

BOTH = ("ous-kvalitetslab", "ecg247")

ACCOUNT = "azure-native:storage:StorageAccount"
CONTAINER = "azure-native:storage:BlobContainer"

ENDPOINT = "azure-native:network:PrivateEndpoint"
DIAGNOSTIC = "azure-native:monitor:DiagnosticSetting"

OUTSIDE_SUBSCRIPTION = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-x/providers"
OUTSIDE_PRIVATE_LINK_SERVICE = f"{OUTSIDE_SUBSCRIPTION}/Microsoft.Network/privateLinkServices/exfil"
OUTSIDE_SQL_SERVER = f"{OUTSIDE_SUBSCRIPTION}/Microsoft.Sql/servers/exfil"

OUTSIDE_ACCOUNT = "unmanagedstore01"
OUTSIDE_GROUP = "rg-unmanaged"
HOSTILE_ACCOUNT = "evilacctuswest"


def _controller_container(plan: dict) -> dict[str, Any]:
    """The first container taking its accountName from the plan's first data account."""
    account = find(plan, ACCOUNT)
    for r in resources(plan, CONTAINER):
        if account["urn"] in r.get("propertyDependencies", {}).get("accountName", []):
            return r
    raise AssertionError(f"no container of {account['name']} takes its accountName from it in {plan.get('stack')}")


def _container_in_outside_account(plan: dict) -> None:
    account = find(plan, ACCOUNT)
    container = _controller_container(plan)
    container["inputs"].update(accountName=OUTSIDE_ACCOUNT, resourceGroupName=OUTSIDE_GROUP)
    # A literal: the SDK records the property with no dependency (pulumi/pulumi sdk/python
    # `pulumi/runtime/rpc.py` serialize_properties collects them per key) ...
    container["propertyDependencies"] = {k: [] for k in container.get("propertyDependencies", {})}
    # ... while `depends_on=[the stack's account]` still ties it to the account by dependencies.
    container["dependencies"] = list(dict.fromkeys([*container["dependencies"], account["urn"]]))


def _container_names_outside_account(plan: dict) -> None:
    # `account_name=account.urn.apply(lambda _: "evilacctuswest")`: recorded as coming from the stack's
    # account (propertyDependencies unchanged), naming another.
    _controller_container(plan)["inputs"]["accountName"] = HOSTILE_ACCOUNT


def _outside_target(plan: dict, name: str) -> str:
    """The stack's account id with another account name: same subscription and resource group."""
    (connection,) = find(plan, ENDPOINT)["inputs"]["privateLinkServiceConnections"]
    return connection["privateLinkServiceId"].rsplit("/", 1)[0] + f"/{name}"


def _endpoint_retargeted(plan: dict) -> None:
    target = _outside_target(plan, "evilacct")
    endpoint = find(plan, ENDPOINT)
    endpoint["inputs"]["privateLinkServiceConnections"][0]["privateLinkServiceId"] = target


def _extra_endpoint(plan: dict, connection: dict[str, Any]) -> None:
    """A second endpoint in the stack's private-endpoint subnet with `connection`, still recorded as
    named by the stack's account."""
    original = find(plan, ENDPOINT)
    extra = copy.deepcopy(original)
    extra["name"] = f"{original['name']}-out"
    extra["urn"] = f"{original['urn']}-out"
    extra.pop("outputs", None)
    extra["inputs"].update(privateEndpointName=f"pe-{HOSTILE_ACCOUNT}-blob",
                           customNetworkInterfaceName=f"pe-{HOSTILE_ACCOUNT}-blob-nic")
    extra["inputs"]["privateLinkServiceConnections"] = [{**connection, "name": f"{HOSTILE_ACCOUNT}-blob"}]
    plan["resources"].append(extra)


def _extra_endpoint_to_outside_account(plan: dict) -> None:
    # An account outside the stack: a route out of the stack's network.
    _extra_endpoint(plan, {"privateLinkServiceId": _outside_target(plan, HOSTILE_ACCOUNT), "groupIds": ["blob"]})


def _extra_endpoint_to_private_link_service(plan: dict) -> None:
    # Someone's Private Link Service (no groupIds: a service has none).
    _extra_endpoint(plan, {"privateLinkServiceId": OUTSIDE_PRIVATE_LINK_SERVICE})


def _extra_endpoint_to_sql_server(plan: dict) -> None:
    _extra_endpoint(plan, {"privateLinkServiceId": OUTSIDE_SQL_SERVER, "groupIds": ["sqlServer"]})


def _extra_endpoint_to_blob_secondary(plan: dict) -> None:
    # The stack's own account, but its secondary blob endpoint: a sub-resource the stack does not use.
    (connection,) = find(plan, ENDPOINT)["inputs"]["privateLinkServiceConnections"]
    _extra_endpoint(plan, {"privateLinkServiceId": connection["privateLinkServiceId"], "groupIds": ["blob_secondary"]})


def _manual_connection_beside_own(plan: dict) -> None:
    # A literal manual connection to an outside Private Link Service beside the stack's own connection.
    find(plan, ENDPOINT)["inputs"]["manualPrivateLinkServiceConnections"] = [{
        "privateLinkServiceId": OUTSIDE_PRIVATE_LINK_SERVICE, "name": "exfil", "requestMessage": "hi"}]


def _blob_setting(plan: dict) -> dict[str, Any]:
    """The audit setting of the plan's first blob service (modules/audit.py)."""
    for r in resources(plan, DIAGNOSTIC):
        if r["inputs"]["resourceUri"].lower().endswith("/blobservices/default"):
            return r
    raise AssertionError(f"no blob service diagnostic setting in {plan.get('stack')}")


def _file_service_uri(setting: dict[str, Any]) -> str:
    return setting["inputs"]["resourceUri"].rsplit("/blobServices/", 1)[0] + "/fileServices/default"


def _blob_setting_on_file_service(plan: dict) -> None:
    # `named_by(blob_service, "<account id>/fileServices/default")`: recorded as the blob service's.
    setting = _blob_setting(plan)
    setting["inputs"]["resourceUri"] = _file_service_uri(setting)


def _blob_setting_on_file_service_by_depends_on(plan: dict) -> None:
    # The review's shape: no property dependencies at all, `depends_on` the blob service (and the workspace).
    setting = _blob_setting(plan)
    setting["inputs"]["resourceUri"] = _file_service_uri(setting)
    setting["propertyDependencies"] = {k: [] for k in setting.get("propertyDependencies", {})}


NAME_CHECK = "storage-children-name-stack-account"

MUTATIONS = [
    Mutation("storage-container-in-outside-account", BOTH, _container_in_outside_account,
             {"storage-children-in-stack", NAME_CHECK}, {"OUS-6.1.b", "ECG-6"}),
    Mutation("storage-container-names-outside-account", BOTH, _container_names_outside_account,
             {NAME_CHECK}, {"OUS-6.1.b", "ECG-6"}),
    Mutation("storage-private-endpoint-retargeted-outside", BOTH, _endpoint_retargeted,
             {NAME_CHECK}, {"OUS-6.1.b", "ECG-6"}),
    Mutation("storage-private-endpoint-extra-to-outside-account", BOTH, _extra_endpoint_to_outside_account,
             {NAME_CHECK}, {"OUS-6.1.b", "ECG-6"}),
    Mutation("storage-private-endpoint-extra-to-private-link-service", BOTH, _extra_endpoint_to_private_link_service,
             {NAME_CHECK}, {"OUS-6.1.b", "ECG-6"}),
    Mutation("storage-private-endpoint-extra-to-sql-server", BOTH, _extra_endpoint_to_sql_server,
             {NAME_CHECK}, {"OUS-6.1.b", "ECG-6"}),
    Mutation("storage-private-endpoint-extra-to-blob-secondary", BOTH, _extra_endpoint_to_blob_secondary,
             {NAME_CHECK}, {"OUS-6.1.b", "ECG-6"}),
    Mutation("storage-private-endpoint-manual-beside-own", BOTH, _manual_connection_beside_own,
             {NAME_CHECK}, {"OUS-6.1.b", "ECG-6"}),
    Mutation("audit-blob-setting-on-file-service", BOTH, _blob_setting_on_file_service,
             {NAME_CHECK}, {"OUS-6.1.b", "ECG-6"}),
    Mutation("audit-blob-setting-on-file-service-by-depends-on", BOTH, _blob_setting_on_file_service_by_depends_on,
             {NAME_CHECK, "audit-storage-blob-logs"}, {"OUS-6.1.b", "ECG-6", "OUS-6.b", "ECG-7S"}),
]
