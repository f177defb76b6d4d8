"""AuditTrail: logs every access to the stores, the VPN gateway and the subscription, and raises breach alerts.

OUS-6.b wants routines for logging errors and deviations and following up unlawful access;
ECG-7S wants security that can be documented on request. Both get the same trail: storage
data-plane logs (StorageRead/Write/Delete), VPN gateway logs and the subscription's activity
log in one Log Analytics workspace in Norway, with the configured retention.

OUS-6.a and ECG-8 want a breach reported at once to the people the agreement names. Each
agreement gets its own action group(s) and alert rules, so an alert about one agreement's
data never reaches the other agreement's contacts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import pulumi
from pulumi_azure_native import monitor, operationalinsights, resources

from modules import config, naming
from modules.storage import named_by

# Azure Monitor caps: email receivers per action group, action groups per alert rule.
EMAIL_RECEIVERS_PER_GROUP = 1000
ACTION_GROUPS_PER_ALERT = 5

# One name for every resource-scoped diagnostic setting dpa-guard owns, so a reader of the
# resource sees which setting is the audit trail.
DIAGNOSTIC_SETTING = "dpaguard-audit"

STORAGE_LOG_CATEGORIES = ("StorageRead", "StorageWrite", "StorageDelete")
STORAGE_METRIC_CATEGORIES = ("Transaction",)
GATEWAY_LOG_CATEGORIES = (
    "GatewayDiagnosticLog", "TunnelDiagnosticLog", "RouteDiagnosticLog", "IKEDiagnosticLog", "P2SDiagnosticLog",
)
# Every category of the subscription activity log: who changed what, including role
# assignments and policy decisions, is the core of the OUS-6.b follow-up.
ACTIVITY_LOG_CATEGORIES = (
    "Administrative", "Security", "ServiceHealth", "Alert", "Recommendation", "Policy", "Autoscale", "ResourceHealth",
)

# Control-plane operations on a data resource group that can open a way to the data or
# destroy the evidence: key and SAS material (OUS-6.1.a), account settings such as network
# rules, public access and replication (OUS-6.1.b), data-protection and lifecycle settings
# (OUS-5, ECG-4, ECG-7S), private endpoint approvals (OUS-6.1.b) and role assignments (OUS-6.2).
WATCHED_OPERATIONS = (
    "Microsoft.Storage/storageAccounts/listKeys/action",
    "Microsoft.Storage/storageAccounts/regenerateKey/action",
    "Microsoft.Storage/storageAccounts/listAccountSas/action",
    "Microsoft.Storage/storageAccounts/listServiceSas/action",
    "Microsoft.Storage/storageAccounts/write",
    "Microsoft.Storage/storageAccounts/delete",
    "Microsoft.Storage/storageAccounts/blobServices/write",
    "Microsoft.Storage/storageAccounts/managementPolicies/write",
    "Microsoft.Storage/storageAccounts/managementPolicies/delete",
    "Microsoft.Storage/storageAccounts/privateEndpointConnections/write",
    "Microsoft.Authorization/roleAssignments/write",
    "Microsoft.Authorization/roleAssignments/delete",
)

# Denied data-plane requests: 403 is what Azure Storage answers an unauthorised principal,
# a key or SAS after shared keys were turned off, or a request from outside the private
# endpoint; 401 an unauthenticated one. For health data any of them is a suspected breach
# to report at once (OUS-6.a, ECG-8), so one denied request in a 5-minute window fires.
DENIED_STATUS_CODES = (401, 403)
DENIED_THRESHOLD = 0
DENIED_WINDOW = "PT5M"
DENIED_FREQUENCY = "PT5M"
# Log-alert criteria of Microsoft.Insights/scheduledQueryRules 2025-01-01-preview (the API
# pulumi-azure-native 3.29 deploys): the official ARM schema's `Condition.operator` enum is
# Equals | GreaterThan | GreaterThanOrEqual | LessThan | LessThanOrEqual | GreaterOrLessThan,
# and `timeAggregation` Count | Average | Minimum | Maximum | Total
# (azure-resource-manager-schemas: schemas/2025-01-01-preview/Microsoft.Insights.json).
# Written from that schema, not from the SDK's shared `monitor.ConditionOperator` ("gt"),
# which belongs to another API and is rejected here; tests/schemas checks it against the schema.
QUERY_RULE_OPERATOR = "GreaterThan"
QUERY_RULE_AGGREGATION = "Count"


class _Store(Protocol):
    """What AuditTrail reads from a NorwayStorage."""

    agreement: str
    resource_group_id: str
    account_names: list[str]
    blob_service_ids: list[str]


class _Vpn(Protocol):
    """What AuditTrail reads from a ForcedTunnelVpn."""

    gateway_id: pulumi.Input[str] | None
    """None when point-to-site VPN terminates on a Virtual WAN hub: modules/egress.py logs that gateway."""


@dataclass(frozen=True)
class BreachRecipient:
    """One e-mail receiver of an agreement's breach alerts."""

    name: str
    """Receiver name, unique within the agreement (`dpo`, `processor`, `controller-<id>`)."""
    email: str


