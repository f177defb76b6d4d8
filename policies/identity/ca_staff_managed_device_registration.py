"""The processor's own staff register security information from a managed device only (ScubaGear MS.AAD.3.8v1 for them).

aad.md: "Managed Devices SHOULD be required to register MFA." Someone holding a staff member's
password (or a temporary access pass) could otherwise register their own authenticator from
their own device and pass every MFA check after that (OUS-6.1.c, OUS-6.1.d). As for
MS.AAD.3.7, the control covers the processor's staff (register `processorStaff`); controllers'
staff register on their trusts' devices (README "Entra ID baseline").

Passes if an enabled Conditional Access policy includes every processor staff member (or all
users), targets the user action `urn:user:registersecurityinfo`, excludes only break-glass
accounts, is not narrowed, and grants with `compliantDevice` and/or `domainJoinedDevice`, with no
other control that alone suffices. ScubaGear's `RequireManagedDeviceMFA` (Rego/AADConfig.rego;
it reads no applications for a user-action policy).
"""

from __future__ import annotations

from policies.entra_baseline import (
    REGISTER_SECURITY_INFO,
    baseline,
    require_of_staff,
)
from policies.lib import get_strs, stack_policy


def action_reason(policy) -> str | None:
    actions = {a.lower() for a in get_strs(policy.props, "conditions", "applications", "includedUserActions")}
    if REGISTER_SECURITY_INFO not in actions:
        return f"does not target registering security information (includedUserActions [{REGISTER_SECURITY_INFO}])"
    return None


def validate(args, report_violation) -> None:
    require_of_staff(
        args, report_violation, target=action_reason,
        meant=lambda p: action_reason(p) is None,
        requirement="require a managed device for the processor's staff to register security information",
        baseline_text="MS.AAD.3.8v1: Managed Devices SHOULD be required to register MFA",
        fix="keep modules/access.py's 'staff-managed-device-registration' policy (includedUsers = every operator of "
        f"the stack config, includedUserActions [{REGISTER_SECURITY_INFO}], only break-glass excludedUsers, "
        "builtInControls [compliantDevice, domainJoinedDevice] with operator OR, state enabled)",
    )


POLICY = baseline(stack_policy(
    name="identity-ca-staff-managed-device-registration",
    clauses=("OUS-6.1.c", "OUS-6.1.d"),
    area="identity",
    description="An enabled Conditional Access policy requires a compliant or hybrid-joined device of every processor "
    "staff member (register processorStaff) to register security information, excluding only the break-glass "
    "accounts (ScubaGear MS.AAD.3.8v1, scoped to the processor's staff).",
    remediation="Keep modules/access.py's 'staff-managed-device-registration' policy: includedUsers = the operators' "
    "object ids, includedUserActions [urn:user:registersecurityinfo], excludedUsers = access.breakGlass only, "
    "builtInControls [compliantDevice, domainJoinedDevice], operator OR, state enabled.",
    validate=validate,
    uses_register=True,
), "MS.AAD.3.8v1")
