"""The device code flow is blocked (ScubaGear MS.AAD.3.9v1, SHOULD; mandatory here).

aad.md: "Device code authentication SHOULD be blocked." In device code phishing the attacker
starts the flow and has the victim type the code on the real sign-in page: the victim passes
MFA, the attacker gets the tokens. That defeats OUS-6.1.d's second factor, and this project
needs the flow nowhere (operators sign in with a browser), so the pack makes it mandatory.

Passes if an enabled Conditional Access policy targets all users and all resources, excludes
only break-glass accounts, has the authentication-flows condition with exactly `deviceCodeFlow`
(ScubaGear compares `CAPolicy.Conditions.AuthenticationFlows.TransferMethods == "deviceCodeFlow"`:
adding `authenticationTransfer` fails its check), no other narrowing, and blocks.
ScubaGear's `RequireDeviceCodeBlock` (Rego/AADConfig.rego).
"""

from __future__ import annotations

from policies.entra_baseline import (
    DEVICE_CODE_FLOW,
    all_resources_reason,
    all_users_reason,
    baseline,
    block_reason,
    has_condition,
    require,
    shortfall_of,
)
from policies.lib import get_strs, stack_policy

CONDITION = "authenticationFlowTransferMethods"


def flow_reason(policy) -> str | None:
    methods = [m.lower() for m in get_strs(policy.props, "conditions", CONDITION)]
    if methods != [DEVICE_CODE_FLOW]:
        return f"has authentication flows {methods or 'none'}, not exactly [deviceCodeFlow] ({CONDITION})"
    return None


def validate(args, report_violation) -> None:
    require(
        args, report_violation,
        shortfall=shortfall_of(all_users_reason, all_resources_reason, flow_reason, block_reason,
                               allowed=(CONDITION,)),
        meant=has_condition(CONDITION),
        requirement="block the device code flow",
        baseline_text="MS.AAD.3.9v1: Device code authentication SHOULD be blocked",
        fix="keep modules/access.py's 'block-device-code-flow' policy (includedUsers [All], includedApplications "
        "[All], only break-glass excludedUsers, authenticationFlowTransferMethods [deviceCodeFlow], builtInControls "
        "[block], state enabled)",
    )


POLICY = baseline(stack_policy(
    name="identity-ca-block-device-code-flow",
    clauses=("OUS-6.1.d", "OUS-6.1.a", "ECG-7"),
    area="identity",
    description="An enabled Conditional Access policy blocks the device code flow (authentication flows exactly "
    "[deviceCodeFlow]) for all users on all resources, excluding only the break-glass accounts "
    "(ScubaGear MS.AAD.3.9v1).",
    remediation="Keep modules/access.py's 'block-device-code-flow' policy: includedUsers [All], includedApplications "
    "[All], excludedUsers = access.breakGlass only, authenticationFlowTransferMethods [deviceCodeFlow], "
    "builtInControls [block], state enabled.",
    validate=validate,
    uses_register=True,
), "MS.AAD.3.9v1")
