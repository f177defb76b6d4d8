"""Storage accounts refuse every request from public networks: the private endpoint is the only way in."""

from policies.lib import describe, get, resource_policy

STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"


def validate(args, report_violation) -> None:
    if args.resource_type != STORAGE_ACCOUNT:
        return
    # Absent means Azure's default, Enabled. SecuredByPerimeter hands the decision to a network
    # security perimeter this project does not define, so it is not accepted either.
    value = get(args.props, "publicNetworkAccess")
    if value != "Disabled":
        report_violation(
            f"{describe(args.resource_type, args.name)} accepts requests from public networks "
            f"(publicNetworkAccess is {value if value is not None else 'unset (Enabled)'}): set publicNetworkAccess: "
            "Disabled so only the private endpoint reaches the data"
        )


POLICY = resource_policy(
    name="storage-public-network-disabled",
    clauses=("OUS-6.1.b", "ECG-6"),
    area="storage",
    description="Storage accounts have public network access disabled; data is reached only through the private "
    "endpoint inside the VNet.",
    remediation="Set publicNetworkAccess: Disabled on the account (modules/storage.py does) and reach it through its "
    "private endpoint over the VPN.",
    validate=validate,
)
