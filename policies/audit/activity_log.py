"""The subscription's activity log — who changed roles, policies and resources — reaches the stack's workspace.

OUS-6.b: deviations must be logged and followed up; role assignments, key listings, network
and policy changes are recorded only in the activity log, which Azure keeps for 90 days
unless exported. A subscription diagnostic setting (monitor:SubscriptionDiagnosticSetting)
must send at least the Administrative, Security and Policy categories (or the allLogs
group) to a Log Analytics workspace of this plan.
"""

from __future__ import annotations

from policies.lib import stack_policy
from policies.monitoring import (
    SUBSCRIPTION_DIAGNOSTIC_SETTING_TYPES,
    enabled_logs,
    missing_categories,
    sends_to_stack_workspace,
)
from policies.stack import Undecided, label_of

CATEGORIES = ("Administrative", "Security", "Policy")
GROUPS = ("allLogs",)


def validate(args, report_violation) -> None:
    undecided = Undecided()
    categories: set[str] = set()
    groups: set[str] = set()
    settings = [r for r in args.resources if r.resource_type in SUBSCRIPTION_DIAGNOSTIC_SETTING_TYPES]
    for r in settings:
        with undecided.about(label_of(r)):
            if sends_to_stack_workspace(r):
                c, g = enabled_logs(r.props)
                categories |= c
                groups |= g
    missing = missing_categories(categories, groups, CATEGORIES, GROUPS)
    if missing and not undecided.notes:
        what = ("the subscription diagnostic settings do not send the activity log categories "
                f"{missing} to a workspace of this stack" if settings
                else "no subscription diagnostic setting exports the activity log")
        report_violation(
            f"{what}: add a monitor.SubscriptionDiagnosticSetting enabling Administrative, "
            "Security and Policy to the audit workspace (modules/audit.py)")
    undecided.finish()


POLICY = stack_policy(
    name="audit-activity-log",
    clauses=("OUS-6.b", "ECG-7S"),
    area="audit",
    description="A subscription diagnostic setting sends the activity log's Administrative, Security and Policy "
    "categories (or allLogs) to a Log Analytics workspace of the stack (one it depends on).",
    remediation="Create monitor.SubscriptionDiagnosticSetting with workspace_id the audit workspace and those "
    "categories enabled (modules/audit.py ACTIVITY_LOG_CATEGORIES).",
    validate=validate,
)
