"""OUS recordings exist in one place only: no geo-replica, no object replication, no backup copies."""

import re

from policies.lib import get_str, register_of, stack_policy
from policies.stack import Undecided, collect, is_geo_redundant, key, label_of, sku_name

CLAUSE = "[OUS-5]"
OBJECT_REPLICATION = "azure-native:storage:ObjectReplicationPolicy"
BACKUP_INSTANCE = "azure-native:dataprotection:BackupInstance"

ACCOUNT_ID = re.compile(r"/providers/microsoft\.storage/storageaccounts/(?P<name>[^/]+)/?$", re.IGNORECASE)


def _account_name(reference: str | None) -> str | None:
    """An account named plainly or by ARM id (object replication accepts both)."""
    if reference is None:
        return None
    match = ACCOUNT_ID.search(reference)
    return key(match.group("name") if match else reference)


def validate(args, report_violation) -> None:
    register = register_of(args)
    undecided = Undecided()
    stores = collect(args.resources, register, undecided)
    ous = {key(a.name): a for a in stores.accounts if a.agreement == "OUS"}
    for account in ous.values():
        with undecided.about(account.label):
            sku = sku_name(account.resource.props)
            if is_geo_redundant(sku):
                report_violation(
                    f"{CLAUSE} {account.label} holds OUS recordings but is geo-replicated ({sku}): a deleted "
                    "recording would survive in the secondary region until it syncs, and failover keeps copies; "
                    "use Standard_ZRS or Standard_LRS (dpa-guard:recordings.sku)",
                    account.resource.urn,
                )
    for r in args.resources:
        label = label_of(r)
        with undecided.about(label):
            if r.resource_type == OBJECT_REPLICATION:
                # The policy is created on both ends, named by `accountName`; either end being an
                # OUS account means recordings are copied somewhere else.
                ends = {_account_name(get_str(r.props, p)) for p in ("accountName", "sourceAccount", "destinationAccount")}
                hit = sorted(ous[n].name for n in ends if n in ous)
                if hit:
                    report_violation(
                        f"{CLAUSE} {label} replicates blobs of OUS recordings account '{hit[0]}' to another account: "
                        "remove the object replication policy; recordings must exist once",
                        r.urn,
                    )
            elif r.resource_type == BACKUP_INSTANCE:
                source = _account_name(get_str(r.props, "properties", "dataSourceInfo", "resourceID"))
                if source in ous:
                    report_violation(
                        f"{CLAUSE} {label} backs up OUS recordings account '{ous[source].name}': backup copies would "
                        "outlive the deletion on completion; remove the backup instance",
                        r.urn,
                    )
    undecided.finish()


POLICY = stack_policy(
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
