"""Every diagnostic setting sends to the stack's own audit workspace, by its ARM id, before creation.

audit-log-workspace-in-stack ties a setting to a workspace of the stack by the dependency graph
(a stack policy on outputs: a new workspace's id is unknown there), so a setting that still
depends on the audit workspace but names another one in `workspaceId` passes it: the blob,
Entra ID or activity logs (caller identities, IP addresses, blob names) would go to a workspace
the pack never checked, in any region. The program builds every setting's workspaceId from
config (modules/audit.py `naming.log_workspace_id`, handed to modules/entra_logs.py and
modules/egress.py), so the INPUT is a literal known before anything exists, and the register
carries the same id (`auditWorkspaceId`, modules/config.py policy_register). Every diagnostic
setting type the program creates (monitor/insights DiagnosticSetting, SubscriptionDiagnosticSetting,
aadiam DiagnosticSetting; policies/monitoring.py ALL_DIAGNOSTIC_SETTING_TYPES) must name exactly
it. Azure resource ids compare case-insensitively (Microsoft Learn "Naming rules and restrictions
for Azure resources"). An unknown or secret workspaceId raises through `get_str`, so the policy
fails closed (policies/lib.py `_guarded`); a missing one is audit-log-sinks-in-stack's finding.
"""

from policies.lib import describe, get_str, register_of, resource_policy
from policies.monitoring import ALL_DIAGNOSTIC_SETTING_TYPES


def _key(value: str) -> str:
    return value.strip().rstrip("/").lower()


def validate(args, report_violation) -> None:
    if args.resource_type not in ALL_DIAGNOSTIC_SETTING_TYPES:
        return
    label = describe(args.resource_type, args.name)
    workspace = get_str(args.props, "workspaceId")
    register = register_of(args)
    if "auditWorkspaceId" not in register:
        report_violation(f"{label} can't be tied to the stack's audit workspace: the register names none (no "
                         "auditWorkspaceId): re-run `dpaguard plan --stack STACK` and pass its policy-config.json")
        return
    wanted = get_str(register, "auditWorkspaceId")
    if workspace is None:
        return
    if wanted is not None and _key(workspace) == _key(wanted):
        return
    report_violation(
        f"{label} sends its logs to workspace '{workspace}', not the stack's audit workspace '{wanted}': the logs "
        "(caller identities, IP addresses, blob names) would land where the pack checks neither retention, access "
        "nor region: set workspace_id to the audit workspace's id (modules/naming.py log_workspace_id)")


POLICY = resource_policy(
    name="audit-log-workspace-matches-register",
    clauses=("OUS-6.b", "OUS-6.1.b", "ECG-10"),
    area="audit",
    description="Every diagnostic setting (resource, subscription activity log, Entra ID) names exactly the stack's "
    "audit workspace in workspaceId (the register's auditWorkspaceId, compared case-insensitively). Read from the "
    "inputs, so it blocks before anything is created; that the setting depends on a workspace of the stack "
    "(audit-log-workspace-in-stack) does not say which one it names.",
    remediation="Pass the audit workspace's id (modules/audit.py AuditTrail.workspace_id, modules/naming.py "
    "log_workspace_id) as workspace_id; never an id built otherwise.",
    validate=validate,
    uses_register=True,
)