@dataclass(frozen=True)
class AgreementAudit:
    """What is audited and alerted for one agreement."""

    agreement: str
    resource_group_id: str
    """ARM id of the agreement's data resource group: scope of its activity-log alert."""
    account_names: tuple[str, ...]
    blob_service_ids: tuple[str, ...]
    recipients: tuple[BreachRecipient, ...]
    """Who hears of a suspected breach (OUS-6.a, ECG-8), DPO and processor first."""
    depends_on: tuple[pulumi.Resource, ...] = ()
    """The store whose blob services get diagnostic settings."""
    blob_services: tuple[pulumi.Resource | None, ...] = ()
    """The blob service resources, in the order of blob_service_ids: each diagnostic setting depends on its
    own only, so stack policies (outputs, no resourceUri) can tie it to its account."""

    def recipient_chunks(self) -> tuple[tuple[BreachRecipient, ...], ...]:
        """The recipients split into action groups of at most EMAIL_RECEIVERS_PER_GROUP, in order."""
        n = EMAIL_RECEIVERS_PER_GROUP
        return tuple(self.recipients[i:i + n] for i in range(0, len(self.recipients), n))


@dataclass(frozen=True)
class AuditTrailArgs:
    """Everything AuditTrail builds, derived from validated config and the other components."""

    stack: str
    prefix: str
    location: str
    subscription_id: str
    retention_days: int
    """Log Analytics retention (OUS-6.b)."""
    agreements: tuple[AgreementAudit, ...]
    vpn_gateway_id: pulumi.Input[str] | None
    """ARM id of the point-to-site VNet gateway whose logs are collected (None: the hub's, modules/egress.py)."""
    vpn_depends_on: tuple[pulumi.Resource, ...] = ()
    """The VPN component, which must exist before its gateway's diagnostic setting."""

    @classmethod
    def from_config(
        cls, cfg: config.StackConfig, *, stores: Sequence[_Store], vpn: _Vpn
    ) -> AuditTrailArgs:
        by_agreement = {s.agreement: s for s in stores}
        missing = [a for a in cfg.agreements if a not in by_agreement]
        if missing:
            raise config.ConfigError("agreements", f"no store was built for {', '.join(missing)}")
        agreements = tuple(
            AgreementAudit(
                agreement=a,
                resource_group_id=by_agreement[a].resource_group_id,
                account_names=tuple(by_agreement[a].account_names),
                blob_service_ids=tuple(by_agreement[a].blob_service_ids),
                recipients=_recipients(cfg, a),
                depends_on=_resources(by_agreement[a]),
                blob_services=tuple(getattr(by_agreement[a], "blob_services", {}).get(i)
                                    for i in by_agreement[a].blob_service_ids),
            )
            for a in cfg.agreements
        )
        return cls(
            stack=cfg.stack,
            prefix=cfg.prefix,
            location=cfg.location,
            subscription_id=cfg.subscription_id,
            retention_days=cfg.audit.retention_days,
            agreements=agreements,
            vpn_gateway_id=vpn.gateway_id,
            vpn_depends_on=_resources(vpn),
        )


def _resources(component: object) -> tuple[pulumi.Resource, ...]:
    return (component,) if isinstance(component, pulumi.Resource) else ()


