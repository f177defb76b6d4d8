"""Phishing-resistant MFA for every user on every resource (ScubaGear MS.AAD.3.1v1, SHALL).

aad.md: "Phishing-resistant MFA SHALL be enforced for all users." SMS, voice, one-time codes and
push approvals can be relayed by a look-alike sign-in page; FIDO2 keys and passkeys, Windows
Hello for Business and certificate-based authentication cannot. OUS-6.1.d asks two factors on
insecure networks; a factor a phishing page can relay is not a second factor against that page.

Passes if an enabled Conditional Access policy targets all users and all resources, excludes
only the register's break-glass accounts, is not narrowed, and grants with the built-in
Phishing-resistant MFA authentication strength, with no other control that alone suffices
(operator OR). ScubaGear's `PhishingResistantMFAPolicies` (Rego/AADConfig.rego).
"""

from __future__ import annotations

from policies.entra_baseline import (
    PHISHING_RESISTANT_STRENGTH,
    all_resources_reason,
    all_users_reason,
    baseline,
    grant_controls,
    phishing_resistant_reason,
    require,
    shortfall_of,
)
from policies.lib import stack_policy


def validate(args, report_violation) -> None:
    require(
        args, report_violation,
        shortfall=shortfall_of(all_users_reason, all_resources_reason, phishing_resistant_reason),
        meant=lambda p: grant_controls(p)[1] == PHISHING_RESISTANT_STRENGTH,
        requirement="require phishing-resistant MFA for all users on all resources",
        baseline_text="MS.AAD.3.1v1: Phishing-resistant MFA SHALL be enforced for all users",
        fix="keep modules/access.py's 'phishing-resistant-mfa' policy (state enabled, includedUsers [All], "
        "includedApplications [All], only break-glass excludedUsers, authenticationStrengthPolicyId "
        f"/policies/authenticationStrengthPolicies/{PHISHING_RESISTANT_STRENGTH})",
    )


POLICY = baseline(stack_policy(
    name="identity-ca-phishing-resistant-mfa",
    clauses=("OUS-6.1.d", "OUS-6.1.a", "ECG-7"),
    area="identity",
    description="An enabled Conditional Access policy requires the built-in Phishing-resistant MFA authentication "
    "strength for all users on all resources, excluding only the break-glass accounts (ScubaGear MS.AAD.3.1v1).",
    remediation="Keep modules/access.py's 'phishing-resistant-mfa' policy: includedUsers [All], includedApplications "
    "[All], excludedUsers = access.breakGlass only, grantControls authenticationStrengthPolicyId "
    "/policies/authenticationStrengthPolicies/00000000-0000-0000-0000-000000000004, state enabled.",
    validate=validate,
    uses_register=True,
), "MS.AAD.3.1v1")
