"""Server-side copies to or from the account go only over private links of the same network."""

from policies.lib import describe, get, resource_policy

STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"


def validate(args, report_violation) -> None:
    if args.resource_type != STORAGE_ACCOUNT:
        return
    # Absent means no restriction: any account anywhere can be a copy source or target. AAD
    # still allows every account of the tenant, including ones outside the secure zone.
    scope = get(args.props, "allowedCopyScope")
    if scope != "PrivateLink":
        report_violation(
            f"{describe(args.resource_type, args.name)} lets blobs be copied to or from accounts "
            f"outside its private network (allowedCopyScope is {scope if scope is not None else 'unset (any account)'}): "
            "set allowedCopyScope: PrivateLink"
        )


POLICY = resource_policy(
    name="storage-copy-scope-private-link",
    clauses=("OUS-6.1.b", "ECG-10"),
    area="storage",
    description="Storage accounts restrict server-side copy to accounts reached through private links of the same "
    "virtual network (allowedCopyScope PrivateLink); AAD (any account in the tenant) is not enough.",
    remediation="Set allowedCopyScope: PrivateLink on the account (modules/storage.py does).",
    validate=validate,
)
