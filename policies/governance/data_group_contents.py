"""A data resource group holds the data store and what secures it, nothing else: no databases, VMs or other services."""

from policies.lib import describe, get_str, resource_policy
from policies.stack import RESOURCE_GROUP, data_group_agreement

# What a data resource group may contain: the storage account, its service settings,
# blob containers and lifecycle rules, and the private endpoint that is its only way in.
# Shares, tables and queues are other data stores, so they are not listed.
ALLOWED_TYPES = frozenset({
    "azure-native:storage:StorageAccount",
    "azure-native:storage:BlobServiceProperties",
    "azure-native:storage:FileServiceProperties",
    "azure-native:storage:QueueServiceProperties",
    "azure-native:storage:TableServiceProperties",
    "azure-native:storage:BlobContainer",
    "azure-native:storage:BlobContainerImmutabilityPolicy",
    "azure-native:storage:ManagementPolicy",
    "azure-native:storage:EncryptionScope",
    "azure-native:network:PrivateEndpoint",
    "azure-native:network:PrivateDnsZoneGroup",
    "azure-native:storage:PrivateEndpointConnection",
    "azure-native:authorization:ManagementLockAtResourceGroupLevel",
    "azure-native:authorization:ManagementLockAtResourceLevel",
    "azure-native:authorization:ManagementLockByScope",
})


def validate(args, report_violation) -> None:
    kind = args.resource_type
    if kind == RESOURCE_GROUP or kind in ALLOWED_TYPES or not kind.startswith(("azure-native:", "azure:")):
        return
    group = get_str(args.props, "resourceGroupName")
    if data_group_agreement(group):
        report_violation(
            f"{describe(kind, args.name)} ({kind}) is in data resource group '{group}', which must hold the "
            "agreement's recordings/patient-data store and nothing else: move it to another resource group")


POLICY = resource_policy(
    name="governance-data-group-contents",
    clauses=("OUS-3", "OUS-2"),
    area="governance",
    description="A data resource group (named rg-<prefix>-<agreement>-data, modules/naming.py) contains "
    "only the storage account, its blob containers, service settings, lifecycle policy and private endpoint: no "
    "databases, VMs, file shares, tables, queues or other services beside the health data.",
    remediation="Create other resources in the network, audit or a workload resource group, never in a data group.",
    validate=validate,
)
