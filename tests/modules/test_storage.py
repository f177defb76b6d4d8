"""NorwayStorage under the offline engine: private, Entra-ID-only stores; OUS deletable beyond
recovery (OUS-4.1, OUS-4.2, OUS-5), ECG restorable with per-physician retention (ECG-4, ECG-6, ECG-7S)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from pulumi_azure_native import resources

from modules import config, naming
from modules.storage import NorwayStorage, NorwayStorageArgs

TODAY = dt.date(2025, 6, 1)
PE_SUBNET = "/subscriptions/0/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v/subnets/private-endpoints"
DNS_ZONE = "/subscriptions/0/resourceGroups/rg-net/providers/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net"

COMPONENT = "dpaguard:storage:NorwayStorage"
RG = "azure-native:resources:ResourceGroup"
ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
CONTAINER = "azure-native:storage:BlobContainer"
LIFECYCLE = "azure-native:storage:ManagementPolicy"
ENDPOINT = "azure-native:network:PrivateEndpoint"
DNS_GROUP = "azure-native:network:PrivateDnsZoneGroup"

C_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def build_stores(cfg, holder, **extra):
    holder["stores"] = [
        NorwayStorage(
            a.lower(),
            NorwayStorageArgs.from_config(
                cfg, a, private_endpoint_subnet_id=PE_SUBNET, blob_dns_zone_id=DNS_ZONE, today=TODAY, **extra
            ),
        )
        for a in cfg.agreements
    ]


def plan(stack, run_component, name, edit=None):
    s = stack(name, edit)
    holder = {}
    run = run_component(s, lambda cfg: build_stores(cfg, holder))
    return s.cfg, run, holder["stores"]


@pytest.fixture(scope="module")
def ous(stack, run_component):
    return plan(stack, run_component, "ous-kvalitetslab")


@pytest.fixture(scope="module")
def ecg(stack, run_component):
    return plan(stack, run_component, "ecg247")


@pytest.fixture(scope="module", params=("ous-kvalitetslab", "ecg247"))
def shipped(request, ous, ecg):
    return ous if request.param == "ous-kvalitetslab" else ecg


def by_name(run, type_token, key):
    return {r.inputs[key]: r for r in run.of_type(type_token)}


def expected_accounts(cfg):
    if cfg.agreements[0] == "OUS":
        return {naming.ous_account(cfg.prefix): cfg.recordings.sku}
    return {naming.ecg_account(cfg.prefix, i): cfg.ecg.sku for i in range(cfg.ecg.accounts)}


# ----------------------------------------------------------------------- layout


def test_children_are_the_store_resources_named_after_the_component(shipped):
    cfg, run, stores = shipped
    component = run.of_type(COMPONENT)
    assert len(component) == 1
    children = [r for r in run.resources if r.parent == component[0].urn]
    n_accounts = len(expected_accounts(cfg))
    expected = {RG: 1, ACCOUNT: n_accounts, BLOB_SERVICE: n_accounts, ENDPOINT: n_accounts, DNS_GROUP: n_accounts}
    for t, n in expected.items():
        assert sum(r.type == t for r in children) == n, f"{component[0].urn}: {t}"
    prefix = f"{stores[0].agreement.lower()}-"
    for r in children:
        assert r.name.startswith(prefix), f"{r.urn}: child name not derived from the component's"


def test_dedicated_resource_group_per_agreement(shipped):
    # OUS-3: each agreement's data sits in its own resource group, in Norway.
    cfg, run, stores = shipped
    (rg,) = run.of_type(RG)
    agreement = cfg.agreements[0]
    assert rg.inputs["resourceGroupName"] == naming.data_resource_group(cfg.prefix, agreement), rg.urn
    assert rg.inputs["location"] == cfg.location == "norwayeast", rg.urn
    assert rg.inputs["tags"][naming.TAG_AGREEMENT] == agreement, rg.urn
    assert stores[0].resource_group_id == naming.resource_group_id(cfg.subscription_id, rg.inputs["resourceGroupName"])


def test_exact_accounts_and_skus(shipped):
    cfg, run, stores = shipped
    accounts = by_name(run, ACCOUNT, "accountName")
    assert {n: r.inputs["sku"]["name"] for n, r in accounts.items()} == expected_accounts(cfg)
    assert stores[0].account_names == sorted(expected_accounts(cfg))
    rg = naming.data_resource_group(cfg.prefix, cfg.agreements[0])
    assert stores[0].account_ids == [naming.storage_account_id(cfg.subscription_id, rg, n) for n in stores[0].account_names]
    assert stores[0].blob_service_ids == [naming.blob_service_id(cfg.subscription_id, rg, n) for n in stores[0].account_names]


ACCOUNT_PROPERTIES = [
    # (wire path, expected, clause)
    (("kind",), "StorageV2", "OUS-3"),
    (("accessTier",), "Hot", "OUS-3"),
    (("location",), "norwayeast", "ECG-10"),
    (("allowSharedKeyAccess",), False, "OUS-6.1.a"),
    (("defaultToOAuthAuthentication",), True, "OUS-6.1.a"),
    (("isLocalUserEnabled",), False, "OUS-6.1.a"),
    (("isSftpEnabled",), False, "OUS-6.1.a"),
    (("publicNetworkAccess",), "Disabled", "OUS-6.1.b"),
    (("networkRuleSet", "defaultAction"), "Deny", "OUS-6.1.b"),
    (("networkRuleSet", "bypass"), "None", "OUS-6.1.b"),
    (("networkRuleSet", "ipRules"), [], "OUS-6.1.b"),
    (("networkRuleSet", "virtualNetworkRules"), [], "OUS-6.1.b"),
    (("networkRuleSet", "resourceAccessRules"), [], "OUS-6.1.b"),
    (("allowBlobPublicAccess",), False, "OUS-6.1.b"),
    (("allowCrossTenantReplication",), False, "ECG-10"),
    (("allowedCopyScope",), "PrivateLink", "OUS-6.1.b"),
    (("enableHttpsTrafficOnly",), True, "OUS-6.1.e"),
    (("minimumTlsVersion",), "TLS1_2", "OUS-6.1.e"),
    (("encryption", "requireInfrastructureEncryption"), True, "ECG-7S"),
    (("encryption", "keySource"), "Microsoft.Storage", "ECG-7S"),
    (("encryption", "services", "blob", "enabled"), True, "ECG-7S"),
    (("encryption", "services", "file", "enabled"), True, "ECG-7S"),
    (("isHnsEnabled",), False, "OUS-6.1.a"),
    (("enableNfsV3",), False, "OUS-6.1.a"),
]


@pytest.mark.parametrize("path,expected,clause", ACCOUNT_PROPERTIES, ids=lambda v: ".".join(v) if isinstance(v, tuple) else None)
def test_account_security_property(shipped, path, expected, clause):
    _, run, _ = shipped
    accounts = run.of_type(ACCOUNT)
    assert accounts
    for r in accounts:
        value = r.inputs
        for step in path:
            assert isinstance(value, dict) and step in value, f"{r.urn}: {'.'.join(path)} missing ({clause})"
            value = value[step]
        assert value == expected, f"{r.urn}: {'.'.join(path)} is {value!r}, {clause} needs {expected!r}"


def test_accounts_tagged_with_stack_agreement_and_data_class(shipped):
    cfg, run, _ = shipped
    agreement = cfg.agreements[0]
    for t in (RG, ACCOUNT, ENDPOINT):
        for r in run.of_type(t):
            tags = r.inputs.get("tags", {})
            assert tags.get(naming.TAG_STACK) == cfg.stack, r.urn
            assert tags.get(naming.TAG_AGREEMENT) == agreement, r.urn
            assert tags.get(naming.TAG_DATA_CLASS) == naming.DATA_CLASS[agreement], r.urn


# ------------------------------------------------------------- blob protection


def test_ous_recordings_cannot_be_recovered(ous):
    # OUS-5: no versions, no change feed, no point-in-time restore; soft delete only as configured.
    cfg, run, _ = ous
    (svc,) = run.of_type(BLOB_SERVICE)
    i = svc.inputs
    days = cfg.recordings.soft_delete_days
    assert days == 2, "the shipped OUS stack sets a 2-day soft delete"
    assert i["blobServicesName"] == "default", svc.urn
    assert i["isVersioningEnabled"] is False, svc.urn
    assert i["changeFeed"] == {"enabled": False}, svc.urn
    assert i["restorePolicy"] == {"enabled": False}, svc.urn
    assert i["deleteRetentionPolicy"]["enabled"] is True and i["deleteRetentionPolicy"]["days"] == days, svc.urn
    assert i["deleteRetentionPolicy"]["days"] <= config.OUS_MAX_SOFT_DELETE_DAYS, svc.urn
    assert i["containerDeleteRetentionPolicy"] == {"enabled": True, "days": days}, svc.urn


def test_ous_soft_delete_off_when_configured_zero(stack, run_component):
    def edit(raw):
        raw["recordings"]["softDeleteDays"] = 0

    _, run, _ = plan(stack, run_component, "ous-kvalitetslab", edit)
    (svc,) = run.of_type(BLOB_SERVICE)
    assert svc.inputs["deleteRetentionPolicy"] == {"enabled": False}, svc.urn
    assert svc.inputs["containerDeleteRetentionPolicy"] == {"enabled": False}, svc.urn
    assert svc.inputs["isVersioningEnabled"] is False, svc.urn


def test_ecg_patient_data_restorable(ecg):
    # ECG-7S: versions, soft delete, change feed and point-in-time restore inside the soft-delete window.
    cfg, run, _ = ecg
    services = run.of_type(BLOB_SERVICE)
    assert {s.inputs["accountName"] for s in services} == set(expected_accounts(cfg))
    for svc in services:
        i = svc.inputs
        assert i["isVersioningEnabled"] is True, svc.urn
        assert i["deleteRetentionPolicy"]["enabled"] is True, svc.urn
        assert i["deleteRetentionPolicy"]["days"] == cfg.ecg.soft_delete_days, svc.urn
        assert i["deleteRetentionPolicy"].get("allowPermanentDelete") is not True, svc.urn
        assert i["containerDeleteRetentionPolicy"] == {"enabled": True, "days": cfg.ecg.container_soft_delete_days}, svc.urn
        assert i["changeFeed"]["enabled"] is True, svc.urn
        assert i["restorePolicy"]["enabled"] is True, svc.urn
        assert 0 < i["restorePolicy"]["days"] < cfg.ecg.soft_delete_days, svc.urn


# ------------------------------------------------------------------ containers


def test_ous_containers_recordings_for_all_scores_only_with_consent(ous):
    # OUS-4.2: a scores container exists only for controllers whose config records consent.
    cfg, run, stores = ous
    containers = by_name(run, CONTAINER, "containerName")
    controllers = cfg.controllers_of("OUS")
    expected = {naming.recordings_container(c.id) for c in controllers} | {
        naming.scores_container(c.id) for c in controllers if c.scores_consent
    }
    assert set(containers) == expected
    assert {naming.scores_container(c) for c in ("ahus-mbt", "unn-mbt")} <= expected
    assert set(stores[0].scores_container_ids) == {"ahus-mbt", "unn-mbt"}
    assert set(stores[0].container_ids) == {c.id for c in controllers}
    for name, r in containers.items():
        assert r.inputs["accountName"] == naming.ous_account(cfg.prefix), r.urn
        meta = r.inputs["metadata"]
        assert meta["dpaguard_data_class"] == ("scores" if name.startswith("scores-") else "recordings"), r.urn
        assert meta["dpaguard_agreement"] == "OUS", r.urn


def test_ecg_container_per_physician_in_its_shard_account(ecg):
    # ECG-6: a dedicated storage unit per controller.
    cfg, run, stores = ecg
    containers = by_name(run, CONTAINER, "containerName")
    controllers = cfg.controllers_of("ECG")
    assert set(containers) == {naming.ecg_container(c.id) for c in controllers}
    assert stores[0].scores_container_ids == {}
    for c in controllers:
        r = containers[naming.ecg_container(c.id)]
        account = naming.ecg_account(cfg.prefix, cfg.ecg.shard_of(c.id))
        assert r.inputs["accountName"] == account, r.urn
        assert stores[0].account_of[c.id] == account
        assert stores[0].container_ids[c.id] == naming.container_id(
            cfg.subscription_id, stores[0].resource_group_name, account, naming.ecg_container(c.id)
        )
        meta = r.inputs["metadata"]
        assert meta["dpaguard_pseudonymised"] == ("true" if c.pseudonymised else "false"), r.urn
        assert meta["dpaguard_data_class"] == "ecg", r.urn
    assert len({r.inputs["accountName"] for r in containers.values()}) == cfg.ecg.accounts, "both shards used"


def test_containers_private_with_valid_metadata(shipped):
    cfg, run, _ = shipped
    controllers = {c.id: c for c in cfg.controllers}
    for r in run.of_type(CONTAINER):
        assert r.inputs["publicAccess"] == "None", f"{r.urn}: anonymous access (OUS-6.1.a)"
        meta = r.inputs["metadata"]
        for k, v in meta.items():
            assert C_IDENTIFIER.match(k), f"{r.urn}: metadata key {k!r} is not a C# identifier"
            assert v.isascii(), f"{r.urn}: metadata {k} is not ASCII"
        c = controllers[meta["dpaguard_controller"]]
        assert meta["dpaguard_signed"] == c.signed.isoformat(), r.urn
        ends = c.access_ends
        assert meta.get("dpaguard_access_ends") == (ends.isoformat() if ends else None), r.urn
        # Protection settings are applied before a container (and its data) can exist.
        svc = [s for s in run.of_type(BLOB_SERVICE) if s.inputs["accountName"] == r.inputs["accountName"]]
        assert svc[0].urn in r.dependencies, r.urn


def test_ended_controller_still_provisioned_and_reported(stack, run_component):
    # OUS-9: deletion is the runbook's job; the plan keeps the container and says so.
    def edit(raw):
        raw["controllers"][1]["ends"] = "2024-01-01"

    cfg, run, stores = plan(stack, run_component, "ous-kvalitetslab", edit)
    containers = by_name(run, CONTAINER, "containerName")
    assert naming.recordings_container("sus-mbt") in containers
    assert containers[naming.recordings_container("sus-mbt")].inputs["metadata"]["dpaguard_access_ends"] == "2024-01-01"
    assert stores[0].pending_deletion == ["sus-mbt"]
    assert any(level == "warning" and "sus-mbt" in msg for level, msg in run.log), run.log


# ------------------------------------------------------------------- lifecycle


def rules_of(run):
    return {p.inputs["accountName"]: p.inputs["policy"]["rules"] for p in run.of_type(LIFECYCLE)}


def test_ous_lifecycle_deletes_recordings_not_scores(ous):
    # OUS-4.1 safety net; OUS-5 no snapshots or versions kept; OUS-4.2 scores untouched.
    cfg, run, _ = ous
    (policy,) = run.of_type(LIFECYCLE)
    assert policy.inputs["managementPolicyName"] == "default", policy.urn
    (rule,) = policy.inputs["policy"]["rules"]
    assert rule["enabled"] is True and rule["type"] == "Lifecycle", policy.urn
    flt, actions = rule["definition"]["filters"], rule["definition"]["actions"]
    assert flt["prefixMatch"] == ["rec-"], policy.urn
    assert "blockBlob" in flt["blobTypes"], policy.urn
    assert actions["baseBlob"]["delete"]["daysAfterCreationGreaterThan"] == cfg.recordings.max_age_days, policy.urn
    assert actions["snapshot"]["delete"]["daysAfterCreationGreaterThan"] <= cfg.recordings.max_age_days, policy.urn
    assert actions["version"]["delete"]["daysAfterCreationGreaterThan"] <= cfg.recordings.max_age_days, policy.urn
    for r in run.of_type(CONTAINER):
        name = r.inputs["containerName"]
        matched = any(f"{name}/x".startswith(p) for p in flt["prefixMatch"])
        assert matched == name.startswith("rec-"), f"{r.urn}: lifecycle coverage wrong"


def assert_ecg_retention(cfg, run):
    rules = rules_of(run)
    for account, account_rules in rules.items():
        assert len(account_rules) <= config.LIFECYCLE_MAX_RULES, account
        names = [r["name"] for r in account_rules]
        assert len(set(names)) == len(names), f"{account}: duplicate rule names"
        for rule in account_rules:
            assert len(rule["definition"]["filters"]["prefixMatch"]) <= config.LIFECYCLE_PREFIXES_PER_RULE, rule["name"]
    for c in cfg.controllers_of("ECG"):
        account = naming.ecg_account(cfg.prefix, cfg.ecg.shard_of(c.id))
        blob = f"{naming.ecg_container(c.id)}/2025/06/01/record.ecg"
        matching = [
            r for r in rules.get(account, [])
            if any(blob.startswith(p) for p in r["definition"]["filters"]["prefixMatch"])
        ]
        assert len(matching) == 1, f"{c.id}: {len(matching)} retention rules match in {account} (ECG-4)"
        actions = matching[0]["definition"]["actions"]
        assert actions["baseBlob"]["delete"]["daysAfterCreationGreaterThan"] == c.retention_days, c.id
        assert actions["version"]["delete"]["daysAfterCreationGreaterThan"] <= c.retention_days, c.id
        assert actions["snapshot"]["delete"]["daysAfterCreationGreaterThan"] <= c.retention_days, c.id
        assert matching[0]["name"].startswith(f"retain-{c.retention_days}d-"), c.id
    return rules


def test_ecg_lifecycle_one_rule_per_physician_retention(ecg):
    cfg, run, _ = ecg
    rules = assert_ecg_retention(cfg, run)
    assert set(rules) == set(expected_accounts(cfg))


def _ecg_edit(ids, retention, accounts):
    def edit(raw):
        template = raw["controllers"][0]
        raw["controllers"] = [
            {**template, "id": i, "contact": f"{i}@example.no", "retentionDays": retention(n)} for n, i in enumerate(ids)
        ]
        raw["staff"] = [s for s in raw["staff"] if s["role"] == "operator"]
        raw["ecg"]["accounts"] = accounts

    return edit


def test_ecg_lifecycle_chunks_of_ten_and_no_prefix_collisions(stack, run_component):
    # 25 physicians in one retention class: three rules of 10, 10 and 5 containers; "dr-a"
    # must not pick up the blobs of "dr-ab" (trailing slash on every prefix).
    ids = ["dr-a", "dr-ab", "dr-abc"] + [f"dr-x{i:02d}" for i in range(22)]
    cfg, run, _ = plan(stack, run_component, "ecg247", _ecg_edit(ids, lambda n: 365, 1))
    rules = assert_ecg_retention(cfg, run)
    (account_rules,) = rules.values()
    assert [r["name"] for r in account_rules] == ["retain-365d-00", "retain-365d-01", "retain-365d-02"]
    assert [len(r["definition"]["filters"]["prefixMatch"]) for r in account_rules] == [10, 10, 5]
    prefixes = [p for r in account_rules for p in r["definition"]["filters"]["prefixMatch"]]
    assert all(p.endswith("/") for p in prefixes)


def test_ecg_empty_shard_gets_no_lifecycle_policy(stack, run_component):
    # Azure rejects a management policy without rules.
    ids = ["dr-one", "dr-two"]
    cfg, run, _ = plan(stack, run_component, "ecg247", _ecg_edit(ids, lambda n: 100 + n, 8))
    used = {naming.ecg_account(cfg.prefix, cfg.ecg.shard_of(i)) for i in ids}
    assert len(run.of_type(ACCOUNT)) == 8
    assert set(rules_of(run)) == used
    assert_ecg_retention(cfg, run)


# ---------------------------------------------------------- private endpoints


def test_private_endpoint_per_account(shipped):
    # OUS-6.1.b: the only way to the data is a private endpoint in the VPN's subnet.
    cfg, run, _ = shipped
    accounts = by_name(run, ACCOUNT, "accountName")
    endpoints = run.of_type(ENDPOINT)
    groups = run.of_type(DNS_GROUP)
    rg = naming.data_resource_group(cfg.prefix, cfg.agreements[0])
    assert {e.inputs["privateEndpointName"] for e in endpoints} == {naming.private_endpoint(a) for a in accounts}
    for e in endpoints:
        (conn,) = e.inputs["privateLinkServiceConnections"]
        account = conn["privateLinkServiceId"].rsplit("/", 1)[1]
        assert conn["privateLinkServiceId"] == naming.storage_account_id(cfg.subscription_id, rg, account), e.urn
        assert conn["groupIds"] == ["blob"], e.urn
        assert e.inputs["subnet"] == {"id": PE_SUBNET}, e.urn
        assert e.inputs["location"] == cfg.location, e.urn
        assert e.inputs.get("manualPrivateLinkServiceConnections") in (None, []), e.urn
        assert accounts[account].urn in e.dependencies, f"{e.urn}: must wait for its account"
    assert {g.inputs["privateEndpointName"] for g in groups} == {naming.private_endpoint(a) for a in accounts}
    for g in groups:
        assert [z["privateDnsZoneId"] for z in g.inputs["privateDnsZoneConfigs"]] == [DNS_ZONE], g.urn


def test_private_endpoints_wait_for_network_dependencies(stack, run_component):
    # The subnet and DNS zone come in as ARM id strings, so the ordering must be explicit.
    s = stack("ous-kvalitetslab")
    holder = {}

    def build(cfg):
        subnet_stand_in = resources.ResourceGroup("net", resource_group_name="rg-net", location=cfg.location)
        build_stores(cfg, holder, private_endpoint_dependencies=[subnet_stand_in])

    run = run_component(s, build)
    net = next(r for r in run.of_type(RG) if r.name == "net")
    (endpoint,) = run.of_type(ENDPOINT)
    (group,) = run.of_type(DNS_GROUP)
    assert net.urn in endpoint.dependencies, endpoint.urn
    assert endpoint.urn in group.dependencies, group.urn


def test_agreement_not_served_is_rejected(stack):
    cfg = stack("ous-kvalitetslab").cfg
    with pytest.raises(config.ConfigError):
        NorwayStorageArgs.from_config(cfg, "ECG", private_endpoint_subnet_id=PE_SUBNET, blob_dns_zone_id=DNS_ZONE)


# ----------------------------------------------------------------------- the register's view


# The shipped stacks' accounts, written out from stacks/Pulumi.*.yaml (prefix, subscriptionId,
# ecg.accounts) by hand: storage-children-name-stack-account holds every child to these.
SHIPPED_REGISTER_ACCOUNTS = {
    "ous-kvalitetslab": [
        {"name": "ousklrec", "resourceGroup": "rg-ouskl-ous-data", "agreement": "OUS",
         "id": "/subscriptions/9b2e6f3a-1c4d-4e8f-a7b6-3d5c2e1f0a94/resourceGroups/rg-ouskl-ous-data"
               "/providers/Microsoft.Storage/storageAccounts/ousklrec"},
    ],
    "ecg247": [
        {"name": f"ecg247ecg0{i}", "resourceGroup": "rg-ecg247-ecg-data", "agreement": "ECG",
         "id": "/subscriptions/2c7e9a1b-5d3f-4b6e-9a8c-7e1d0f4b2a65/resourceGroups/rg-ecg247-ecg-data"
               f"/providers/Microsoft.Storage/storageAccounts/ecg247ecg0{i}"}
        for i in (0, 1)
    ],
}


@pytest.mark.parametrize("name", sorted(SHIPPED_REGISTER_ACCOUNTS))
def test_register_lists_the_shipped_accounts(stack, name):
    assert stack(name).cfg.policy_register()["storageAccounts"] == SHIPPED_REGISTER_ACCOUNTS[name]


def test_register_lists_exactly_the_accounts_the_component_builds(shipped):
    cfg, run, stores = shipped
    built = [{"name": r.inputs["accountName"], "resourceGroup": r.inputs["resourceGroupName"]}
             for r in run.of_type(ACCOUNT)]
    listed = cfg.policy_register()["storageAccounts"]
    assert sorted(built, key=str) == sorted(({"name": a["name"], "resourceGroup": a["resourceGroup"]} for a in listed),
                                            key=str)
    endpoints = {c["privateLinkServiceId"] for r in run.of_type(ENDPOINT)
                 for c in r.inputs["privateLinkServiceConnections"]}
    assert endpoints == {a["id"] for a in listed}


def test_register_lists_both_agreements_accounts_in_a_mixed_stack(stack):
    from tests.modules.conftest import MIXED_STACK

    listed = stack(MIXED_STACK).cfg.policy_register()["storageAccounts"]
    assert [(a["name"], a["resourceGroup"], a["agreement"]) for a in listed] == [
        ("ousklrec", "rg-ouskl-ous-data", "OUS"),
        ("ousklecg00", "rg-ouskl-ecg-data", "ECG"),
        ("ousklecg01", "rg-ouskl-ecg-data", "ECG"),
    ]
