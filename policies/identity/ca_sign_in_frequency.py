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

from policies.conditional_access import require_on_protected_apps
from policies.lib import get_map, get_number, get_str, lower, stack_policy

MAX_HOURS = 24


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


def validate(args, report_violation) -> None:
    require_on_protected_apps(
        args, report_violation, specific=frequency_reason,
        requirement="limits the sign-in frequency",
        fix=f"set sessionControls signInFrequency (at most {MAX_HOURS} hours) on an enabled policy for all users "
        "and locations, as modules/access.py does",
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
