"""policies/stack.py: the naming mirror, agreement resolution, lifecycle coverage and SKU classes."""

import pytest

from modules import naming
from policies import stack
from tests.policies.stores import UNKNOWN, rule


def test_names_mirror_modules_naming():
    assert stack.TAG_AGREEMENT == naming.TAG_AGREEMENT
    assert stack.TAG_DATA_CLASS == naming.TAG_DATA_CLASS
    assert stack.DATA_CLASS == naming.DATA_CLASS
    assert stack.RECORDINGS_PREFIX == naming.recordings_container("")
    assert stack.SCORES_PREFIX == naming.scores_container("")
    assert stack.ECG_PREFIX == naming.ecg_container("")
    for agreement in stack.AGREEMENTS:
        assert stack.data_group_agreement(naming.data_resource_group("ouskl", agreement)) == agreement


def test_metadata_keys_mirror_modules_storage():
    import datetime as dt

    from modules.storage import ContainerSpec

    meta = ContainerSpec("ecg-a", "a", "ecg", dt.date(2024, 1, 1), None, True).metadata("ECG")
    assert {stack.META_AGREEMENT, stack.META_CONTROLLER, stack.META_DATA_CLASS, stack.META_PSEUDONYMISED} <= set(meta)
    assert meta[stack.META_DATA_CLASS] in stack.CONTAINER_CLASSES["ECG"]


@pytest.mark.parametrize(("name", "agreement"), [
    ("rg-ouskl-ous-data", "OUS"), ("RG-ECG247-ECG-DATA", "ECG"), ("rg-ouskl-network", None),
    ("rg-a-ous-data", None), ("rg-ouskl-ous-data-2", None), (None, None), (3, None),
])
def test_data_group_agreement(name, agreement):
    assert stack.data_group_agreement(name) == agreement


@pytest.mark.parametrize(("container", "prefixes", "covered"), [
    ("rec-a", None, True),
    ("rec-a", ["rec-"], True),
    ("rec-a", ["rec-a/"], True),
    ("rec-a", ["rec-a"], True),
    ("rec-ab", ["rec-a/"], False),
    ("rec-a", ["rec-a/2024/"], False),
    ("rec-a", ["ecg-"], False),
    ("rec-a", [], False),
])
def test_rule_covers_whole_containers_only(container, prefixes, covered):
    assert stack.rule_covers(rule("r", prefixes), container, "blockBlob") is covered


def test_rule_covers_needs_blob_type_enabled_and_lifecycle():
    assert not stack.rule_covers(rule("r", None, blob_types=("appendBlob",)), "c", "blockBlob")
    assert not stack.rule_covers(rule("r", None, enabled=False), "c", "blockBlob")
    default_enabled = {k: v for k, v in rule("r", None).items() if k != "enabled"}
    assert stack.rule_covers(default_enabled, "c", "blockBlob")  # Azure: enabled unless set false
    assert not stack.rule_covers(rule("r", None, type="Other"), "c", "blockBlob")


def test_unknown_prefix_raises_for_the_caller_to_note():
    from pulumi_policy.proxy import UnknownValueError

    with pytest.raises(UnknownValueError):
        stack.rule_covers(rule("r", [UNKNOWN]), "c", "blockBlob")


@pytest.mark.parametrize(("sku", "geo", "zone"), [
    ("Standard_LRS", False, False), ("Standard_ZRS", False, True), ("Standard_GRS", True, False),
    ("Standard_RAGRS", True, False), ("Standard_GZRS", True, True), ("Standard_RAGZRS", True, True),
    ("Premium_ZRS", False, True), ("StandardV2_GZRS", True, True), (None, False, False),
])
def test_sku_classes(sku, geo, zone):
    assert stack.is_geo_redundant(sku) is geo and stack.is_zone_redundant(sku) is zone


def test_undecided_collects_and_raises_once():
    from pulumi_policy.proxy import UnknownValueError

    undecided = stack.Undecided()
    with undecided.about("a"):
        raise UnknownValueError(UNKNOWN, ["x"])
    with undecided.about("b"):
        pass
    with pytest.raises(UnknownValueError) as caught:
        undecided.finish()
    assert caught.value.message.startswith("a: ")


def test_undecided_lets_bugs_through():
    with pytest.raises(KeyError):
        with stack.Undecided().about("a"):
            raise KeyError("bug")


# ------------------------------------------------------------------ which account a child belongs to


def _res(type_, name, deps=(), prop_deps=None):
    """A PolicyResource as pulumi_policy's AnalyzeStack builds it: dependencies and property
    dependencies resolved to resources, properties without dependencies left out."""
    from types import SimpleNamespace

    return SimpleNamespace(resource_type=type_, urn=f"urn:{name}", name=name, dependencies=list(deps),
                           property_dependencies=dict(prop_deps or {}))


ACCT_A = _res(stack.STORAGE_ACCOUNT, "a")
ACCT_B = _res(stack.STORAGE_ACCOUNT, "b")
BY_URN = {a.urn: stack.Account(a, "OUS", "test") for a in (ACCT_A, ACCT_B)}


