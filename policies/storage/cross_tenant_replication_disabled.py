"""No object replication of the data into another Entra ID tenant."""

from policies.lib import describe, get, resource_policy

STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"


def validate(args, report_violation) -> None:
    if args.resource_type != STORAGE_ACCOUNT:
        return
    # Absent is false only for accounts created after Azure changed the default; an older
    # account keeps true. The plan must say false.
    if get(args.props, "allowCrossTenantReplication") is not False:
        report_violation(
            f"{describe(args.resource_type, args.name)} may replicate its blobs to an account in "
            "another tenant (allowCrossTenantReplication is not false): set allowCrossTenantReplication: false"
        )


POLICY = resource_policy(
    name="storage-cross-tenant-replication-disabled",
    clauses=("ECG-10", "OUS-6.1.b"),
    area="storage",
    description="Storage accounts forbid object replication to other Entra ID tenants "
    "(allowCrossTenantReplication false), so no copy of the data can be set up outside the processor's control.",
    remediation="Set allowCrossTenantReplication: false on the account (modules/storage.py does).",
    validate=validate,
)
