"""Storage accounts accept Entra ID only: no shared keys, and OAuth is the portal default."""

from policies.lib import describe, get, resource_policy

STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"


def validate(args, report_violation) -> None:
    if args.resource_type != STORAGE_ACCOUNT:
        return
    label = describe(args.resource_type, args.name)
    # Absent means Azure's default, which is true: account keys and SAS work.
    if get(args.props, "allowSharedKeyAccess") is not False:
        report_violation(
            f"[OUS-6.1.a, ECG-7] {label} accepts shared keys and SAS (allowSharedKeyAccess is not false): "
            "set allowSharedKeyAccess: false so only Entra ID identities with a role reach the data"
        )
    if get(args.props, "defaultToOAuthAuthentication") is not True:
        report_violation(
            f"[OUS-6.1.a, ECG-7] {label} does not default to Entra ID in the portal "
            "(defaultToOAuthAuthentication is not true): set it to true"
        )


POLICY = resource_policy(
    name="storage-shared-key-disabled",
    clauses=("OUS-6.1.a", "ECG-7", "ECG-6"),
    area="storage",
    description="Storage accounts allow Entra ID authentication only: shared key access off, OAuth by default.",
    remediation="Set allowSharedKeyAccess: false and defaultToOAuthAuthentication: true on the account "
    "(modules/storage.py does); grant data access through the custom roles instead of keys or SAS.",
    validate=validate,
)
