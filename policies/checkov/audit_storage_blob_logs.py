"""A diagnostic setting on a blob service logs every read, write and delete to a workspace.

CrossGuard: audit-storage-blob-logs, per diagnostic setting.

The single-resource part of the CrossGuard policy audit-storage-blob-logs (which also
requires one per account and a workspace of the same plan): a setting scoped to a blob
service enables StorageRead, StorageWrite and StorageDelete (or the allLogs/audit category
group) and has a workspaceId.
"""

from __future__ import annotations

from typing import Any

from _dpa import decide, get, items, named, props
from checkov.arm.base_resource_check import BaseResourceCheck
from checkov.common.models.enums import CheckCategories, CheckResult

CLAUSES = ("OUS-6.b", "ECG-7S")
NEEDED = {"storageread", "storagewrite", "storagedelete"}
GROUPS = {"alllogs", "audit"}


def logs_everything(p: dict[str, Any]) -> bool:
    enabled: set[str] = set()
    for log in items(get(p, "logs")):
        if get(log, "enabled") is not True:
            continue
        for key in ("category", "categoryGroup"):
            value = get(log, key)
            if isinstance(value, str):
                enabled.add(value.lower())
    if not (NEEDED <= enabled or GROUPS & enabled):
        return False
    workspace = get(p, "workspaceId")
    return isinstance(workspace, str) and bool(workspace)


class AuditStorageBlobLogs(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name=named("Diagnostic settings on a blob service send StorageRead, StorageWrite and StorageDelete to a "
                       "Log Analytics workspace", CLAUSES),
            id="CKV_DPA_16",
            categories=(CheckCategories.LOGGING,),
            supported_resources=("Microsoft.Insights/diagnosticSettings",),
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        scope = conf.get("scope")
        if not (isinstance(scope, str) and scope.rstrip("/").lower().endswith("/blobservices/default")):
            return CheckResult.UNKNOWN  # not the audit trail of a store
        return decide(lambda: logs_everything(props(conf)))


check = AuditStorageBlobLogs()
