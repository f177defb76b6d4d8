"""EntraLogs under the offline engine: one tenant Entra ID diagnostic setting, every log category the
baseline names, to the stack's workspace and nowhere else (OUS-6.b, ECG-10, ScubaGear MS.AAD.4.1v1)."""

from __future__ import annotations

import pytest
from pulumi_azure_native import operationalinsights

from modules import naming
from modules.entra_logs import EntraLogs, EntraLogsArgs
from tests.modules.conftest import SHIPPED_STACKS

SETTING = "azure-native:aadiam:DiagnosticSetting"
WORKSPACE = "azure-native:operationalinsights:Workspace"
# ScubaGear aad.md MS.AAD.4.1v1 note: "AuditLogs, SignInLogs, RiskyUsers, UserRiskEvents,
# NonInteractiveUserSignInLogs, ServicePrincipalSignInLogs, ADFSSignInLogs, RiskyServicePrincipals,
# ServicePrincipalRiskEvents, EnrichedOffice365AuditLogs, MicrosoftGraphActivityLogs", plus
# ManagedIdentitySignInLogs and ProvisioningLogs; less EnrichedOffice365AuditLogs (Global Secure Access,
# not used; README "Entra ID baseline").
CATEGORIES = {
    "AuditLogs", "SignInLogs", "RiskyUsers", "UserRiskEvents", "NonInteractiveUserSignInLogs",
    "ServicePrincipalSignInLogs", "ADFSSignInLogs", "RiskyServicePrincipals", "ServicePrincipalRiskEvents",
    "MicrosoftGraphActivityLogs", "ManagedIdentitySignInLogs", "ProvisioningLogs",
}


@pytest.fixture(scope="module", params=SHIPPED_STACKS)
def planned(request, stack, run_component):
    s = stack(request.param)

    def build(cfg):
        workspace = operationalinsights.Workspace("audit-workspace", workspace_name=naming.log_workspace(cfg.prefix),
                                                  resource_group_name="rg", location=cfg.location)
        workspace_id = naming.log_workspace_id(cfg.subscription_id, cfg.prefix)
        EntraLogs("entra-logs", EntraLogsArgs.from_config(cfg, workspace_id=workspace_id), workspace=workspace)

    return s.cfg, run_component(s, build)


def test_one_setting_with_every_category_to_the_workspace(planned):
    cfg, run = planned
    [setting] = run.of_type(SETTING)
    [workspace] = run.of_type(WORKSPACE)
    assert {e["category"] for e in setting.inputs["logs"] if e["enabled"] is True} == CATEGORIES, setting.urn
    assert len(setting.inputs["logs"]) == len(CATEGORIES), setting.urn
    assert setting.inputs["workspaceId"] == naming.log_workspace_id(cfg.subscription_id, cfg.prefix), setting.urn
    assert workspace.urn in setting.dependencies, f"{setting.urn}: the pack ties it to the workspace by dependency"
    assert not {"storageAccountId", "eventHubName", "eventHubAuthorizationRuleId", "serviceBusRuleId"} & set(
        setting.inputs), setting.urn
    # Tenant-wide name: one per stack, so two stacks in one tenant don't overwrite each other's setting.
    assert setting.inputs["name"] == f"dpaguard-entra-{cfg.prefix}", setting.urn
    assert setting.parent.endswith("dpaguard:audit:EntraLogs::entra-logs"), setting.urn
