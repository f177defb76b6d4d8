"""The tenant's Entra ID sign-in, audit, provisioning and risk logs reach the stack's workspace in Norway.

OUS-6.b wants deviations logged and unlawful access followed up: who signed in, how, from where
and under which Conditional Access verdict is Entra's to log, and Entra keeps it 30 days at most
(P1/P2) in a place the stack does not choose. ScubaGear MS.AAD.4.1v1: "Security logs SHALL be sent
to the agency's security operations center for monitoring", with the categories its note lists.
ECG-10 keeps logs in the EEA: the workspace of the stack is in Norway (location-in-norway) and
keeps them for audit.retentionDays (audit-log-workspace-retention), so no other sink is accepted.

A stack policy (outputs): some `azure-native:aadiam:DiagnosticSetting` must depend on a Log
Analytics workspace of the stack (the workspace id is unknown in preview, policies/monitoring.py)
and enable every category of REQUIRED. No Entra setting may name a storage account, event hub or
service bus: in azure-native's preview outputs a property the program did not give is unknown,
one it gave keeps its value, so an unknown sink reads as none given.
"""

from __future__ import annotations

from policies.entra_baseline import baseline
from policies.lib import get_or_absent, stack_policy
from policies.monitoring import enabled_logs, sends_to_stack_workspace
from policies.stack import label_of

ENTRA_DIAGNOSTIC_SETTING = "azure-native:aadiam:DiagnosticSetting"
# ScubaGear aad.md MS.AAD.4.1v1 note (less EnrichedOffice365AuditLogs, a Global Secure Access log this
# project has no source for), plus ManagedIdentitySignInLogs and ProvisioningLogs, which the same note
# asks for where managed identities or provisioning are used (both may be, by Azure resources or by a
# controller's HR sync).
REQUIRED = (
    "AuditLogs", "SignInLogs", "NonInteractiveUserSignInLogs", "ServicePrincipalSignInLogs",
    "ManagedIdentitySignInLogs", "ProvisioningLogs", "ADFSSignInLogs", "RiskyUsers", "UserRiskEvents",
    "RiskyServicePrincipals", "ServicePrincipalRiskEvents", "MicrosoftGraphActivityLogs",
)
OTHER_SINKS = ("storageAccountId", "eventHubAuthorizationRuleId", "eventHubName", "serviceBusRuleId")


def validate(args, report_violation) -> None:
    settings = [r for r in args.resources if r.resource_type == ENTRA_DIAGNOSTIC_SETTING]
    complete = False
    shortfalls: list[tuple[object, str]] = []
    for r in settings:
        sinks = [s for s in OTHER_SINKS if get_or_absent(r.props, s) not in (None, "")]
        if sinks:
            report_violation(f"{label_of(r)} also sends Entra ID logs to {sinks}, outside the stack's workspace "
                             "whose location and retention the pack checks: remove them", r.urn)
        if not sends_to_stack_workspace(r):
            shortfalls.append((r, "does not depend on a Log Analytics workspace of this stack"))
            continue
        categories, _groups = enabled_logs(r.props)
        missing = [c for c in REQUIRED if c.lower() not in categories]
        if missing:
            shortfalls.append((r, f"does not enable {missing}"))
            continue
        complete = True
    if complete:
        return
    for r, reason in shortfalls:
        report_violation(f"{label_of(r)} {reason}: Entra ID logs must reach the audit workspace (MS.AAD.4.1v1: "
                         "Security logs SHALL be sent to the agency's security operations center for monitoring)",
                         r.urn)
    if not shortfalls:
        report_violation("no Entra ID diagnostic setting (azure-native:aadiam:DiagnosticSetting) sends the tenant's "
                         "sign-in, audit and risk logs to the stack's workspace: keep modules/entra_logs.py's "
                         "EntraLogs in __main__.py")


POLICY = baseline(stack_policy(
    name="audit-entra-logs-to-workspace",
    clauses=("OUS-6.b", "ECG-7S", "ECG-10"),
    area="audit",
    description="An Entra ID diagnostic setting sends every sign-in (interactive, non-interactive, service principal, "
    "managed identity), audit, provisioning, risk and Graph activity log category to a Log Analytics workspace of "
    "this stack, and no Entra setting sends to any other sink (ScubaGear MS.AAD.4.1v1).",
    remediation="Keep modules/entra_logs.py's EntraLogs (wired in __main__.py): workspace_id = the audit workspace, "
    "depends_on it, logs = every category of ENTRA_LOG_CATEGORIES enabled, no storage account, event hub or "
    "service bus.",
    validate=validate,
), "MS.AAD.4.1v1")
