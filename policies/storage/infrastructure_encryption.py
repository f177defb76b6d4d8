"""Data at rest is encrypted twice: service-level and infrastructure-level encryption."""

from policies.lib import describe, get, resource_policy

STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"


def validate(args, report_violation) -> None:
    if args.resource_type != STORAGE_ACCOUNT:
        return
    # Only settable when the account is created; absent means single encryption for good.
    if get(args.props, "encryption", "requireInfrastructureEncryption") is not True:
        report_violation(
            f"{describe(args.resource_type, args.name)} is not double-encrypted at rest "
            "(encryption.requireInfrastructureEncryption is not true): set it to true (a new account is needed; "
            "Azure fixes it at creation)"
        )


POLICY = resource_policy(
    name="storage-infrastructure-encryption",
    clauses=("ECG-7S",),
    area="storage",
    description="Storage accounts require infrastructure encryption (a second AES-256 layer below the service "
    "encryption), part of the appropriate security ECG-7S asks for.",
    remediation="Set encryption.requireInfrastructureEncryption: true when the account is created (modules/storage.py "
    "does); an existing account has to be recreated and its data copied.",
    validate=validate,
)
