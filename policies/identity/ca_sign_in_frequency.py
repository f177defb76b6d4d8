"""Sessions on the VPN and Azure management end within a working day: sign-in frequency of at most 24 hours.

OUS-6.1.c lists sign-in frequency beside the managed-device check: a token taken from a
device (or a device handed to someone else) stops working when the session must be renewed
with MFA on a compliant device. For the Azure VPN Client (register `vpnAudience`) and Azure
management, some enabled policy covering all users and locations must set
`sessionControls.signInFrequency` to at most 24 hours (period hours <= 24, or 1 day), or
require sign-in every time (`signInFrequencyInterval: everyTime`).
"""

from __future__ import annotations

from pulumi_policy import Severity

from policies.conditional_access import (
    AZURE_MANAGEMENT_APP,
    app_reason,
    best_effort,
    client_apps_reason,
    display,
    first_reason,
    locations_reason,
    policies_of,
    scope_reason,
    state_reason,
    users_reason,
)
from policies.lib import get_map, get_number, get_str, lower, register_of, stack_policy

MAX_HOURS = 24
CLIENT_TYPES = ("browser", "mobileAppsAndDesktopClients")


def frequency_reason(policy) -> str | None:
    session = get_map(policy.props, "sessionControls")
    if lower(get_str(session, "signInFrequencyInterval")) == "everytime":
        return None
    value = get_number(session, "signInFrequency")
    period = lower(get_str(session, "signInFrequencyPeriod"))
    if value is None or period not in ("hours", "days"):
        return "sets no sign-in frequency (sessionControls.signInFrequency and signInFrequencyPeriod)"
    hours = value * (24 if period == "days" else 1)
    if hours <= 0 or hours > MAX_HOURS:
        return f"renews sign-in only every {value:g} {period} (at most {MAX_HOURS} hours)"
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
            lambda: frequency_reason(policy),
        )
    return reason


def validate(args, report_violation) -> None:
    register = register_of(args)
    apps = {"the Azure VPN Client": get_str(register, "vpnAudience"), "Azure management": AZURE_MANAGEMENT_APP}
    candidates = policies_of(args.resources)
    for what, app in apps.items():
        if not app:
            report_violation("[OUS-6.1.c] the register names no vpnAudience, so the VPN app can't be checked: "
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
                f"[OUS-6.1.c] {display(policy)} covers {what} ({app}) but {reason}: set sessionControls "
                f"signInFrequency (at most {MAX_HOURS} hours) on an enabled policy for all users and locations",
                policy.urn,
            )
        if not targeting:
            report_violation(
                f"[OUS-6.1.c] no enabled conditional access policy limits the sign-in frequency for {what} ({app}): "
                f"set sessionControls signInFrequency (at most {MAX_HOURS} hours), as modules/access.py does"
            )


POLICY = stack_policy(
    name="identity-ca-sign-in-frequency",
    clauses=("OUS-6.1.c",),
    area="identity",
    description=f"An enabled Conditional Access policy for all users and locations makes sign-ins to the Azure VPN "
    f"Client and Azure management expire within {MAX_HOURS} hours (sessionControls.signInFrequency).",
    remediation="Set sessionControls signInFrequency (access.signInFrequencyHours, 1-24) with "
    "signInFrequencyPeriod hours on the MFA/compliant-device policy of modules/access.py.",
    validate=validate,
    severity=Severity.MEDIUM,
    uses_register=True,
)
