"""dpa-guard: wires the components from validated stack config and exports what runbooks and auditors need."""

import pulumi

from modules import config
from modules.access import MfaAccess, MfaAccessArgs
from modules.audit import AuditTrail, AuditTrailArgs
from modules.dns import VpnClientDns, VpnClientDnsArgs
from modules.egress import SecuredHubEgress, SecuredHubEgressArgs
from modules.entra_logs import EntraLogs, EntraLogsArgs
from modules.roles import LeastPrivilegeRoles, LeastPrivilegeRolesArgs
from modules.storage import NorwayStorage, NorwayStorageArgs
from modules.vpn import ForcedTunnelVpn, ForcedTunnelVpnArgs

cfg = config.from_pulumi()

vpn = ForcedTunnelVpn("vpn", ForcedTunnelVpnArgs.from_config(cfg))
dns = VpnClientDns(
    "dns",
    VpnClientDnsArgs.from_config(cfg, resource_group_name=vpn.resource_group_name, vnet_id=vpn.vnet_id,
                                 subnet_id=vpn.dns_resolver_subnet_id),
    wait_for=[vpn.vnet, vpn.blob_dns_link],
)
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
# OUS-6.b, MS.AAD.4.1: the tenant's Entra ID sign-in, audit and risk logs into the same workspace.
entra_logs = EntraLogs("entra-logs", EntraLogsArgs.from_config(cfg, workspace_id=audit.workspace_id),
                       workspace=audit.workspace)
# Controlled egress: with an `egress` section, VPN clients connect to a Virtual WAN secured hub
# whose firewall lets them reach Entra ID, ARM, Graph and the state backend only.
egress = None
if cfg.egress is not None:
    egress = SecuredHubEgress(
        "egress",
        SecuredHubEgressArgs.from_config(cfg, resource_group_name=vpn.resource_group_name, vnet_id=vpn.vnet_id,
                                         dns_server=dns.address, workspace_id=audit.workspace_id),
        wait_for=[vpn.vnet, audit.workspace],
    )

pulumi.export("agreements", list(cfg.agreements))
pulumi.export("storageAccounts", {s.agreement: s.account_names for s in stores})
pulumi.export("storageAccountIds", {s.agreement: s.account_ids for s in stores})
pulumi.export("dataResourceGroups", {s.agreement: s.resource_group_name for s in stores})
pulumi.export("vpnGatewayId", vpn.gateway_id if egress is None else egress.gateway_id)
if egress is not None:
    pulumi.export("egressFirewallId", egress.firewall_id)
    pulumi.export("virtualHubId", egress.hub_id)
pulumi.export("vpnClientAddressPool", str(cfg.network.vpn_client_pool))
pulumi.export("vpnClientDnsServer", dns.address)
pulumi.export("logAnalyticsWorkspaceId", audit.workspace_id)
pulumi.export("breachActionGroupIds", audit.action_group_ids)
pulumi.export("operatorGroupId", access.operator_group_id)
pulumi.export("controllerGroupIds", access.controller_group_ids)
pulumi.export("conditionalAccessPolicyIds", access.policy_ids)
pulumi.export("pendingConfidentialityDeclarations", sorted(s.name for s in cfg.staff if not s.may_be_granted))
