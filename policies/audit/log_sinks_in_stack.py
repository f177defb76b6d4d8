"""Diagnostic logs go to a Log Analytics workspace only, never to storage, event hubs or partners.

Blob logs carry caller identities, IP addresses and blob names (personal data about the
controllers' clients): shipping them to a storage account, an event hub or a marketplace
partner outside the stack moves them out of the secure zone (OUS-6.1.b) and possibly out of
the EEA (ECG-10). A resource policy on the setting's inputs (blocks before creation); that the
workspace is the stack's own is audit-log-workspace-in-stack's part.
"""

from policies.lib import describe, is_set, resource_policy
from policies.monitoring import ALL_DIAGNOSTIC_SETTING_TYPES

SINKS = ("storageAccountId", "eventHubAuthorizationRuleId", "eventHubName", "serviceBusRuleId",
         "marketplacePartnerId")


def validate(args, report_violation) -> None:
    if args.resource_type not in ALL_DIAGNOSTIC_SETTING_TYPES:
        return
    label = describe(args.resource_type, args.name)
    # Presence decides, not the value: any destination besides the workspace is refused, and a
    # workspace id passed as an Output (unknown in preview) is still a workspace id.
    other = [s for s in SINKS if is_set(args.props, s)]
    if other:
        report_violation(f"{label} ships logs to {', '.join(other)}: logs go to the stack's Log Analytics workspace "
                         "only; remove those destinations")
    if not is_set(args.props, "workspaceId"):
        report_violation(f"{label} names no workspaceId: send the logs to the stack's audit workspace")


POLICY = resource_policy(
    name="audit-log-sinks-in-stack",
    clauses=("OUS-6.1.b", "ECG-10", "OUS-6.b"),
    area="audit",
    description="Diagnostic settings send logs to a Log Analytics workspace only: no storageAccountId, event hub, "
    "service bus or marketplace partner destination.",
    remediation="Set only workspace_id (the audit workspace of modules/audit.py) on diagnostic settings.",
    validate=validate,
)