def _recipients(cfg: config.StackConfig, agreement: str) -> tuple[BreachRecipient, ...]:
    candidates: list[BreachRecipient] = []
    if agreement == "OUS":
        # OUS-6.a: the OUS data protection officer hears of every breach. Not for ECG: in a
        # stack serving both, the OUS DPO has no business learning of ECG incidents.
        candidates.append(BreachRecipient("dpo", cfg.audit.dpo_email))
    candidates.append(BreachRecipient("processor", cfg.audit.processor_email))
    # OUS-6.a: the submitting trust; ECG-8: the physician. Controllers whose access has ended
    # stay on the list while their data may still exist.
    candidates += [BreachRecipient(f"controller-{c.id}", c.contact) for c in cfg.controllers_of(agreement)]
    seen: set[str] = set()
    unique: list[BreachRecipient] = []
    for r in candidates:
        if r.email.lower() not in seen:
            seen.add(r.email.lower())
            unique.append(r)
    return tuple(unique)


class AuditTrail(pulumi.ComponentResource):
    """Log Analytics workspace, diagnostic settings, breach action groups and alert rules."""

    workspace_id: str
    workspace: pulumi.Resource
    """The Log Analytics workspace: what another component's diagnostic settings wait for."""
    action_group_ids: dict[str, str]
    """Per agreement, its first breach action group (the one with the DPO and processor)."""
    action_group_id_lists: dict[str, list[str]]
    """Per agreement, every breach action group (more than one above 1000 recipients)."""
    diagnostic_resource_ids: list[str]

    def __init__(self, name: str, args: AuditTrailArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("dpaguard:audit:AuditTrail", name, None, opts)
        sub, prefix = args.subscription_id, args.prefix
        rg_name = naming.audit_resource_group(prefix)
        tags = {naming.TAG_STACK: args.stack, naming.TAG_AGREEMENT: ",".join(a.agreement for a in args.agreements)}

        self.workspace_id = naming.log_workspace_id(sub, prefix)
        self.action_group_ids = {}
        self.action_group_id_lists = {}
        self.diagnostic_resource_ids = []

        rg = resources.ResourceGroup(
            f"{name}-rg",
            resource_group_name=rg_name,
            location=args.location,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )

        workspace = operationalinsights.Workspace(
            f"{name}-workspace",
            workspace_name=naming.log_workspace(prefix),
            resource_group_name=rg_name,
            # OUS-6.b / ECG-10: the logs name principals and blobs; they stay in Norway too.
            location=args.location,
            sku=operationalinsights.WorkspaceSkuArgs(name=operationalinsights.WorkspaceSkuNameEnum.PER_GB2018),
            retention_in_days=args.retention_days,
            # No daily cap: a capped workspace silently drops audit records once it is reached.
            workspace_capping=operationalinsights.WorkspaceCappingArgs(daily_quota_gb=-1),
            features=operationalinsights.WorkspaceFeaturesArgs(
                # OUS-6.1.a: Entra ID only, no workspace keys.
                disable_local_auth=True,
                # Whoever may read a store may read its logs, nobody else without workspace rights.
                enable_log_access_using_only_resource_permissions=True,
            ),
            # Diagnostic settings deliver over the Azure backbone, untouched by this switch; what
            # it closes is agents and the data collector API writing (or forging) records from
            # the internet (OUS-6.1.b).
            public_network_access_for_ingestion=operationalinsights.PublicNetworkAccessType.DISABLED,
            # Queries stay reachable: the DPO, the controllers' inspections (OUS-6.3) and the
            # operators' follow-up (OUS-6.b) run from the portal, which a closed query endpoint
            # would shut out without an Azure Monitor private link scope. Access is still Entra
            # ID with Conditional Access and RBAC only (local auth is off above).
            public_network_access_for_query=operationalinsights.PublicNetworkAccessType.ENABLED,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[rg]),
        )
        self.workspace = workspace

        # OUS-6.b: every read, write and delete on the data, with the caller's identity. One
        # setting per blob service, never per container, so the plan stays small.
        for audit in args.agreements:
            for n, (account, blob_service_id) in enumerate(zip(audit.account_names, audit.blob_service_ids, strict=True)):
                own = audit.blob_services[n] if n < len(audit.blob_services) else None
                monitor.DiagnosticSetting(
                    f"{name}-{account}-blob-diag",
                    name=DIAGNOSTIC_SETTING,
                    # Recorded as coming from the blob service (its propertyDependencies), which is
                    # how stack policies tie the setting to the account (modules/storage.py named_by).
                    resource_uri=named_by(own, blob_service_id) if own is not None else blob_service_id,
                    workspace_id=self.workspace_id,
                    logs=[monitor.DiagnosticsLogSettingsArgs(category=c, enabled=True) for c in STORAGE_LOG_CATEGORIES],
                    metrics=[
                        monitor.DiagnosticsMetricSettingsArgs(category=c, enabled=True) for c in STORAGE_METRIC_CATEGORIES
                    ],
                    opts=pulumi.ResourceOptions(
                        parent=self, depends_on=[workspace, own] if own is not None else [workspace, *audit.depends_on]
                    ),
                )
                self.diagnostic_resource_ids.append(blob_service_id)

        # OUS-6.1.c: who connected over the VPN, when, and with what tunnel parameters.
        if args.vpn_gateway_id is not None:
            monitor.DiagnosticSetting(
                f"{name}-vpn-gateway-diag",
                name=DIAGNOSTIC_SETTING,
                resource_uri=args.vpn_gateway_id,
                workspace_id=self.workspace_id,
                logs=[monitor.DiagnosticsLogSettingsArgs(category=c, enabled=True) for c in GATEWAY_LOG_CATEGORIES],
                metrics=[monitor.DiagnosticsMetricSettingsArgs(category="AllMetrics", enabled=True)],
                opts=pulumi.ResourceOptions(parent=self, depends_on=[workspace, *args.vpn_depends_on]),
            )

        # OUS-6.b: control-plane changes across the subscription (role assignments, policy, keys).
        monitor.SubscriptionDiagnosticSetting(
            f"{name}-activity-log-diag",
            name=f"{DIAGNOSTIC_SETTING}-{prefix}",
            workspace_id=self.workspace_id,
            logs=[monitor.SubscriptionLogSettingsArgs(category=c, enabled=True) for c in ACTIVITY_LOG_CATEGORIES],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[workspace]),
        )

        for audit in args.agreements:
            self._breach_alerts(name, args, audit, rg, workspace)

        self.register_outputs({
            "workspaceId": self.workspace_id,
            "actionGroupIds": self.action_group_ids,
            "actionGroupIdLists": self.action_group_id_lists,
            "diagnosticResourceIds": self.diagnostic_resource_ids,
        })

    def _breach_alerts(
        self,
        name: str,
        args: AuditTrailArgs,
        audit: AgreementAudit,
        rg: resources.ResourceGroup,
        workspace: operationalinsights.Workspace,
    ) -> None:
        sub, prefix, agreement = args.subscription_id, args.prefix, audit.agreement
        rg_name = naming.audit_resource_group(prefix)
        tags = {naming.TAG_STACK: args.stack, naming.TAG_AGREEMENT: agreement}
        key = agreement.lower()

        groups: list[monitor.ActionGroup] = []
        group_ids: list[str] = []
        for i, chunk in enumerate(audit.recipient_chunks()):
            groups.append(monitor.ActionGroup(
                f"{name}-{key}-breach-{i:02d}",
                action_group_name=naming.breach_action_group(prefix, agreement, i),
                # Azure holds action groups only in `global`; the addresses are all they store.
                location="global",
                resource_group_name=rg_name,
                # Shown as the sender of every message, at most 12 characters.
                group_short_name=f"{agreement}breach{i:02d}",
                enabled=True,
                email_receivers=[
                    monitor.MicrosoftCommonEmailReceiverArgs(name=r.name, email_address=r.email, use_common_alert_schema=True)
                    for r in chunk
                ],
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[rg]),
            ))
            group_ids.append(naming.breach_action_group_id(sub, prefix, agreement, i))
        self.action_group_ids[agreement] = group_ids[0]
        self.action_group_id_lists[agreement] = group_ids

        # An alert rule takes at most ACTION_GROUPS_PER_ALERT groups, so very large agreements
        # get the same rules several times, each routed to its own batch of groups.
        step = ACTION_GROUPS_PER_ALERT
        for b in range(0, len(group_ids), step):
            batch_ids = group_ids[b:b + step]
            batch_deps = [rg, *groups[b:b + step]]
            index = b // step

            # OUS-6.a / ECG-8: someone touched keys, network rules, protection settings or
            # role assignments of this agreement's data.
            monitor.ActivityLogAlert(
                f"{name}-{key}-storage-admin-{index:02d}",
                activity_log_alert_name=naming.storage_admin_alert(prefix, agreement, index),
                resource_group_name=rg_name,
                # Activity log alerts exist only in `global` (or West/North Europe, outside Norway).
                location="global",
                scopes=[audit.resource_group_id],
                enabled=True,
                description=(
                    f"{agreement}: administrative operation on the data resource group that can expose "
                    "or destroy data (keys, SAS, network rules, protection, lifecycle, role assignments)."
                ),
                condition=monitor.AlertRuleAllOfConditionArgs(all_of=[
                    monitor.AlertRuleAnyOfOrLeafConditionArgs(field="category", equals="Administrative"),
                    monitor.AlertRuleAnyOfOrLeafConditionArgs(any_of=[
                        monitor.AlertRuleLeafConditionArgs(field="operationName", equals=op)
                        for op in WATCHED_OPERATIONS
                    ]),
                ]),
                actions=monitor.ActionListArgs(
                    action_groups=[monitor.ActionGroupArgs(action_group_id=g) for g in batch_ids]
                ),
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self, depends_on=batch_deps),
            )

            # OUS-6.a / ECG-8, OUS-6.b (helseregisterloven §18): denied access to the data.
            monitor.ScheduledQueryRule(
                f"{name}-{key}-denied-access-{index:02d}",
                rule_name=naming.denied_access_alert(prefix, agreement, index),
                resource_group_name=rg_name,
                location=args.location,
                kind=monitor.Kind.LOG_ALERT,
                scopes=[self.workspace_id],
                enabled=True,
                display_name=f"{agreement}: denied access to {agreement} data",
                description=(
                    f"{agreement}: a request to {', '.join(audit.account_names)} was refused "
                    f"(HTTP {'/'.join(str(c) for c in DENIED_STATUS_CODES)}): suspected unauthorised access."
                ),
                severity=1,
                evaluation_frequency=DENIED_FREQUENCY,
                window_size=DENIED_WINDOW,
                criteria=monitor.ScheduledQueryRuleCriteriaArgs(all_of=[
                    monitor.ConditionArgs(
                        query=denied_access_query(audit.account_names),
                        time_aggregation=QUERY_RULE_AGGREGATION,
                        operator=QUERY_RULE_OPERATOR,
                        threshold=DENIED_THRESHOLD,
                        failing_periods=monitor.ConditionFailingPeriodsArgs(
                            number_of_evaluation_periods=1, min_failing_periods_to_alert=1
                        ),
                    )
                ]),
                # Resolves once quiet, so an ongoing probe notifies once instead of every 5 minutes.
                auto_mitigate=True,
                # StorageBlobLogs appears in a new workspace only with the first log record;
                # validating the query before then would fail the deployment.
                skip_query_validation=True,
                actions=monitor.ActionsArgs(action_groups=batch_ids),
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[workspace, *batch_deps]),
            )


def denied_access_query(account_names: Sequence[str]) -> str:
    """KQL over StorageBlobLogs for denied requests against the given accounts."""
    accounts = ", ".join(f'"{a}"' for a in account_names)
    codes = ", ".join(str(c) for c in DENIED_STATUS_CODES)
    # StatusCode is a string column ("Unknown" for interrupted requests), hence toint.
    return (
        "StorageBlobLogs\n"
        f"| where AccountName in~ ({accounts})\n"
        f"| where toint(StatusCode) in ({codes})\n"
        "| project TimeGenerated, AccountName, OperationName, StatusCode, StatusText, "
        "AuthenticationType, RequesterObjectId, RequesterUpn, CallerIpAddress, Uri"
    )
