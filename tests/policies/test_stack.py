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