def test_the_naming_input_decides_over_dependencies():
    child = _res(stack.BLOB_CONTAINER, "c", deps=[ACCT_A, ACCT_B], prop_deps={"accountName": [ACCT_B]})
    assert stack.account_of(child, BY_URN) is BY_URN[ACCT_B.urn]


def test_a_literal_beside_other_property_dependencies_belongs_to_no_account():
    # The engine leaves out a property with no dependencies (analyzer_plugin.go AnalyzeStack).
    group = _res(stack.RESOURCE_GROUP, "rg")
    child = _res(stack.BLOB_CONTAINER, "c", deps=[ACCT_A, group], prop_deps={"resourceGroupName": [group]})
    assert stack.account_of(child, BY_URN) is None


@pytest.mark.parametrize("kind", [stack.BLOB_CONTAINER, stack.BLOB_SERVICE, stack.MANAGEMENT_POLICY,
                                  stack.PRIVATE_ENDPOINT])
def test_a_child_naming_its_account_without_property_dependencies_is_undecidable(kind):
    # M1: depends_on is the program's say-so; a child that records no property dependency at all
    # (every input a literal) may name any account, so which one is its own can't be told.
    with pytest.raises(stack.Unattributed) as caught:
        stack.account_of(_res(kind, "c", deps=[ACCT_A]), BY_URN)
    assert "'c'" in caught.value.message and stack.ACCOUNT_PROPERTY[kind] in caught.value.message


def test_a_diagnostic_setting_without_property_dependencies_is_undecidable():
    # Review C #5: depending on the blob service says nothing about what resourceUri names (the file
    # service's setting takes the same StorageRead/Write/Delete categories).
    service = _res(stack.BLOB_SERVICE, "svc", deps=[ACCT_A], prop_deps={"accountName": [ACCT_A]})
    setting = _res("azure-native:monitor:DiagnosticSetting", "d", deps=[service])
    with pytest.raises(stack.Unattributed) as caught:
        stack.account_of(setting, BY_URN)
    assert "'d'" in caught.value.message and "resourceUri" in caught.value.message


def test_a_diagnostic_setting_through_its_blob_service():
    service = _res(stack.BLOB_SERVICE, "svc", deps=[ACCT_A, ACCT_B], prop_deps={"accountName": [ACCT_A]})
    setting = _res("azure-native:monitor:DiagnosticSetting", "d", deps=[service],
                   prop_deps={"resourceUri": [service]})
    assert stack.account_of(setting, BY_URN) is BY_URN[ACCT_A.urn]


def test_a_name_from_two_accounts_is_ambiguous():
    child = _res(stack.MANAGEMENT_POLICY, "m", prop_deps={"accountName": [ACCT_A, ACCT_B]})
    with pytest.raises(stack.Ambiguous) as caught:
        stack.account_of(child, BY_URN)
    assert "accountName from 2 storage accounts" in caught.value.message


def test_naming_properties_are_what_the_sdk_records():
    """The SDK (run under the offline engine) records each child's account-naming input under
    the key policies/stack.py reads."""
    from dpaguard.engine.runner import run_program

    def program():
        from pulumi_azure_native import monitor, network, storage

        account = storage.StorageAccount("sa", account_name="t", resource_group_name="rg", kind="StorageV2",
                                         location="norwayeast", sku=storage.SkuArgs(name="Standard_ZRS"))
        name = account.urn.apply(lambda _: "t")
        service = storage.BlobServiceProperties("svc", account_name=name, resource_group_name="rg",
                                                blob_services_name="default")
        storage.BlobContainer("c", account_name=name, resource_group_name="rg", container_name="c")
        storage.ManagementPolicy("m", account_name=name, resource_group_name="rg", management_policy_name="default",
                                 policy=storage.ManagementPolicySchemaArgs(rules=[]))
        network.PrivateEndpoint("pe", resource_group_name="rg", private_link_service_connections=[
            network.PrivateLinkServiceConnectionArgs(name="c", private_link_service_id=account.urn.apply(lambda _: "x"),
                                                     group_ids=["blob"])])
        monitor.DiagnosticSetting("d", resource_uri=service.urn.apply(lambda _: "x"), workspace_id="w")

    run = run_program(program, project="dpa-guard", stack="t")
    recorded = {r.type: {k for k, v in r.property_dependencies.items() if v} for r in run.resources
                if r.type.startswith("azure-native:") and r.type != stack.STORAGE_ACCOUNT}
    assert recorded == {
        stack.BLOB_SERVICE: {"accountName"},
        stack.BLOB_CONTAINER: {"accountName"},
        stack.MANAGEMENT_POLICY: {"accountName"},
        stack.PRIVATE_ENDPOINT: {"privateLinkServiceConnections"},
        "azure-native:monitor:DiagnosticSetting": {"resourceUri"},
    }
    assert {t: {stack.naming_property(_res(t, "x"))} for t in recorded} == recorded
