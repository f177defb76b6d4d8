"""Phishing-resistant MFA for the highly privileged directory roles (ScubaGear MS.AAD.3.6v1, SHALL).

aad.md: "Phishing-resistant MFA SHALL be required for highly privileged roles." It is a backstop
if the all-users policy (MS.AAD.3.1) is ever changed; the roles are the eight of aad.md's
"Highly Privileged Roles" (Global, Privileged Role, User, SharePoint, Exchange, Hybrid Identity,
Application and Cloud Application Administrator). An Entra administrator can grant any group
access to the data (OUS-6.2, ECG-7), so their sign-in must not be phishable (OUS-6.1.d).

Passes if an enabled Conditional Access policy includes every one of those roles (includedRoles;
an all-users policy is no backstop for itself, so it does not count), targets all resources, excludes only break-glass accounts, is not narrowed, and
grants with the built-in Phishing-resistant MFA strength alone. ScubaGear's
`PhishingResistantMFAPrivilegedRoles` (Rego/AADConfig.rego).
"""

from __future__ import annotations

from policies.entra_baseline import (
    HIGHLY_PRIVILEGED_ROLES,
    PHISHING_RESISTANT_STRENGTH,
    all_resources_reason,
    baseline,
    grant_controls,
    phishing_resistant_reason,
    require,
    shortfall_of,
)
from policies.lib import get_strs, stack_policy


def roles_reason(policy) -> str | None:
    # Named roles, not All users: the policy is the backstop for when the all-users one is changed
    # (ScubaGear counts only `Count(PrivRolesSet - ConvertToSet(CAPolicy.Conditions.Users.IncludeRoles)) == 0`).
    included = {r.lower() for r in get_strs(policy.props, "conditions", "users", "includedRoles")}
    missing = sorted(name for name, role in HIGHLY_PRIVILEGED_ROLES.items() if role not in included)
    return f"does not include the highly privileged roles {missing} (includedRoles)" if missing else None


def validate(args, report_violation) -> None:
    require(
        args, report_violation,
        shortfall=shortfall_of(roles_reason, all_resources_reason, phishing_resistant_reason),
        meant=lambda p: bool(get_strs(p.props, "conditions", "users", "includedRoles"))
        and grant_controls(p)[1] == PHISHING_RESISTANT_STRENGTH,
        requirement="require phishing-resistant MFA for the highly privileged roles",
        baseline_text="MS.AAD.3.6v1: Phishing-resistant MFA SHALL be required for highly privileged roles",
        fix="keep modules/access.py's 'privileged-roles-phishing-resistant-mfa' policy (includedRoles: the eight "
        "role template ids of HIGHLY_PRIVILEGED_ROLES, includedApplications [All], only break-glass excludedUsers, "
        f"authenticationStrengthPolicyId /policies/authenticationStrengthPolicies/{PHISHING_RESISTANT_STRENGTH})",
    )


POLICY = baseline(stack_policy(
    name="identity-ca-privileged-roles-phishing-resistant-mfa",
    clauses=("OUS-6.1.d", "OUS-6.2", "ECG-7"),
    area="identity",
    description="An enabled Conditional Access policy requires the built-in Phishing-resistant MFA strength for the "
    "eight highly privileged Entra roles of ScubaGear's baseline on all resources (ScubaGear MS.AAD.3.6v1).",
    remediation="Keep modules/access.py's 'privileged-roles-phishing-resistant-mfa' policy: includedRoles = the "
    "role template ids of Global, Privileged Role, User, SharePoint, Exchange, Hybrid Identity, Application and "
    "Cloud Application Administrator; includedApplications [All]; excludedUsers = access.breakGlass only; "
    "authenticationStrengthPolicyId /policies/authenticationStrengthPolicies/00000000-0000-0000-0000-000000000004.",
    validate=validate,
    uses_register=True,
), "MS.AAD.3.6v1")
