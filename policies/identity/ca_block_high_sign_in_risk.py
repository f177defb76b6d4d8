"""Sign-ins that Entra ID Protection rates high risk are blocked (ScubaGear MS.AAD.2.3v1, SHALL).

aad.md: "Sign-ins detected as high risk SHALL be blocked." A high sign-in risk means this sign-in is
most likely not the account's owner (anonymous IP, atypical travel, token replay): such a person must
not reach health data (OUS-6.1.a, ECG-7). Needs Entra ID P2 (`access.entraLicence`, which
modules/config.py refuses to be anything else, since a P1 tenant would not enforce it).

Passes if an enabled Conditional Access policy targets all users and all resources, excludes
only break-glass accounts, has a sign-in-risk condition including `high` and no other narrowing
condition, and blocks. ScubaGear's `SignInBlocked` (Rego/AADConfig.rego: `"high" in
CAPolicy.Conditions.SignInRiskLevels`, `"block" in CAPolicy.GrantControls.BuiltInControls`).
"""

from __future__ import annotations

from policies.entra_baseline import baseline, require_high_risk_blocked
from policies.lib import stack_policy


def validate(args, report_violation) -> None:
    require_high_risk_blocked(
        args, report_violation, condition="signInRiskLevels", risk="sign-in",
        requirement="block sign-ins detected as high risk",
        baseline_text="MS.AAD.2.3v1: Sign-ins detected as high risk SHALL be blocked",
        access_policy="block-high-sign-in-risk",
    )


POLICY = baseline(stack_policy(
    name="identity-ca-block-high-sign-in-risk",
    clauses=("OUS-6.1.a", "ECG-7"),
    area="identity",
    description="An enabled Conditional Access policy blocks all users whose sign-in risk is high, on all resources, "
    "excluding only the break-glass accounts (ScubaGear MS.AAD.2.3v1; needs Entra ID P2).",
    remediation="Keep modules/access.py's 'block-high-sign-in-risk' policy: includedUsers [All], includedApplications "
    "[All], excludedUsers = access.breakGlass only, signInRiskLevels [high], builtInControls [block], state enabled; "
    "the tenant needs Entra ID P2 (access.entraLicence).",
    validate=validate,
    uses_register=True,
), "MS.AAD.2.3v1")
