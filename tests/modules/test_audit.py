"""AuditTrail under the offline engine: logs of every data access in Norway (OUS-6.b) and breach
alerts to exactly the people each agreement names (OUS-6.a, ECG-8)."""

from __future__ import annotations

import datetime as dt

import pulumi
import pytest

from modules import naming
from modules.audit import (
    ACTION_GROUPS_PER_ALERT,
    EMAIL_RECEIVERS_PER_GROUP,
    AgreementAudit,
    AuditTrail,
    AuditTrailArgs,
    BreachRecipient,
)
from modules.storage import NorwayStorage, NorwayStorageArgs

TODAY = dt.date(2025, 6, 1)
PE_SUBNET = "/subscriptions/0/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v/subnets/private-endpoints"
DNS_ZONE = "/subscriptions/0/resourceGroups/rg-net/providers/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net"

COMPONENT = "dpaguard:audit:AuditTrail"
RG = "azure-native:resources:ResourceGroup"
WORKSPACE = "azure-native:operationalinsights:Workspace"
DIAGNOSTIC = "azure-native:monitor:DiagnosticSetting"
SUB_DIAGNOSTIC = "azure-native:monitor:SubscriptionDiagnosticSetting"
ACTION_GROUP = "azure-native:monitor:ActionGroup"
ACTIVITY_ALERT = "azure-native:monitor:ActivityLogAlert"
QUERY_ALERT = "azure-native:monitor:ScheduledQueryRule"


class StubVpn(pulumi.ComponentResource):
    """Stands in for ForcedTunnelVpn: AuditTrail reads only `gateway_id`."""

    def __init__(self, cfg):
        super().__init__("test:vpn:Stub", "vpn")
        rg = naming.network_resource_group(cfg.prefix)
        self.gateway_id = naming.resource_id(
            cfg.subscription_id, rg, "Microsoft.Network/virtualNetworkGateways", naming.vpn_gateway(cfg.prefix)
        )
        self.register_outputs({})


def build(cfg, holder):
    stores = [
        NorwayStorage(
            a.lower(),
            NorwayStorageArgs.from_config(
                cfg, a, private_endpoint_subnet_id=PE_SUBNET, blob_dns_zone_id=DNS_ZONE, today=TODAY
            ),
        )
        for a in cfg.agreements
    ]
    vpn = StubVpn(cfg)
    holder.update(stores=stores, vpn=vpn, audit=AuditTrail("audit", AuditTrailArgs.from_config(cfg, stores=stores, vpn=vpn)))


def plan(stack, run_component, name, edit=None):
    s = stack(name, edit)
    holder = {}
    run = run_component(s, lambda cfg: build(cfg, holder))
    return s.cfg, run, holder


def _both_agreements(raw):
    # The OUS stack plus two ECG physicians, one sharing the processor's address.
    raw["agreements"] = ["OUS", "ECG"]
    raw["ecg"] = {"sku": "Standard_ZRS", "softDeleteDays": 14, "containerSoftDeleteDays": 14, "accounts": 1}
    raw["controllers"] += [
        {"id": "dr-berg-oslo", "name": "Dr. Berg", "agreement": "ECG", "signed": "2024-01-02",
         "contact": "berg@legesenter.example.no", "retentionDays": 365},
        {"id": "dr-dup", "name": "Dr. Dup", "agreement": "ECG", "signed": "2024-01-02",
         "contact": raw["audit"]["processorEmail"].upper(), "retentionDays": 365},
    ]


@pytest.fixture(scope="module")
def ous(stack, run_component):
    return plan(stack, run_component, "ous-kvalitetslab")


@pytest.fixture(scope="module")
def ecg(stack, run_component):
    return plan(stack, run_component, "ecg247")


@pytest.fixture(scope="module")
def mixed(stack, run_component):
    return plan(stack, run_component, "ous-kvalitetslab", _both_agreements)


@pytest.fixture(scope="module", params=("ous-kvalitetslab", "ecg247", "mixed"))
def planned(request, ous, ecg, mixed):
    return {"ous-kvalitetslab": ous, "ecg247": ecg, "mixed": mixed}[request.param]


def workspace_id(cfg):
    return naming.log_workspace_id(cfg.subscription_id, cfg.prefix)


