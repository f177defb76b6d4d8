"""Every connection through the egress firewall, allowed or denied, is logged to the stack's workspace.

OUS-6.b asks for logging of deviations and follow-up of unlawful access; with the secured hub
(modules/egress.py) an attempt to reach anything but the named services is such a deviation.
Every Azure Firewall of the plan needs a diagnostic setting, depending on it and on a Log
Analytics workspace of the plan, that enables the application and network rule logs
(AZFWApplicationRule and AZFWNetworkRule, or the allLogs group; Microsoft Learn "Monitoring
data reference for Azure Firewall", resource-specific tables).
"""

from __future__ import annotations

from pulumi_policy import Severity

from policies.lib import stack_policy
from policies.monitoring import depends_on, logs_by_target, missing_categories
from policies.stack import Undecided, label_of

AZURE_FIREWALL = "azure-native:network:AzureFirewall"
CATEGORIES = ("AZFWApplicationRule", "AZFWNetworkRule")
GROUPS = ("allLogs",)


def target_of(setting) -> str | None:
    """The one firewall a diagnostic setting depends on (outputs carry no resourceUri)."""
    firewalls = depends_on(setting, AZURE_FIREWALL)
    return firewalls[0].urn if len(firewalls) == 1 else None


def validate(args, report_violation) -> None:
    undecided = Undecided()
    enabled = logs_by_target(args.resources, target_of, undecided)
    for r in args.resources:
        if r.resource_type != AZURE_FIREWALL:
            continue
        categories, groups = enabled.get(r.urn, (set(), set()))
        missing = missing_categories(categories, groups, CATEGORIES, GROUPS)
        if missing:
            report_violation(
                f"{label_of(r)} does not log {missing} to a workspace of this stack, so denied and allowed "
                "connections of VPN clients can't be followed up: add a diagnostic setting on the firewall enabling "
                "them to the audit workspace, depending on the firewall and the workspace (modules/egress.py)", r.urn)
    undecided.finish()


POLICY = stack_policy(
    name="network-firewall-logs-on",
    clauses=("OUS-6.b", "OUS-6.1.c"),
    area="network",
    description="Every Azure Firewall sends its application and network rule logs (AZFWApplicationRule, "
    "AZFWNetworkRule, or allLogs) to a Log Analytics workspace of the stack.",
    remediation="Create a monitor.DiagnosticSetting on the firewall with those categories to the audit workspace "
    "(modules/egress.py does).",
    validate=validate,
    severity=Severity.MEDIUM,
)
