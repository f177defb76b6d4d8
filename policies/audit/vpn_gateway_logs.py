"""Who connected over the VPN, and when, is logged to the stack's workspace.

OUS-6.b asks for logging of deviations and follow-up of unlawful access; for remote
operation (OUS-6.1.c) that is the point-to-site connection log: P2SDiagnosticLog records
each client connection with its Entra ID user. Every VPN gateway of the plan needs a
diagnostic setting enabling P2SDiagnosticLog (or the allLogs category group) to a Log
Analytics workspace of this plan.
"""

from __future__ import annotations

from pulumi_policy import Severity

from policies.lib import get, lower, stack_policy
from policies.monitoring import depends_on, logs_by_target, missing_categories
from policies.stack import Undecided, label_of

VIRTUAL_NETWORK_GATEWAY = "azure-native:network:VirtualNetworkGateway"
P2S_VPN_GATEWAY = "azure-native:network:P2sVpnGateway"
GATEWAYS = (VIRTUAL_NETWORK_GATEWAY, P2S_VPN_GATEWAY)
CATEGORIES = ("P2SDiagnosticLog",)
GROUPS = ("allLogs",)


def _is_vpn(gateway) -> bool:
    return gateway.resource_type == P2S_VPN_GATEWAY or lower(get(gateway.props, "gatewayType")) in (None, "vpn")


def target_of(setting) -> str | None:
    """The one VPN gateway a diagnostic setting depends on (outputs carry no resourceUri)."""
    gateways = depends_on(setting, GATEWAYS)
    if len(gateways) != 1:
        return None  # none: it logs something else; several: it can log only one of them
    return gateways[0].urn


def validate(args, report_violation) -> None:
    undecided = Undecided()
    enabled = logs_by_target(args.resources, target_of, undecided)
    if undecided.notes:
        # A setting that couldn't be read may be the one a resource lacks: no verdict but that.
        undecided.finish()
    for r in args.resources:
        if r.resource_type not in GATEWAYS:
            continue
        with undecided.about(label_of(r)):
            if not _is_vpn(r):
                continue
            categories, groups = enabled.get(r.urn, (set(), set()))
            missing = missing_categories(categories, groups, CATEGORIES, GROUPS)
            if missing:
                report_violation(
                    f"{label_of(r)} does not log {missing} to a workspace of this stack, so VPN connections can't be "
                    "followed up: add a diagnostic setting on the gateway enabling P2SDiagnosticLog to the audit "
                    "workspace, depending on the gateway and the workspace (modules/audit.py)", r.urn)
    undecided.finish()


POLICY = stack_policy(
    name="audit-vpn-gateway-logs",
    clauses=("OUS-6.b", "OUS-6.1.c"),
    area="audit",
    description="Every VPN gateway (VNet gateway of type Vpn, or Virtual WAN point-to-site gateway) sends its point-to-site connection log (P2SDiagnosticLog, or allLogs) to a Log "
    "Analytics workspace of the stack.",
    remediation="Create a monitor.DiagnosticSetting on the gateway id with P2SDiagnosticLog (and the other gateway "
    "categories) enabled to the audit workspace (modules/audit.py does).",
    validate=validate,
    severity=Severity.MEDIUM,
)
