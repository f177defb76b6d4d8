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

from policies.conditional_access import (
    AZURE_MANAGEMENT_APP,
    app_reason,
    best_effort,
    client_apps_reason,
    display,
    first_reason,
    grant_has_mfa,
    locations_reason,
    policies_of,
    scope_reason,
    state_reason,
    users_reason,
)
from policies.lib import get, get_map, get_str, get_strs, lower, register_of, stack_policy

CLAUSES = "[OUS-6.1.d, OUS-6.1.c, OUS-6.1.a, ECG-7]"
CLIENT_TYPES = ("browser", "mobileAppsAndDesktopClients")
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


def reason_for(app: str):
    def reason(policy) -> str | None:
        return first_reason(
            lambda: app_reason(policy, app),
            lambda: state_reason(policy),
            lambda: users_reason(policy),
            lambda: locations_reason(policy),
            lambda: client_apps_reason(policy, CLIENT_TYPES),
            lambda: scope_reason(policy),
            lambda: grant_reason(policy),
        )
    return reason


def validate(args, report_violation) -> None:
    register = register_of(args)
    audience = get_str(register, "vpnAudience")
    apps = {"the Azure VPN Client": audience, "Azure management": AZURE_MANAGEMENT_APP}
    candidates = policies_of(args.resources)
    for what, app in apps.items():
        if not app:
            report_violation(f"{CLAUSES} the register names no vpnAudience, so the VPN app can't be checked: "
                             "run dpaguard plan to write the policy config")
            continue
        covered, reasons = best_effort(candidates, reason_for(app))
        if covered:
            continue
        # Policies meant for this app's interactive sign-ins (not e.g. the legacy-protocol block).
        targeting = [(p, r) for p, r in reasons
                     if app_reason(p, app) is None and client_apps_reason(p, CLIENT_TYPES) is None]
        for policy, reason in targeting:
            report_violation(
                f"{CLAUSES} {display(policy)} covers {what} ({app}) but {reason}: sign-ins to it need MFA and a "
                "compliant device from every location (includedLocations [All], no excludedLocations, "
                "builtInControls [mfa, compliantDevice], operator AND, state enabled)",
                policy.urn,
            )
        if not targeting:
            report_violation(
                f"{CLAUSES} no enabled conditional access policy requires MFA and a compliant device for {what} "
                f"({app}): add one for all users and all locations (modules/access.py 'mfa-compliant-device')"
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
