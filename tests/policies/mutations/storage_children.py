"""Mutations that hand a storage child to an account outside the stack while it claims the stack's one.

A hostile program keeps a controller's container, with its metadata and its `depends_on` on the
stack's Norway account, but names another account in `accountName` as a literal: the data would
land in an account with none of the stack's controls, in any region. Every policy that ties the
container to an account by what it depends on counts it as the controller's dedicated container;
only the input's own provenance (propertyDependencies, empty for a literal) tells.

A program can also record the stack's account as the source and still name another account
(`account.urn.apply(lambda _: "evilacctuswest")`), or point a private endpoint of the stack's
network at an outside account: only the literal names, compared with the register's
storageAccounts (storage-children-name-stack-account), tell.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.policies.mutations import Mutation, find, resources

BOTH = ("ous-kvalitetslab", "ecg247")

ACCOUNT = "azure-native:storage:StorageAccount"
CONTAINER = "azure-native:storage:BlobContainer"

ENDPOINT = "azure-native:network:PrivateEndpoint"

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


def _extra_endpoint_to_outside_account(plan: dict) -> None:
    # A second endpoint in the stack's private-endpoint subnet, to an account outside the stack:
    # a route out of the stack's network, still recorded as named by the stack's account.
    original = find(plan, ENDPOINT)
    extra = copy.deepcopy(original)
    extra["name"] = f"{original['name']}-out"
    extra["urn"] = f"{original['urn']}-out"
    extra.pop("outputs", None)
    extra["inputs"].update(privateEndpointName=f"pe-{HOSTILE_ACCOUNT}-blob",
                           customNetworkInterfaceName=f"pe-{HOSTILE_ACCOUNT}-blob-nic")
    extra["inputs"]["privateLinkServiceConnections"] = [{
        "privateLinkServiceId": _outside_target(plan, HOSTILE_ACCOUNT), "groupIds": ["blob"],
        "name": f"{HOSTILE_ACCOUNT}-blob"}]
    plan["resources"].append(extra)


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
]
