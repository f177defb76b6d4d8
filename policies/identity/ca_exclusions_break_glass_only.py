"""Nobody but the break-glass accounts is excluded from Conditional Access.

An exclusion is a person (or group, role, or class of guests) who signs in without MFA or
a managed device (OUS-6.1.c/d) and reaches whatever their roles allow (OUS-6.1.a, ECG-7).
The only accepted exclusions are the break-glass object ids of the register
(access.breakGlass), in excludedUsers or excludedGroups; excluded roles and excluded
guests/external users are never accepted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from policies.conditional_access import CONDITIONAL_ACCESS_POLICY, display
from policies.lib import get, get_map, get_strs, register_of, resource_policy


def validate(args, report_violation) -> None:
    if args.resource_type != CONDITIONAL_ACCESS_POLICY:
        return
    label = display(args)
    users = get_map(args.props, "conditions", "users")
    roles = get_strs(users, "excludedRoles")
    if roles:
        report_violation(f"{label} excludes directory roles {roles} from its controls: remove excludedRoles")
    guests = get(users, "excludedGuestsOrExternalUsers")
    if (len(guests) > 0) if isinstance(guests, (Sequence, Mapping)) else guests not in (None, "", False):
        report_violation(f"{label} excludes guests or external users from its controls: remove "
                         "excludedGuestsOrExternalUsers")
    listed = [("excludedUsers", u) for u in get_strs(users, "excludedUsers")]
    listed += [("excludedGroups", g) for g in get_strs(users, "excludedGroups")]
    if not listed:
        return
    allowed = {b.lower() for b in get_strs(register_of(args), "breakGlass")}
    others = [f"{prop} {value}" for prop, value in listed if value.lower() not in allowed]
    if others:
        report_violation(
            f"{label} excludes {', '.join(others)}, which are not break-glass accounts of the register: "
            "exclude only access.breakGlass"
        )


POLICY = resource_policy(
    name="identity-ca-exclusions-break-glass-only",
    clauses=("OUS-6.1.d", "OUS-6.1.c", "OUS-6.1.a", "ECG-7"),
    area="identity",
    description="Conditional Access policies exclude only the register's break-glass accounts: no other users or "
    "groups, no directory roles, no guests or external users.",
    remediation="Exclude only access.breakGlass (modules/access.py passes exactly those as excludedUsers); remove "
    "any other excludedUsers, excludedGroups, excludedRoles and excludedGuestsOrExternalUsers.",
    validate=validate,
    uses_register=True,
)
