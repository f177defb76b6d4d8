"""dpa-guard: wires the components from validated stack config and exports what runbooks and auditors need."""

import pulumi

from modules import config
from modules.access import MfaAccess, MfaAccessArgs
from modules.audit import AuditTrail, AuditTrailArgs
from modules.roles import LeastPrivilegeRoles, LeastPrivilegeRolesArgs
from modules.storage import NorwayStorage, NorwayStorageArgs
from modules.vpn import ForcedTunnelVpn, ForcedTunnelVpnArgs

cfg = config.from_pulumi()

vpn = ForcedTunnelVpn("vpn", ForcedTunnelVpnArgs.from_config(cfg))
access = MfaAccess("access", MfaAccessArgs.from_config(cfg))
stores = [
    NorwayStorage(
        agreement.lower(),
        NorwayStorageArgs.from_config(
            cfg,
            agreement,
            private_endpoint_subnet_id=vpn.private_endpoint_subnet_id,
            blob_dns_zone_id=vpn.blob_dns_zone_id,
            private_endpoint_dependencies=vpn.private_endpoint_dependencies,
        ),
    )
    for agreement in cfg.agreements
]
roles = LeastPrivilegeRoles("roles", LeastPrivilegeRolesArgs.from_config(cfg, stores=stores, access=access))
audit = AuditTrail("audit", AuditTrailArgs.from_config(cfg, stores=stores, vpn=vpn))

pulumi.export("agreements", list(cfg.agreements))
pulumi.export("storageAccounts", {s.agreement: s.account_names for s in stores})
pulumi.export("storageAccountIds", {s.agreement: s.account_ids for s in stores})
pulumi.export("dataResourceGroups", {s.agreement: s.resource_group_name for s in stores})
pulumi.export("vpnGatewayId", vpn.gateway_id)
pulumi.export("vpnClientAddressPool", str(cfg.network.vpn_client_pool))
pulumi.export("logAnalyticsWorkspaceId", audit.workspace_id)
pulumi.export("breachActionGroupIds", audit.action_group_ids)
pulumi.export("operatorGroupId", access.operator_group_id)
pulumi.export("controllerGroupIds", access.controller_group_ids)
pulumi.export("conditionalAccessPolicyIds", access.policy_ids)
pulumi.export("pendingConfidentialityDeclarations", sorted(s.name for s in cfg.staff if not s.may_be_granted))
