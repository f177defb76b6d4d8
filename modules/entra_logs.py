"""EntraLogs: the tenant's Entra ID sign-in, audit, provisioning and risk logs go to the stack's workspace in Norway.

OUS-6.b wants routines for logging deviations and following up staff who reach health data
unlawfully; who signed in, from where, with which method and under which Conditional Access
verdict is the other half of the storage logs (modules/audit.py). ScubaGear's MS.AAD.4.1 wants
the same logs in the security team's hands. Entra itself keeps them 30 days at most with P1/P2
(Microsoft Learn, "Microsoft Entra data retention") and not in a region the stack chooses, so a
tenant diagnostic setting (Microsoft.AADIAM/diagnosticSettings, tenant scope) sends them to the
audit workspace, whose retention (audit.retentionDays, checked by audit-log-workspace-retention)
and Norwegian location (ECG-10) the pack already enforces.

A diagnostic setting's own `retentionPolicy` applies to a storage-account destination only
(Microsoft Learn, "Diagnostic settings in Azure Monitor": retention for Log Analytics is the
workspace's), so none is set here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_azure_native import aadiam

from modules import config

# Log categories of a Microsoft Entra diagnostic setting (Microsoft Learn, "What are the identity
# logs you can stream to an endpoint?" and "Configure Microsoft Entra diagnostic settings for
# activity logs"); the list of ScubaGear's MS.AAD.4.1 note plus ManagedIdentitySignInLogs and
# ProvisioningLogs. pulumi-azure-native 3.29's `aadiam.Category` enum knows only AuditLogs and
# SignInLogs (API 2017-04-01), and takes any string, so the names are written as the service
# spells them. Left out: EnrichedOffice365AuditLogs and the NetworkAccess*/RemoteNetwork* logs of
# Global Secure Access, which this project does not use.
ENTRA_LOG_CATEGORIES = (
    "AuditLogs",
    "SignInLogs",
    "NonInteractiveUserSignInLogs",
    "ServicePrincipalSignInLogs",
    "ManagedIdentitySignInLogs",
    "ProvisioningLogs",
    "ADFSSignInLogs",
    "RiskyUsers",
    "UserRiskEvents",
    "RiskyServicePrincipals",
    "ServicePrincipalRiskEvents",
    "MicrosoftGraphActivityLogs",
)


@dataclass(frozen=True)
class EntraLogsArgs:
    """Where the tenant's Entra ID logs go, derived from validated config."""

    setting_name: str
    """Name of the tenant diagnostic setting; one per stack, so two stacks in one tenant don't collide."""
    workspace_id: str
    """ARM id of the stack's audit Log Analytics workspace."""

    @classmethod
    def from_config(cls, cfg: config.StackConfig, *, workspace_id: str) -> EntraLogsArgs:
        return cls(setting_name=f"dpaguard-entra-{cfg.prefix}", workspace_id=workspace_id)


class EntraLogs(pulumi.ComponentResource):
    """One tenant-scope Entra ID diagnostic setting sending every log category to the audit workspace."""

    def __init__(self, name: str, args: EntraLogsArgs, *, workspace: pulumi.Resource,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("dpaguard:audit:EntraLogs", name, None, opts)
        aadiam.DiagnosticSetting(
            f"{name}-diag",
            name=args.setting_name,
            workspace_id=args.workspace_id,
            logs=[aadiam.LogSettingsArgs(category=c, enabled=True) for c in ENTRA_LOG_CATEGORIES],
            # The pack ties a setting to a workspace of the stack by this dependency (policies/monitoring.py):
            # the workspace's id is unknown in preview.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[workspace]),
        )
        self.register_outputs({"settingName": args.setting_name, "workspaceId": args.workspace_id})
