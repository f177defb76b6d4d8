"""Audit-trail resources as modules/audit.py plans them (wire form), for the audit policy tests."""

from __future__ import annotations

from typing import Any

from policies.monitoring import WORKSPACE
from tests.policies.helpers import resource, urn_of

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SUB = "/subscriptions/9b2e6f3a-1c4d-4e8f-a7b6-3d5c2e1f0a94"
WORKSPACE_ID = f"{SUB}/resourceGroups/rg-t-audit/providers/Microsoft.OperationalInsights/workspaces/log-t-audit"
ACCOUNT_ID = f"{SUB}/resourceGroups/rg-t-ous-data/providers/Microsoft.Storage/storageAccounts/trec"
GATEWAY_ID = f"{SUB}/resourceGroups/rg-t-network/providers/Microsoft.Network/virtualNetworkGateways/vpngw-t"


def workspace(**changes: Any):
    inputs = {"resourceGroupName": "rg-t-audit", "workspaceName": "log-t-audit", "location": "norwayeast",
              "retentionInDays": 365, "workspaceCapping": {"dailyQuotaGb": -1}}
    inputs.update(changes)
    return resource(WORKSPACE, "workspace", {k: v for k, v in inputs.items() if v is not None})


def logs(*categories: str, enabled: bool = True) -> list[dict[str, Any]]:
    return [{"category": c, "enabled": enabled} for c in categories]


WORKSPACE_URN = urn_of(WORKSPACE, "workspace")


def diagnostic(name: str, resource_uri: str, entries: list[dict[str, Any]], workspace_id: str = WORKSPACE_ID,
               targets: tuple[Any, ...] = (), to_stack_workspace: bool = True, uri_from: tuple[Any, ...] = (),
               **extra: Any):
    """A setting as modules/audit.py plans it: depending on the workspace it sends to and on what it
    logs (`targets`), which is how stack policies, seeing outputs without resourceUri, tie it; a blob
    service's setting also records its resourceUri as coming from the blob service (`uri_from`,
    modules/storage.py named_by)."""
    dependencies = ((WORKSPACE_URN,) if to_stack_workspace else ()) + tuple(t.urn for t in targets)
    recorded = {"property_dependencies": {"resourceUri": list(uri_from)}} if uri_from else {}
    return resource("azure-native:monitor:DiagnosticSetting", name,
                    {"name": "dpaguard-audit", "resourceUri": resource_uri, "workspaceId": workspace_id, "logs": entries,
                     **extra}, dependencies=dependencies, **recorded)
