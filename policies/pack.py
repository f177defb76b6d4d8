"""The policy list of the pack, explicit: add a policy here and nowhere else.

`policies/__main__.py` serves this list to the Pulumi CLI; `dpaguard check` evaluates it
offline; `dpaguard clauses` documents it.
"""

from __future__ import annotations

from typing import Any

from policies.audit import (
    activity_log,
    breach_alerts_reach_contacts,
    entra_logs_to_workspace,  # issue 14 (G)
    log_sinks_in_stack,
    log_workspace_in_stack,
    log_workspace_matches_register,
    log_workspace_retention,
    storage_blob_logs,
    vpn_gateway_logs,
)
from policies.governance import (
    closed_world,
    container_labels,
    controller_isolation,
    data_classification,
    data_group_contents,
    dedicated_store,
    ous_containers,
    scores_consent,
    sub_processors_eea,
)
from policies.identity import (
    ca_all_apps_mfa,  # issue 14 (G)
    ca_block_device_code_flow,  # issue 14 (G)
    ca_block_high_sign_in_risk,  # issue 14 (G)
    ca_block_high_user_risk,  # issue 14 (G)
    ca_block_legacy_auth,
    ca_exclusions_break_glass_only,
    ca_mfa_compliant_device,
    ca_phishing_resistant_mfa,  # issue 14 (G)
    ca_policies_enabled,
    ca_privileged_roles_phishing_resistant_mfa,  # issue 14 (G)
    ca_settings_known,
    ca_sign_in_frequency,
    ca_staff_managed_device,  # issue 14 (G)
    ca_staff_managed_device_registration,  # issue 14 (G)
    group_members_declared,
)
from policies.location import (
    allowed_locations_assigned,
    allowed_locations_enforced,
    geo_replica_in_norway,
    in_norway,
)
from policies.network import (  # issue 10 (C)
    dns_vpn_clients,
    firewall_in_norway,
    firewall_logs_on,
    firewall_no_allow_all,
    hub_forced_tunnel,
    hub_p2s_server_config,
    nsg_no_internet_management_ports,
    vpn_entra_openvpn,
    vpn_forced_tunnel,
    vpn_gateway_zone_redundant,
    vpn_no_internet_breakout,
)
from policies.rbac import (
    access_ends_with_agreement,
    assignment_scope,
    assignments_to_groups,
    controller_access_kept,
    custom_roles_least_privilege,
    delegation_constrained,  # deployer may assign only the stack's roles
    no_privileged_builtin_roles,
    operator_elevation_time_bound,
    principals_in_stack,
    role_definitions_match_register,  # a definition's own GUID is its kind's
)
from policies.retention import (
    ecg_lifecycle,
    ecg_restorable,
    ecg_zone_redundant,
    lifecycle_no_index_filter,
    ous_lifecycle,
    ous_no_geo_copies,
    ous_no_recovery,
)
from policies.storage import (
    anonymous_access_disabled,
    children_in_stack,  # a child's accountName comes from an account of the stack
    children_name_stack_account,  # ... and names one (H4)
    copy_scope_private_link,
    cross_tenant_replication_disabled,
    infrastructure_encryption,
    network_default_deny,
    private_endpoint,
    public_network_disabled,
    shared_key_disabled,
    tls_https_only,
)

PACK_NAME = "dpa-guard"
PACK_VERSION = "0.1.0"

POLICIES: list[Any] = [
    # audit
    activity_log.POLICY,
    breach_alerts_reach_contacts.POLICY,
    log_sinks_in_stack.POLICY,
    log_workspace_in_stack.POLICY,
    log_workspace_matches_register.POLICY,
    log_workspace_retention.POLICY,
    storage_blob_logs.POLICY,
    vpn_gateway_logs.POLICY,
    entra_logs_to_workspace.POLICY,  # issue 14 (G)
    # governance
    closed_world.POLICY,
    container_labels.POLICY,
    controller_isolation.POLICY,
    data_classification.POLICY,
    data_group_contents.POLICY,
    dedicated_store.POLICY,
    ous_containers.POLICY,
    scores_consent.POLICY,
    sub_processors_eea.POLICY,
    # identity
    ca_block_legacy_auth.POLICY,
    ca_exclusions_break_glass_only.POLICY,
    ca_mfa_compliant_device.POLICY,
    ca_policies_enabled.POLICY,
    ca_settings_known.POLICY,
    ca_sign_in_frequency.POLICY,
    group_members_declared.POLICY,
    ca_phishing_resistant_mfa.POLICY,  # issue 14 (G)
    ca_privileged_roles_phishing_resistant_mfa.POLICY,  # issue 14 (G)
    ca_all_apps_mfa.POLICY,  # issue 14 (G)
    ca_block_high_user_risk.POLICY,  # issue 14 (G)
    ca_block_high_sign_in_risk.POLICY,  # issue 14 (G)
    ca_block_device_code_flow.POLICY,  # issue 14 (G)
    ca_staff_managed_device.POLICY,  # issue 14 (G)
    ca_staff_managed_device_registration.POLICY,  # issue 14 (G)
    # location
    allowed_locations_assigned.POLICY,
    allowed_locations_enforced.POLICY,
    geo_replica_in_norway.POLICY,
    in_norway.POLICY,
    # network
    nsg_no_internet_management_ports.POLICY,
    vpn_entra_openvpn.POLICY,
    vpn_forced_tunnel.POLICY,
    vpn_gateway_zone_redundant.POLICY,
    vpn_no_internet_breakout.POLICY,
    firewall_no_allow_all.POLICY, firewall_in_norway.POLICY, firewall_logs_on.POLICY, hub_forced_tunnel.POLICY,  # C
    dns_vpn_clients.POLICY,  # C
    hub_p2s_server_config.POLICY,  # H (issue 10)
    # rbac
    access_ends_with_agreement.POLICY,
    assignment_scope.POLICY,
    assignments_to_groups.POLICY,
    controller_access_kept.POLICY,
    custom_roles_least_privilege.POLICY,
    delegation_constrained.POLICY,
    no_privileged_builtin_roles.POLICY,
    operator_elevation_time_bound.POLICY,
    principals_in_stack.POLICY,
    role_definitions_match_register.POLICY,
    # retention
    ecg_lifecycle.POLICY,
    ecg_restorable.POLICY,
    ecg_zone_redundant.POLICY,
    lifecycle_no_index_filter.POLICY,
    ous_lifecycle.POLICY,
    ous_no_geo_copies.POLICY,
    ous_no_recovery.POLICY,
    # storage
    anonymous_access_disabled.POLICY,
    children_in_stack.POLICY,
    children_name_stack_account.POLICY,
    copy_scope_private_link.POLICY,
    cross_tenant_replication_disabled.POLICY,
    infrastructure_encryption.POLICY,
    network_default_deny.POLICY,
    private_endpoint.POLICY,
    public_network_disabled.POLICY,
    shared_key_disabled.POLICY,
    tls_https_only.POLICY,
]


def policy_config(register: dict[str, Any]) -> dict[str, Any]:
    """The `--policy-pack-config` document: the register for every policy that reads it."""
    return {
        p.name: {"register": register}
        for p in POLICIES
        if p.config_schema is not None and "register" in p.config_schema.properties
    }
