"""modules/config.py: every bad input gives a ConfigError naming the key; good stacks load."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
import yaml

from modules import config
from modules.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def shipped(stack: str) -> dict:
    doc = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]
    raw = {k.split(":", 1)[1]: v for k, v in doc.items()}
    # safe_load turns unquoted dates into date objects; the loader accepts both.
    return raw


@pytest.fixture
def pass_ous() -> dict:
    return shipped("ous-kvalitetslab")


@pytest.fixture
def pass_ecg() -> dict:
    return shipped("ecg247")


def test_shipped_stacks_load(pass_ous, pass_ecg):
    ous = config.load(pass_ous, "ous-kvalitetslab")
    ecg = config.load(pass_ecg, "ecg247")
    assert ous.agreements == ("OUS",) and ecg.agreements == ("ECG",)
    assert ous.location == "norwayeast" and ous.replica_location == "norwaywest"
    assert {c.agreement for c in ecg.controllers} == {"ECG"}
    assert all(c.retention_days for c in ecg.controllers)


def _set(raw: dict, path: str, value) -> dict:
    """Set a dotted/indexed path like `network.vnetCidr` or `controllers[0].signed`; value DELETE removes it."""
    raw = copy.deepcopy(raw)
    parts = path.replace("]", "").replace("[", ".").split(".")
    target = raw
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    last = parts[-1]
    key = int(last) if last.isdigit() else last
    if value is DELETE:
        del target[key]
    else:
        target[key] = value
    return raw


DELETE = object()

# (case id, path, value, expected key in the error, expected words)
FAIL_CASES = [
    ("fail_missing_prefix", "prefix", DELETE, "prefix", "required"),
    ("fail_bad_prefix", "prefix", "OUS-KL", "prefix", "lowercase"),
    ("fail_missing_tenant", "tenantId", DELETE, "tenantId", "required"),
    ("fail_tenant_not_guid", "tenantId", "contoso.onmicrosoft.com", "tenantId", "GUID"),
    ("fail_region_outside_norway", "location", "westeurope", "location", "Norway"),
    ("fail_replica_outside_norway", "replicaLocation", "swedencentral", "replicaLocation", "Norway"),
    ("fail_replica_not_pair", "replicaLocation", "norwayeast", "replicaLocation", "pair"),
    ("fail_unknown_agreement", "agreements", ["OUS", "GDPR"], "agreements[1]", "one of"),
    ("fail_no_agreements", "agreements", [], "agreements", "at least one"),
    ("fail_public_vnet", "network.vnetCidr", "20.60.0.0/16", "network.vnetCidr", "private"),
    ("fail_public_pool", "network.vpnClientPool", "8.8.8.0/24", "network.vpnClientPool", "private"),
    ("fail_not_a_cidr", "network.vnetCidr", "10.60.0.0/33", "network.vnetCidr", "CIDR"),
    ("fail_host_bits", "network.vnetCidr", "10.60.0.1/16", "network.vnetCidr", "CIDR"),
    ("fail_pool_overlaps_vnet", "network.vpnClientPool", "10.60.128.0/24", "network.vpnClientPool", "overlaps"),
    ("fail_subnets_overlap", "network.privateEndpointSubnet", "10.60.255.0/28", "network.privateEndpointSubnet", "overlaps"),
    ("fail_subnet_outside_vnet", "network.privateEndpointSubnet", "10.61.1.0/24", "network.privateEndpointSubnet", "not inside"),
    ("fail_gateway_subnet_small", "network.gatewaySubnet", "10.60.255.0/28", "network.gatewaySubnet", "/27"),
    ("fail_missing_network", "network", DELETE, "network", "required"),
    ("fail_network_not_mapping", "network", "10.0.0.0/8", "network", "mapping"),
    ("fail_controller_not_mapping", "controllers[0]", "ahus-mbt", "controllers[0]", "mapping"),
    ("fail_controller_bad_id", "controllers[0].id", "Ahus MBT", "controllers[0].id", "slug"),
    ("fail_controller_bad_date", "controllers[0].signed", "01.09.2022", "controllers[0].signed", "YYYY-MM-DD"),
    ("fail_controller_no_contact", "controllers[0].contact", DELETE, "controllers[0].contact", "required"),
    ("fail_controller_bad_contact", "controllers[0].contact", "mbt team", "controllers[0].contact", "e-mail"),
    ("fail_controller_wrong_agreement", "controllers[0].agreement", "ECG", "controllers[0].agreement", "one of"),
    ("fail_controller_duplicate", "controllers[1].id", "ahus-mbt", "controllers[1].id", "twice"),
    ("fail_ous_retention", "controllers[0].retentionDays", 30, "controllers[0].retentionDays", "ECG controllers only"),
    ("fail_ends_before_signed", "controllers[0].ends", "2020-01-01", "controllers[0].ends", "not after"),
    ("fail_controllers_not_list", "controllers", {"id": "x"}, "controllers", "list"),
    ("fail_staff_unknown_controller", "staff[0].controllers", ["nope"], "staff[0].controllers[0]", "unknown controller"),
    ("fail_staff_bad_role", "staff[0].role", "admin", "staff[0].role", "one of"),
    ("fail_reader_without_controllers", "staff[0].controllers", [], "staff[0].controllers", "at least one"),
    ("fail_operator_with_data", "staff[8].controllers", ["ahus-mbt"], "staff[8].controllers", "no data access"),
    ("fail_staff_bad_object_id", "staff[0].objectId", "kari", "staff[0].objectId", "GUID"),
    ("fail_soft_delete_too_long", "recordings.softDeleteDays", 30, "recordings.softDeleteDays", "between 0 and 7"),
    ("fail_max_age_not_number", "recordings.maxAgeDays", "a month", "recordings.maxAgeDays", "whole number"),
    ("fail_geo_replicated_recordings", "recordings.sku", "Standard_GRS", "recordings.sku", "OUS-5"),
    ("fail_vpn_sku_not_az", "vpn.sku", "VpnGw1", "vpn.sku", "AZ"),
    ("fail_break_glass_not_guid", "access.breakGlass", ["root"], "access.breakGlass[0]", "GUID"),
    ("fail_sign_in_frequency", "access.signInFrequencyHours", 0, "access.signInFrequencyHours", "between"),
    ("fail_production_not_bool", "production", "yes", "production", "true or false"),
    ("fail_dpo_missing", "audit.dpoEmail", DELETE, "audit.dpoEmail", "required"),
    ("fail_secret_marker", "prefix", "[secret]", "prefix", "secret"),
    # ARM tokens never carry app roles: a role requirement would refuse every real operator
    ("fail_app_role_on_arm_tokens", "access.deployerRole", "DpaGuard.Deployer", "access.deployerRole",
     "never carry app roles"),
]


@pytest.mark.parametrize(("case", "path", "value", "key", "words"), FAIL_CASES, ids=[c[0] for c in FAIL_CASES])
def test_bad_ous_config_names_the_key(pass_ous, case, path, value, key, words):
    with pytest.raises(ConfigError) as err:
        config.load(_set(pass_ous, path, value), "ous-kvalitetslab")
    assert err.value.keys == key, str(err.value)
    assert words in err.value.message, str(err.value)


ECG_FAIL_CASES = [
    ("fail_ecg_no_retention", "controllers[0].retentionDays", DELETE, "controllers[0].retentionDays", "required"),
    ("fail_ecg_lrs", "ecg.sku", "Standard_LRS", "ecg.sku", "zone-redundant"),
    ("fail_ecg_soft_delete_short", "ecg.softDeleteDays", 1, "ecg.softDeleteDays", "between"),
    ("fail_ecg_scores_consent", "controllers[0].scoresConsent", True, "controllers[0].scoresConsent", "OUS controllers only"),
    ("fail_sub_processor_outside_eea", "subProcessors[0].country", "US", "subProcessors[0].country", "EEA"),
]


@pytest.mark.parametrize(("case", "path", "value", "key", "words"), ECG_FAIL_CASES, ids=[c[0] for c in ECG_FAIL_CASES])
def test_bad_ecg_config_names_the_key(pass_ecg, case, path, value, key, words):
    with pytest.raises(ConfigError) as err:
        config.load(_set(pass_ecg, path, value), "ecg247")
    assert err.value.keys == key, str(err.value)
    assert words in err.value.message, str(err.value)


def test_deployer_role_only_for_an_audience_that_can_carry_it(pass_ous):
    # ARM tokens hold no app roles: the shipped stacks (ARM audience) require none, an own API app does
    assert config.load(pass_ous, "ous-kvalitetslab").access.deployer_role is None
    own_app = _set(pass_ous, "access.tokenAudience", "api://dpa-guard-gate")
    assert config.load(own_app, "ous-kvalitetslab").access.deployer_role == "DpaGuard.Deployer"


def test_lifecycle_rule_cap_is_enforced(pass_ecg):
    raw = copy.deepcopy(pass_ecg)
    raw["ecg"]["accounts"] = 1
    template = raw["controllers"][0]
    # 101 distinct retention classes in one account need 101 rules: one over Azure's cap.
    raw["controllers"] = [dict(template, id=f"dr-{i}", retentionDays=100 + i) for i in range(101)]
    raw["staff"] = []
    with pytest.raises(ConfigError) as err:
        config.load(raw, "ecg247")
    assert err.value.keys == "ecg.accounts"


def test_ous_access_ends_five_years_after_signing():
    ctl = config.Controller(id="a", name="A", agreement="OUS", signed=dt.date(2024, 2, 29), contact="a@b.no")
    assert ctl.access_ends == dt.date(2029, 2, 28)
    ended = config.Controller(id="a", name="A", agreement="OUS", signed=dt.date(2024, 1, 1), contact="a@b.no",
                              ends=dt.date(2025, 6, 30))
    assert ended.access_ends == dt.date(2025, 6, 30)


def test_staff_without_declaration_is_never_granted(pass_ous):
    cfg = config.load(pass_ous, "ous-kvalitetslab")
    pending = {s.name for s in cfg.staff if not s.may_be_granted}
    assert pending == {"Ingrid Berg (skårer, nyansatt)"}
    assert all(s.declaration is not None for s in cfg.granted_staff())
    register = cfg.policy_register()
    assert set(register["declaredPrincipals"]) == {s.object_id for s in cfg.granted_staff()}


def test_ecg_shards_are_stable(pass_ecg):
    cfg = config.load(pass_ecg, "ecg247")
    before = {c.id: cfg.ecg.shard_of(c.id) for c in cfg.controllers}
    raw = copy.deepcopy(pass_ecg)
    raw["controllers"].insert(0, dict(raw["controllers"][0], id="dr-new-kommer"))
    again = config.load(raw, "ecg247")
    assert {c.id: again.ecg.shard_of(c.id) for c in cfg.controllers} == before
