"""MFA for every user on every resource, not only on the VPN, management and storage (ScubaGear MS.AAD.3.2v2, SHALL).

aad.md: "MFA SHALL be enforced for all users." The older policies target three app ids; every
other app (Microsoft Graph, the Entra admin center, My Apps, Office) would take a password
alone, and a session there reaches the groups that hold data access (OUS-6.1.a, ECG-7).

Passes if an enabled Conditional Access policy targets all users and all resources, excludes
only break-glass accounts, is not narrowed, and grants with MFA (built-in `mfa`, or a built-in
MFA authentication strength), with no non-MFA control that alone suffices (operator OR).
ScubaGear's `NonSpecificMFAPolicies` / `IsGeneralMFA` (Rego/AADConfig.rego, Rego/Utils/AAD.rego).
"""

from __future__ import annotations

from policies.entra_baseline import (
    MFA_STRENGTHS,
    all_resources_reason,
    all_users_reason,
    baseline,
    grant_controls,
    require,
    shortfall_of,
)
from policies.lib import stack_policy


def _mfa_strength(strength: str) -> bool:
    return strength in MFA_STRENGTHS


def mfa_reason(policy) -> str | None:
    controls, strength, operator = grant_controls(policy)
    has_mfa = "mfa" in controls or _mfa_strength(strength)
    if not has_mfa:
        return "does not require MFA (builtInControls [mfa] or an MFA authentication strength)"
    others = sorted(controls - {"mfa"})
    if others and operator != "and":
        return f"lets {others} suffice without MFA (operator {operator or 'unset'})"
    if strength and not _mfa_strength(strength) and operator != "and":
        return f"lets authentication strength {strength} suffice without MFA (operator {operator or 'unset'})"
    return None


def validate(args, report_violation) -> None:
    require(
        args, report_violation,
        shortfall=shortfall_of(all_users_reason, all_resources_reason, mfa_reason),
        meant=lambda p: "mfa" in grant_controls(p)[0] and all_resources_reason(p) is None,
        requirement="require MFA for all users on all resources",
        baseline_text="MS.AAD.3.2v2: MFA SHALL be enforced for all users",
        fix="keep modules/access.py's 'all-apps-mfa' policy (includedUsers [All], includedApplications [All], only "
        "break-glass excludedUsers, builtInControls [mfa], state enabled)",
    )


POLICY = baseline(stack_policy(
    name="identity-ca-all-apps-mfa",
    clauses=("OUS-6.1.d", "OUS-6.1.a", "ECG-7"),
    area="identity",
    description="An enabled Conditional Access policy requires MFA for all users on all resources, excluding only the "
    "break-glass accounts (ScubaGear MS.AAD.3.2v2).",
    remediation="Keep modules/access.py's 'all-apps-mfa' policy: includedUsers [All], includedApplications [All], "
    "excludedUsers = access.breakGlass only, builtInControls [mfa], state enabled.",
    validate=validate,
    uses_register=True,
), "MS.AAD.3.2v2")
