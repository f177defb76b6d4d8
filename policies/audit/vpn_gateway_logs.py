"""Who connected over the VPN, and when, is logged to the stack's workspace.

OUS-6.b asks for logging of deviations and follow-up of unlawful access; for remote
operation (OUS-6.1.c) that is the point-to-site connection log: P2SDiagnosticLog records
each client connection with its Entra ID user. Every VPN gateway of the plan needs a
diagnostic setting enabling P2SDiagnosticLog (or the allLogs category group) to a Log
Analytics workspace of this plan.
"""

from __future__ import annotations

from pulumi_policy import Severity

from policies.lib import get, get_str, lower, stack_policy
from policies.monitoring import logs_by_target, missing_categories, resource_key, workspace_keys
from policies.stack import Undecided, label_of

VIRTUAL_NETWORK_GATEWAY = "azure-native:network:VirtualNetworkGateway"
CATEGORIES = ("P2SDiagnosticLog",)
GROUPS = ("allLogs",)


def validate(args, report_violation) -> None:
    undecided = Undecided()
    workspaces = workspace_keys(args.resources, undecided)
    enabled = logs_by_target(args.resources, workspaces, undecided)
    if undecided.notes:
        # A setting that couldn't be read may be the one a resource lacks: no verdict, only the note.
        undecided.finish()
    for r in args.resources:
        if r.resource_type != VIRTUAL_NETWORK_GATEWAY:
            continue
        with undecided.about(label_of(r)):
            if lower(get(r.props, "gatewayType")) not in (None, "vpn"):
                continue
            gateway = resource_key(get_str(r.props, "resourceGroupName"), "Microsoft.Network/virtualNetworkGateways",
                                   get_str(r.props, "virtualNetworkGatewayName"))
            categories, groups = enabled.get(gateway or "", (set(), set()))
            missing = missing_categories(categories, groups, CATEGORIES, GROUPS)
            if missing:
                report_violation(
                    f"[OUS-6.b, OUS-6.1.c] {label_of(r)} does not log {missing} to a workspace of this stack, so VPN "
                    "connections can't be followed up: add a diagnostic setting on the gateway enabling "
                    "P2SDiagnosticLog to the audit workspace (modules/audit.py)", r.urn)
    undecided.finish()


POLICY = stack_policy(
    name="audit-vpn-gateway-logs",
    clauses=("OUS-6.b", "OUS-6.1.c"),
    area="audit",
    description="Every VPN gateway sends its point-to-site connection log (P2SDiagnosticLog, or allLogs) to a Log "
    "Analytics workspace of the stack.",
    remediation="Create a monitor.DiagnosticSetting on the gateway id with P2SDiagnosticLog (and the other gateway "
    "categories) enabled to the audit workspace (modules/audit.py does).",
    validate=validate,
    severity=Severity.MEDIUM,
)
