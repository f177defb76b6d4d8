"""Storage is reached over HTTPS only, with TLS 1.2 or newer."""

from policies import facts
from policies.lib import describe, get, resource_policy

STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
MODERN_TLS = facts.MODERN_TLS


def validate(args, report_violation) -> None:
    if args.resource_type != STORAGE_ACCOUNT:
        return
    label = describe(args.resource_type, args.name)
    # Azure's default is TLS 1.0 when the property is absent.
    tls = get(args.props, "minimumTlsVersion")
    if tls not in MODERN_TLS:
        report_violation(
            f"{label} accepts TLS older than 1.2 (minimumTlsVersion is "
            f"{tls if tls is not None else 'unset (TLS1_0)'}): set minimumTlsVersion: TLS1_2"
        )
    # pulumi-azure-native v3 calls ARM's supportsHttpsTrafficOnly `enableHttpsTrafficOnly`;
    # absent is true (Azure's default since API 2019-04-01), anything else but true is not.
    for name in ("enableHttpsTrafficOnly", "supportsHttpsTrafficOnly"):
        value = get(args.props, name)
        if value is not None and value is not True:
            report_violation(
                f"{label} accepts plain HTTP ({name} is {value!r}): set enableHttpsTrafficOnly: true"
            )


POLICY = resource_policy(
    name="storage-tls-https-only",
    clauses=("OUS-6.1.e", "ECG-7S"),
    area="storage",
    description="Storage accounts accept HTTPS only (enableHttpsTrafficOnly not false) with a minimum TLS version of "
    "1.2 or newer, so data is encrypted on every network it crosses.",
    remediation="Set minimumTlsVersion: TLS1_2 and enableHttpsTrafficOnly: true on the account (modules/storage.py does).",
    validate=validate,
)
