"""Users that Entra ID Protection rates high risk are blocked (ScubaGear MS.AAD.2.1v1, SHALL).

aad.md: "Users detected as high risk SHALL be blocked." A high user risk means the account is
most likely in someone else's hands (leaked credentials, threat intelligence): such a person must
not reach health data (OUS-6.1.a, ECG-7). Needs Entra ID P2 (`access.entraLicence`, which
modules/config.py refuses to be anything else, since a P1 tenant would not enforce it).

Passes if an enabled Conditional Access policy targets all users and all resources, excludes
only break-glass accounts, has a user-risk condition including `high` and no other narrowing
condition, and blocks. ScubaGear's `BlockHighRisk` (Rego/AADConfig.rego: `"high" in
CAPolicy.Conditions.UserRiskLevels`, `"block" in CAPolicy.GrantControls.BuiltInControls`).
"""

from __future__ import annotations

from policies.entra_baseline import baseline, require_high_risk_blocked
from policies.lib import stack_policy


def validate(args, report_violation) -> None:
    require_high_risk_blocked(
        args, report_violation, condition="userRiskLevels", risk="user",
        requirement="block users detected as high risk",
        baseline_text="MS.AAD.2.1v1: Users detected as high risk SHALL be blocked",
        access_policy="block-high-user-risk",
    )


POLICY = baseline(stack_policy(
    name="identity-ca-block-high-user-risk",
    clauses=("OUS-6.1.a", "ECG-7"),
    area="identity",
    description="An enabled Conditional Access policy blocks all users whose user risk is high, on all resources, "
    "excluding only the break-glass accounts (ScubaGear MS.AAD.2.1v1; needs Entra ID P2).",
    remediation="Keep modules/access.py's 'block-high-user-risk' policy: includedUsers [All], includedApplications "
    "[All], excludedUsers = access.breakGlass only, userRiskLevels [high], builtInControls [block], state enabled; "
    "the tenant needs Entra ID P2 (access.entraLicence).",
    validate=validate,
    uses_register=True,
), "MS.AAD.2.1v1")
