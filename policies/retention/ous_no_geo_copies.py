"""OUS recordings exist once: no geo-replicated SKU, no object replication, no backup copy (OUS-5).

A resource policy (blocks before creation). The account's agreement comes from its inputs
(policies/stack.agreement_of_inputs). Object replication policies and backup instances are
also outside the pack's closed world (governance-closed-world); this policy says why they
are refused for OUS data in particular.
"""

import re

from policies.lib import describe, get_str, resource_policy
from policies.stack import STORAGE_ACCOUNT, agreement_of_args, data_group_agreement, is_geo_redundant, sku_name

OBJECT_REPLICATION = "azure-native:storage:ObjectReplicationPolicy"
BACKUP_INSTANCE = "azure-native:dataprotection:BackupInstance"
RESOURCE_GROUP_OF_ID = re.compile(r"/resourcegroups/(?P<group>[^/]+)/", re.IGNORECASE)


def _group_of(arm_id: str | None) -> str | None:
    match = RESOURCE_GROUP_OF_ID.search(arm_id or "")
    return match.group("group") if match else None


def validate(args, report_violation) -> None:
    kind = args.resource_type
    label = describe(kind, args.name)
    if kind == STORAGE_ACCOUNT:
        agreement, how = agreement_of_args(args)
        sku = sku_name(args.props)
        if agreement == "OUS" and is_geo_redundant(sku):
            report_violation(
                f"{label} holds OUS recordings ({how}) but is geo-replicated ({sku}): a deleted recording would "
                "survive in the secondary region until it syncs, and failover keeps copies; use Standard_ZRS or "
                "Standard_LRS (dpa-guard:recordings.sku)")
    elif kind == OBJECT_REPLICATION:
        # Created on both ends, named by `accountName`; either end in the OUS data group (or a
        # stack serving OUS only) copies recordings elsewhere.
        agreement, how = agreement_of_args(args)
        ends = [get_str(args.props, p) for p in ("sourceAccount", "destinationAccount")]
        if agreement == "OUS" or any(data_group_agreement(_group_of(e)) == "OUS" for e in ends):
            report_violation(f"{label} replicates blobs of an OUS recordings account to another account: remove the "
                             "object replication policy; recordings must exist once")
    elif kind == BACKUP_INSTANCE:
        source = get_str(args.props, "properties", "dataSourceInfo", "resourceID")
        if data_group_agreement(_group_of(source)) == "OUS":
            report_violation(f"{label} backs up an OUS recordings account ({source}): backup copies would outlive "
                             "the deletion on completion; remove the backup instance")


POLICY = resource_policy(
    name="retention-ous-no-geo-copies",
    clauses=("OUS-5",),
    area="retention",
    description="OUS recordings accounts keep no second copy anywhere: a SKU without geo-replication (no GRS, GZRS or "
    "RA-*), no object replication to or from them and no Azure Backup instance of them.",
    remediation="Use Standard_ZRS or Standard_LRS for the recordings account (config recordings.sku) and create no "
    "ObjectReplicationPolicy or BackupInstance for it.",
    validate=validate,
    uses_register=True,
)
