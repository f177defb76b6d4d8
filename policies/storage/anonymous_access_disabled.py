"""No anonymous reads: the account forbids public blob access and no container asks for it."""

from policies.lib import describe, get, resource_policy

STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_CONTAINER = "azure-native:storage:BlobContainer"


def validate(args, report_violation) -> None:
    label = describe(args.resource_type, args.name)
    if args.resource_type == STORAGE_ACCOUNT:
        # Absent is Azure's current default (false), but an account created under an older API
        # default or changed in the portal keeps whatever it had: the plan must say false.
        if get(args.props, "allowBlobPublicAccess") is not False:
            report_violation(
                f"{label} does not forbid anonymous blob access "
                "(allowBlobPublicAccess is not false): set allowBlobPublicAccess: false"
            )
    elif args.resource_type == BLOB_CONTAINER:
        # Absent means None (private), Azure's default.
        access = get(args.props, "publicAccess")
        if access is not None and access != "None":
            report_violation(
                f"{label} asks for anonymous read access (publicAccess is {access!r}): "
                "set publicAccess: None"
            )


POLICY = resource_policy(
    name="storage-anonymous-access-disabled",
    clauses=("OUS-6.1.b", "OUS-6.1.a", "ECG-7"),
    area="storage",
    description="No anonymous access to data: storage accounts set allowBlobPublicAccess false and every blob "
    "container has publicAccess None.",
    remediation="Set allowBlobPublicAccess: false on the account and publicAccess: None on every container "
    "(modules/storage.py does).",
    validate=validate,
)
