"""A data resource group holds the data store and what secures it, nothing else: no databases, VMs or other services."""

from policies.lib import get, get_str, stack_policy
from policies.stack import RESOURCE_GROUP, TAG_DATA_CLASS, Undecided, data_group_agreement, key, label_of

CLAUSES = "[OUS-3, OUS-2]"

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


def _data_groups(resources, undecided: Undecided) -> dict[str, str]:
    """Data resource groups (lower-case name -> name): tagged with a data class, or named as one."""
    groups: dict[str, str] = {}
    for r in resources:
        if r.resource_type != RESOURCE_GROUP:
            continue
        with undecided.about(label_of(r)):
            name = get_str(r.props, "resourceGroupName")
            if name and (get(r.props, "tags", TAG_DATA_CLASS) is not None or data_group_agreement(name)):
                groups[key(name)] = name
    return groups


def validate(args, report_violation) -> None:
    undecided = Undecided()
    groups = _data_groups(args.resources, undecided)
    for r in args.resources:
        if r.resource_type == RESOURCE_GROUP or not r.resource_type.startswith(("azure-native:", "azure:")):
            continue
        label = label_of(r)
        with undecided.about(label):
            group = get_str(r.props, "resourceGroupName")
            if group is None or r.resource_type in ALLOWED_TYPES:
                continue
            if key(group) in groups or data_group_agreement(group):
                report_violation(
                    f"{CLAUSES} {label} ({r.resource_type}) is in data resource group '{group}', which must hold the "
                    "agreement's recordings/patient-data store and nothing else: move it to another resource group",
                    r.urn,
                )
    undecided.finish()


POLICY = stack_policy(
    name="governance-data-group-contents",
    clauses=("OUS-3", "OUS-2"),
    area="governance",
    description="A data resource group (tagged dpaguard-data-class, or named rg-<prefix>-<agreement>-data) contains "
    "only the storage account, its blob containers, service settings, lifecycle policy and private endpoint: no "
    "databases, VMs, file shares, tables, queues or other services beside the health data.",
    remediation="Create other resources in the network, audit or a workload resource group, never in a data group.",
    validate=validate,
)
