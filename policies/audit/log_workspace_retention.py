"""The audit workspace keeps logs long enough: retention at least the register's, never under 90 days.

OUS-6.b wants routines for logging deviations and following up staff who access health data
unlawfully (helseregisterloven §18): the records must outlive the time it takes to notice,
investigate and report. The stack's `audit.retentionDays` (register `logRetentionDays`, and
never fewer than 90 days) is the floor for every Log Analytics workspace and for any table
that overrides its workspace's retention. A daily ingestion cap is refused too: once reached,
Azure silently drops the rest of the day's audit records. (Where the workspace is located is
checked by location-in-norway, ECG-10.)
"""

from __future__ import annotations

from policies.lib import describe, get, get_number, register_of, resource_policy
from policies.monitoring import WORKSPACE

TABLE = "azure-native:operationalinsights:Table"
MIN_DAYS = 90


def required_days(args) -> int:
    days = get_number(register_of(args), "logRetentionDays")
    return max(MIN_DAYS, int(days)) if days is not None else MIN_DAYS


def validate(args, report_violation) -> None:
    if args.resource_type not in (WORKSPACE, TABLE):
        return
    label = describe(args.resource_type, args.name)
    wanted = required_days(args)
    if args.resource_type == WORKSPACE:
        days = get_number(args.props, "retentionInDays")
        if days is None or days < wanted:
            shown = f"{days:g} days" if days is not None else "Azure's default of 30 days"
            report_violation(f"{label} keeps logs for {shown}: set retentionInDays to at least {wanted} "
                             "(audit.retentionDays)")
        quota = get_number(args.props, "workspaceCapping", "dailyQuotaGb")
        if quota is not None and quota >= 0:
            report_violation(f"{label} caps ingestion at {quota:g} GB a day, after which audit records are "
                             "dropped: set workspaceCapping.dailyQuotaGb to -1 (no cap)")
        return
    for prop in ("retentionInDays", "totalRetentionInDays"):
        days = get(args.props, prop)
        # -1 (or absent) means "the workspace's retention".
        if isinstance(days, (int, float)) and not isinstance(days, bool) and days != -1 and days < wanted:
            report_violation(f"{label} overrides {prop} to {days:g} days: set it to at least {wanted} "
                             "or -1 (the workspace's retention)")


POLICY = resource_policy(
    name="audit-log-workspace-retention",
    clauses=("OUS-6.b", "ECG-7S"),
    area="audit",
    description=f"Log Analytics workspaces (and table overrides) retain logs at least the register's "
    f"logRetentionDays and never under {MIN_DAYS} days, with no daily ingestion cap.",
    remediation="Set retentionInDays to audit.retentionDays and workspaceCapping.dailyQuotaGb to -1 on the "
    "workspace (modules/audit.py does); do not lower table retention.",
    validate=validate,
    uses_register=True,
)