def expected_emails(cfg, agreement):
    emails = [cfg.audit.processor_email] + [c.contact for c in cfg.controllers_of(agreement)]
    if agreement == "OUS":
        emails.append(cfg.audit.dpo_email)
    return {e.lower() for e in emails}


def groups_of(run, cfg, agreement):
    prefix = f"ag-{cfg.prefix}-{agreement.lower()}-breach-"
    return [g for g in run.of_type(ACTION_GROUP) if g.inputs["actionGroupName"].startswith(prefix)]


# ------------------------------------------------------------------ workspace


def test_children_named_after_the_component(planned):
    cfg, run, _ = planned
    (component,) = run.of_type(COMPONENT)
    children = [r for r in run.resources if r.parent == component.urn]
    assert {r.type for r in children} == {RG, WORKSPACE, DIAGNOSTIC, SUB_DIAGNOSTIC, ACTION_GROUP, ACTIVITY_ALERT, QUERY_ALERT}
    for r in children:
        assert r.name.startswith("audit-"), f"{r.urn}: child name not derived from the component's"


def test_workspace_in_norway_with_retention_and_entra_only(planned):
    # OUS-6.b: logs retained in Norway; OUS-6.1.a: no workspace keys.
    cfg, run, holder = planned
    (ws,) = run.of_type(WORKSPACE)
    i = ws.inputs
    assert i["workspaceName"] == naming.log_workspace(cfg.prefix), ws.urn
    assert i["resourceGroupName"] == naming.audit_resource_group(cfg.prefix), ws.urn
    assert i["location"] == cfg.location == "norwayeast", ws.urn
    assert i["sku"] == {"name": "PerGB2018"}, ws.urn
    assert i["retentionInDays"] == cfg.audit.retention_days, ws.urn
    assert i["features"]["disableLocalAuth"] is True, ws.urn
    assert i["publicNetworkAccessForIngestion"] == "Disabled", ws.urn
    assert i["publicNetworkAccessForQuery"] == "Enabled", ws.urn
    assert i["workspaceCapping"]["dailyQuotaGb"] == -1, f"{ws.urn}: a cap drops audit records"
    assert holder["audit"].workspace_id == workspace_id(cfg)
    (rg,) = [r for r in run.of_type(RG) if r.inputs["resourceGroupName"] == naming.audit_resource_group(cfg.prefix)]
    assert rg.inputs["location"] == cfg.location, rg.urn


def test_taggable_resources_tagged(planned):
    cfg, run, _ = planned
    for t in (WORKSPACE, ACTION_GROUP, ACTIVITY_ALERT, QUERY_ALERT):
        for r in run.of_type(t):
            assert r.inputs["tags"][naming.TAG_STACK] == cfg.stack, r.urn
            assert r.inputs["tags"][naming.TAG_AGREEMENT], r.urn


# ---------------------------------------------------------- diagnostic settings


def test_diagnostic_settings_cover_every_blob_service_and_the_gateway(planned):
    cfg, run, holder = planned
    blob_services = {bs for s in holder["stores"] for bs in s.blob_service_ids}
    settings = {d.inputs["resourceUri"]: d for d in run.of_type(DIAGNOSTIC)}
    assert set(settings) == blob_services | {holder["vpn"].gateway_id}
    for d in settings.values():
        assert d.inputs["workspaceId"] == workspace_id(cfg), d.urn
    (ws,) = run.of_type(WORKSPACE)
    for s in holder["stores"]:
        for bs in s.blob_service_ids:
            assert ws.urn in settings[bs].dependencies, settings[bs].urn


STORAGE_LOGS = {"StorageRead", "StorageWrite", "StorageDelete"}
GATEWAY_LOGS = {"GatewayDiagnosticLog", "TunnelDiagnosticLog", "RouteDiagnosticLog", "IKEDiagnosticLog", "P2SDiagnosticLog"}


def enabled(entries):
    return {e["category"] for e in entries if e.get("enabled") is True}


def test_storage_reads_writes_deletes_logged(planned):
    # OUS-6.b: every access to the data, with the caller, goes to the workspace.
    _, run, holder = planned
    for d in run.of_type(DIAGNOSTIC):
        if d.inputs["resourceUri"] == holder["vpn"].gateway_id:
            assert enabled(d.inputs["logs"]) == GATEWAY_LOGS, d.urn
        else:
            assert d.inputs["resourceUri"].endswith("/blobServices/default"), d.urn
            assert enabled(d.inputs["logs"]) == STORAGE_LOGS, d.urn
            assert enabled(d.inputs["metrics"]) == {"Transaction"}, d.urn


