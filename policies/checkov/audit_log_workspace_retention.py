"""Log Analytics workspaces keep audit logs at least 90 days and never stop ingesting.

CrossGuard: audit-log-workspace-retention, the floor every stack shares.

The register's own retention (`audit.retentionDays`) is known to the CrossGuard policy
audit-log-workspace-retention only; this check holds the floor every stack shares.
"""

from __future__ import annotations

from typing import Any

from _dpa import decide, get, named, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("OUS-6.b", "ECG-7S")
MIN_DAYS = 90


def keeps_logs(p: dict[str, Any]) -> bool:
    days = get(p, "retentionInDays")
    if isinstance(days, bool) or not isinstance(days, (int, float)) or days < MIN_DAYS:
        return False
    # A daily cap drops the rest of the day's audit records; -1 (or absent) is no cap.
    quota = get(p, "workspaceCapping", "dailyQuotaGb")
    return quota is None or quota == -1


class AuditLogWorkspaceRetention(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named(f"Log Analytics workspaces retain logs at least {MIN_DAYS} days with no daily ingestion cap",
                       CLAUSES),
            id="CKV_DPA_17",
            categories=(CheckCategories.LOGGING,),
            supported_resources=("Microsoft.OperationalInsights/workspaces",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        return decide(lambda: keeps_logs(props(conf)))


check = AuditLogWorkspaceRetention()
