"""Every sign-in to the VPN and to Azure management needs MFA and a managed device, from every location.

OUS-6.1.d wants two-factor authentication when access comes over insecure networks; since
any network may be insecure, no location is exempt (no trusted-network exclusion). OUS-6.1.c
wants remote operation only from the processor's own equipment: a compliant (Intune-managed)
or hybrid-joined device. Both apply to the Azure VPN Client app (the register's
`vpnAudience`) and to Azure management (797f4846-...), the two doors to the data.

For each of the two apps some enabled policy must, without narrowing (policies/conditional_access.py):
include the app (or All), all users, all locations, browser and desktop/mobile clients, and
grant with MFA (built-in `mfa` or an MFA authentication strength) AND `compliantDevice` (or
`domainJoinedDevice`), the operator being AND when several controls are listed.

Users are included as All, not as the data groups: the VPN opens the network and Azure
management the control plane to anyone in the tenant, not only to members of the groups.
"""

from __future__ import annotations

from policies.conditional_access import grant_has_mfa, require_on_protected_apps
from policies.lib import get, get_map, get_str, get_strs, lower, stack_policy

DEVICE_CONTROLS = {"compliantdevice", "domainjoineddevice"}


def grant_reason(policy) -> str | None:
    grant = get_map(policy.props, "grantControls")
    controls = {c.lower() for c in get_strs(grant, "builtInControls")}
    if "block" in controls:
        return "blocks access instead of requiring MFA and a managed device"
    if not grant_has_mfa(grant):
        return "does not require MFA (builtInControls mfa or an MFA authentication strength)"
    if not controls & DEVICE_CONTROLS:
        return "does not require a compliant device (builtInControls compliantDevice)"
    count = len(controls) + (1 if get_str(grant, "authenticationStrengthPolicyId") else 0)
    if count > 1 and lower(get(grant, "operator")) != "and":
        return f"lets one control suffice (operator {get(grant, 'operator')!r}): set operator AND"
    return None


def validate(args, report_violation) -> None:
    require_on_protected_apps(
        args, report_violation, specific=grant_reason,
        requirement="requires MFA and a compliant device",
        fix="sign-ins to it need MFA and a compliant device from every location (includedLocations [All], no "
        "excludedLocations, builtInControls [mfa, compliantDevice], operator AND, state enabled), as "
        "modules/access.py's 'mfa-compliant-device' policy does",
    )


POLICY = stack_policy(
    name="identity-ca-mfa-compliant-device",
    clauses=("OUS-6.1.d", "OUS-6.1.c", "OUS-6.1.a", "ECG-7"),
    area="identity",
    description="An enabled Conditional Access policy requires MFA AND a compliant device for all users, from "
    "all locations (no trusted-network exemption), on the Azure VPN Client (register vpnAudience) and on Azure "
    "management.",
    remediation="Keep modules/access.py's 'mfa-compliant-device' policy: state enabled, includedApplications "
    "[vpn audience, 797f4846-ba00-4fd7-ba43-dac1f8f63013], includedUsers [All], includedLocations [All] without "
    "excludedLocations, clientAppTypes [all], builtInControls [mfa, compliantDevice] with operator AND.",
    validate=validate,
    uses_register=True,
)