def test_activity_log_to_workspace(planned):
    cfg, run, _ = planned
    (sub,) = run.of_type(SUB_DIAGNOSTIC)
    assert sub.inputs["workspaceId"] == workspace_id(cfg), sub.urn
    assert {"Administrative", "Security", "Policy", "Alert"} <= enabled(sub.inputs["logs"]), sub.urn


def test_no_per_controller_diagnostics(ecg):
    # Plan size: diagnostic settings grow with accounts, never with controllers.
    cfg, run, _ = ecg
    assert len(run.of_type(DIAGNOSTIC)) == cfg.ecg.accounts + 1
    assert len(run.of_type(SUB_DIAGNOSTIC)) == 1


# ---------------------------------------------------------------- breach alerts


def test_action_group_reaches_exactly_the_named_people(planned):
    # OUS-6.a: DPO and submitting trust (and the processor); ECG-8: the physician and the processor.
    cfg, run, holder = planned
    for agreement in cfg.agreements:
        groups = groups_of(run, cfg, agreement)
        assert len(groups) == 1, agreement
        (g,) = groups
        assert g.inputs["location"] == "global", g.urn
        assert g.inputs["enabled"] is True, g.urn
        assert len(g.inputs["groupShortName"]) <= 12, g.urn
        receivers = g.inputs["emailReceivers"]
        assert {r["emailAddress"].lower() for r in receivers} == expected_emails(cfg, agreement), g.urn
        names = [r["name"] for r in receivers]
        assert len(names) == len(set(names)), f"{g.urn}: receiver names must be unique"
        assert holder["audit"].action_group_ids[agreement] == naming.breach_action_group_id(
            cfg.subscription_id, cfg.prefix, agreement, 0
        )
    assert set(holder["audit"].action_group_ids) == set(cfg.agreements)


def test_agreements_do_not_hear_of_each_other(mixed):
    cfg, run, _ = mixed
    (ous_group,) = groups_of(run, cfg, "OUS")
    (ecg_group,) = groups_of(run, cfg, "ECG")
    ous_mail = {r["emailAddress"].lower() for r in ous_group.inputs["emailReceivers"]}
    ecg_mail = {r["emailAddress"].lower() for r in ecg_group.inputs["emailReceivers"]}
    assert cfg.audit.dpo_email.lower() not in ecg_mail, ecg_group.urn
    assert "berg@legesenter.example.no" not in ous_mail, ous_group.urn
    assert ous_mail & ecg_mail == {cfg.audit.processor_email.lower()}
    # The physician who shares the processor's address is listed once.
    assert len(ecg_group.inputs["emailReceivers"]) == 2, ecg_group.urn


WATCHED = (
    "Microsoft.Storage/storageAccounts/listKeys/action",
    "Microsoft.Storage/storageAccounts/regenerateKey/action",
    "Microsoft.Storage/storageAccounts/write",
    "Microsoft.Storage/storageAccounts/delete",
    "Microsoft.Authorization/roleAssignments/write",
)


def test_activity_log_alert_on_data_group_routed_to_its_agreement(planned):
    cfg, run, holder = planned
    alerts = run.of_type(ACTIVITY_ALERT)
    assert len(alerts) == len(cfg.agreements)
    for store in holder["stores"]:
        group_ids = holder["audit"].action_group_id_lists[store.agreement]
        (alert,) = [a for a in alerts if a.inputs["scopes"] == [store.resource_group_id]]
        i = alert.inputs
        assert i["location"] == "global", alert.urn
        assert i["enabled"] is True, alert.urn
        assert i["tags"][naming.TAG_AGREEMENT] == store.agreement, alert.urn
        assert [g["actionGroupId"] for g in i["actions"]["actionGroups"]] == group_ids, alert.urn
        all_of = i["condition"]["allOf"]
        assert {"field": "category", "equals": "Administrative"} in all_of, alert.urn
        ops = {leaf["equals"] for c in all_of for leaf in c.get("anyOf", []) if leaf["field"] == "operationName"}
        assert set(WATCHED) <= ops, f"{alert.urn}: missing {set(WATCHED) - ops}"


