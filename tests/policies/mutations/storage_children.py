"""Mutations that hand a storage child to an account outside the stack while it claims the stack's one.

A hostile program keeps a controller's container, with its metadata and its `depends_on` on the
stack's Norway account, but names another account in `accountName` as a literal: the data would
land in an account with none of the stack's controls, in any region. Every policy that ties the
container to an account by what it depends on counts it as the controller's dedicated container;
only the input's own provenance (propertyDependencies, empty for a literal) tells.
"""

from __future__ import annotations

from typing import Any

from tests.policies.mutations import Mutation, find, resources

BOTH = ("ous-kvalitetslab", "ecg247")

ACCOUNT = "azure-native:storage:StorageAccount"
CONTAINER = "azure-native:storage:BlobContainer"

OUTSIDE_ACCOUNT = "unmanagedstore01"
OUTSIDE_GROUP = "rg-unmanaged"


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


MUTATIONS = [
    Mutation("storage-container-in-outside-account", BOTH, _container_in_outside_account,
             {"storage-children-in-stack"}, {"OUS-6.1.b", "ECG-6"}),
]
