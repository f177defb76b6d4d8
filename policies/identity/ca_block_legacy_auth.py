"""Legacy authentication (Exchange ActiveSync, other old protocols) is blocked for everyone.

Legacy protocols cannot do MFA, so while they work they are a way around OUS-6.1.d and the
device checks of OUS-6.1.c. Some enabled policy must apply to client app types
exchangeActiveSync and other, on all applications, for all users and locations, without
narrowing (policies/conditional_access.py), and grant `block`.
"""

from __future__ import annotations

from policies.conditional_access import (
    best_effort,
    display,
    first_reason,
    locations_reason,
    policies_of,
    scope_reason,
    state_reason,
    users_reason,
)
from policies.lib import get_map, get_strs, stack_policy

LEGACY = ("exchangeActiveSync", "other")


def legacy_reason(policy) -> str | None:
    types = {t.lower() for t in get_strs(policy.props, "conditions", "clientAppTypes")}
    missing = [t for t in LEGACY if t.lower() not in types]
    if missing:
        return f"does not apply to legacy client app types {missing}"
    return None


def apps_reason(policy) -> str | None:
    apps = get_map(policy.props, "conditions", "applications")
    if "all" not in {a.lower() for a in get_strs(apps, "includedApplications")}:
        return "does not apply to all applications (includedApplications: [All])"
    if get_strs(apps, "excludedApplications"):
        return f"excludes applications {get_strs(apps, 'excludedApplications')}"
    if get_map(apps, "filter"):
        return "narrows applications with a filter"
    return None


def block_reason(policy) -> str | None:
    controls = {c.lower() for c in get_strs(policy.props, "grantControls", "builtInControls")}
    return None if "block" in controls else "does not block (grantControls.builtInControls: [block])"


def reason(policy) -> str | None:
    return first_reason(
        lambda: legacy_reason(policy),
        lambda: state_reason(policy),
        lambda: apps_reason(policy),
        lambda: users_reason(policy),
        lambda: locations_reason(policy),
        lambda: scope_reason(policy),
        lambda: block_reason(policy),
    )


def validate(args, report_violation) -> None:
    covered, reasons = best_effort(policies_of(args.resources), reason)
    if covered:
        return
    targeting = [(p, r) for p, r in reasons if legacy_reason(p) is None]
    for policy, why in targeting:
        report_violation(
            f"{display(policy)} targets legacy authentication but {why}: block exchangeActiveSync and "
            "other clients on all applications for all users, state enabled",
            policy.urn,
        )
    if not targeting:
        report_violation(
            "no enabled conditional access policy blocks legacy authentication, which cannot do MFA: "
            "add one with clientAppTypes [exchangeActiveSync, other], includedApplications [All], "
            "includedUsers [All] and builtInControls [block] (modules/access.py 'block-legacy-auth')"
        )


POLICY = stack_policy(
    name="identity-ca-block-legacy-auth",
    clauses=("OUS-6.1.d", "OUS-6.1.c", "ECG-7"),
    area="identity",
    description="An enabled Conditional Access policy blocks legacy authentication (client app types "
    "exchangeActiveSync and other) on all applications for all users and locations.",
    remediation="Keep modules/access.py's 'block-legacy-auth' policy: clientAppTypes [exchangeActiveSync, other], "
    "includedApplications [All], includedUsers [All], builtInControls [block], state enabled.",
    validate=validate,
)