def test_denied_access_query_alert_per_agreement(planned):
    cfg, run, holder = planned
    rules = run.of_type(QUERY_ALERT)
    assert len(rules) == len(cfg.agreements)
    other_accounts = {a for s in holder["stores"] for a in s.account_names}
    for store in holder["stores"]:
        (rule,) = [r for r in rules if r.inputs["tags"][naming.TAG_AGREEMENT] == store.agreement]
        i = rule.inputs
        assert i["location"] == cfg.location, rule.urn
        assert i["scopes"] == [workspace_id(cfg)], rule.urn
        assert i["enabled"] is True and i["kind"] == "LogAlert", rule.urn
        assert i["actions"]["actionGroups"] == holder["audit"].action_group_id_lists[store.agreement], rule.urn
        (cond,) = i["criteria"]["allOf"]
        query = cond["query"]
        assert query.startswith("StorageBlobLogs"), rule.urn
        assert "403" in query, rule.urn
        for account in other_accounts:
            assert (f'"{account}"' in query) == (account in store.account_names), f"{rule.urn}: {account}"
        # The 2025-01-01-preview API's own spelling (issue 10: "gt" made the breach alert undeployable).
        assert cond["operator"] == "GreaterThan" and cond["threshold"] == 0 and cond["timeAggregation"] == "Count", rule.urn
        assert i["evaluationFrequency"] == "PT5M" and i["windowSize"] == "PT5M", rule.urn
        assert i["severity"] <= 1, rule.urn


def test_alerts_wait_for_their_action_groups(planned):
    cfg, run, _ = planned
    groups = {g.inputs["actionGroupName"]: g.urn for g in run.of_type(ACTION_GROUP)}
    for alert in run.of_type(ACTIVITY_ALERT) + run.of_type(QUERY_ALERT):
        agreement = alert.inputs["tags"][naming.TAG_AGREEMENT]
        for name, urn in groups.items():
            if name.startswith(f"ag-{cfg.prefix}-{agreement.lower()}-"):
                assert urn in alert.dependencies, alert.urn


# ------------------------------------------------------- more than 1000 recipients


@pytest.mark.parametrize("recipients,groups,batches", [(2300, 3, 1), (5 * 1000 + 1, 6, 2)])
def test_recipients_split_into_groups_of_1000(stack, run_component, recipients, groups, batches):
    s = stack("ecg247")
    cfg = s.cfg
    people = tuple(BreachRecipient(f"controller-{n:05d}", f"p{n}@example.no") for n in range(recipients))
    audit = AgreementAudit(
        agreement="ECG",
        resource_group_id=naming.resource_group_id(cfg.subscription_id, "rg-x"),
        account_names=("acc",),
        blob_service_ids=(naming.blob_service_id(cfg.subscription_id, "rg-x", "acc"),),
        recipients=people,
    )
    args = AuditTrailArgs(
        stack=cfg.stack, prefix=cfg.prefix, location=cfg.location, subscription_id=cfg.subscription_id,
        retention_days=cfg.audit.retention_days, agreements=(audit,), vpn_gateway_id="/gw",
    )
    holder = {}
    run = run_component(s, lambda _: holder.update(audit=AuditTrail("audit", args)))
    made = sorted(run.of_type(ACTION_GROUP), key=lambda g: g.inputs["actionGroupName"])
    assert len(made) == groups
    sizes = [len(g.inputs["emailReceivers"]) for g in made]
    assert all(n <= EMAIL_RECEIVERS_PER_GROUP for n in sizes), sizes
    seen = [r["emailAddress"] for g in made for r in g.inputs["emailReceivers"]]
    assert seen == [p.email for p in people], "every recipient exactly once, in order"
    assert len({g.inputs["groupShortName"] for g in made}) == groups
    ids = holder["audit"].action_group_id_lists["ECG"]
    assert ids == [naming.breach_action_group_id(cfg.subscription_id, cfg.prefix, "ECG", n) for n in range(groups)]
    for t, key in ((ACTIVITY_ALERT, lambda a: [g["actionGroupId"] for g in a["actions"]["actionGroups"]]),
                   (QUERY_ALERT, lambda a: a["actions"]["actionGroups"])):
        alerts = run.of_type(t)
        assert len(alerts) == batches, t
        routed = [gid for a in alerts for gid in key(a.inputs)]
        assert all(len(key(a.inputs)) <= ACTION_GROUPS_PER_ALERT for a in alerts), t
        assert sorted(routed) == sorted(ids), f"{t}: every group routed exactly once"
