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

from policies.entra_baseline import (
    all_resources_reason,
    all_users_reason,
    baseline,
    block_reason,
    common_reason,
    first,
)
from policies.entra_baseline import require as require_policy
from policies.lib import get_strs, stack_policy

CONDITION = "userRiskLevels"


def risk_reason(policy) -> str | None:
    levels = {v.lower() for v in get_strs(policy.props, "conditions", CONDITION)}
    return None if "high" in levels else f"does not apply to high user risk ({CONDITION} [high])"


def shortfall(policy, break_glass) -> str | None:
    return first(
        lambda: all_users_reason(policy),
        lambda: all_resources_reason(policy),
        lambda: common_reason(policy, break_glass, allowed=(CONDITION,)),
        lambda: risk_reason(policy),
        lambda: block_reason(policy),
    )


def validate(args, report_violation) -> None:
    require_policy(
        args, report_violation, shortfall=shortfall,
        meant=lambda p: bool(get_strs(p.props, "conditions", CONDITION)),
        requirement="block users detected as high risk",
        baseline_text="MS.AAD.2.1v1: Users detected as high risk SHALL be blocked",
        fix="keep modules/access.py's 'block-high-user-risk' policy (includedUsers [All], includedApplications [All], "
        "only break-glass excludedUsers, userRiskLevels [high], builtInControls [block], state enabled)",
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
