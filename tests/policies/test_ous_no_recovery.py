import pytest

from policies.retention.ous_no_recovery import POLICY
from tests.policies.helpers import failing_urns, outcome, run
from tests.policies.stores import (
    ECG_ACCOUNT,
    OUS_ACCOUNT,
    OUS_RG,
    UNKNOWN,
    account,
    blob_service,
    ecg_store,
    named,
    ous_store,
    register,
    replace_inputs,
    resource_group,
)

REGISTER = register(("OUS",))
BLOB = f"{OUS_ACCOUNT}-blob"
URN = named(ous_store(), BLOB).urn


def changed(**inputs):
    return replace_inputs(ous_store(), BLOB, **inputs)


CASES = [
    ("pass_shipped_shape", ous_store(), set()),
    ("pass_soft_delete_off", changed(deleteRetentionPolicy={"enabled": False},
                                     containerDeleteRetentionPolicy={"enabled": False}), set()),
    ("pass_settings_absent", changed(isVersioningEnabled=..., deleteRetentionPolicy=..., containerDeleteRetentionPolicy=...,
                                     changeFeed=..., restorePolicy=...), set()),
    ("pass_short_change_feed", changed(changeFeed={"enabled": True, "retentionInDays": 1}), set()),
    ("fail_versioning", changed(isVersioningEnabled=True), {URN}),
    ("fail_long_soft_delete", changed(deleteRetentionPolicy={"enabled": True, "days": 14}), {URN}),
    ("fail_long_container_soft_delete", changed(containerDeleteRetentionPolicy={"enabled": True, "days": 3}), {URN}),
    ("fail_soft_delete_without_days", changed(deleteRetentionPolicy={"enabled": True}), {URN}),
    ("fail_point_in_time_restore", changed(restorePolicy={"enabled": True, "days": 1}), {URN}),
    ("fail_change_feed_forever", changed(changeFeed={"enabled": True}), {URN}),
    ("fail_automatic_snapshots", changed(automaticSnapshotPolicyEnabled=True), {URN}),
    ("fail_odd_days", changed(deleteRetentionPolicy={"enabled": True, "days": "2"}), {URN}),
    # ECG data is the other way round (ECG-7S): this policy leaves it alone.
    ("pass_ecg_store_is_not_ous", ecg_store(), set()),
]


@pytest.mark.parametrize(("case", "resources", "failing"), CASES, ids=[c[0] for c in CASES])
def test_stack(case, resources, failing):
    evaluation = run(POLICY, *resources, register=register(("OUS", "ECG")))
    assert failing_urns(evaluation) == failing, [f.message for f in evaluation.findings]


def test_agreement_from_data_group_name_when_untagged():
    untagged = [account(OUS_ACCOUNT, OUS_RG, "OUS", tags={}),
                blob_service(OUS_ACCOUNT, OUS_RG, isVersioningEnabled=True)]
    evaluation = run(POLICY, *untagged, register=register(("OUS", "ECG")))
    assert outcome(evaluation) == "fail"
    assert "data resource group 'rg-test-ous-data'" in evaluation.mandatory[0].message


def test_agreement_from_single_agreement_stack():
    stack = [resource_group("rg-misc", "OUS", data=False), account(OUS_ACCOUNT, "rg-misc", "OUS", tags={}),
             blob_service(OUS_ACCOUNT, "rg-misc", isVersioningEnabled=True)]
    stack[0] = resource_group("rg-misc", "OUS", data=False)
    stack = replace_inputs(stack, "rg-misc", tags={})
    assert outcome(run(POLICY, *stack, register=register(("OUS",)))) == "fail"
    assert outcome(run(POLICY, *stack, register=register(("OUS", "ECG")))) == "pass"


def test_cap_from_register():
    resources = changed(deleteRetentionPolicy={"enabled": True, "days": 5})
    loose = register(("OUS",), recordings={"maxAgeDays": 30, "maxSoftDeleteDays": 7})
    assert outcome(run(POLICY, *resources, register=loose)) == "pass"
    assert outcome(run(POLICY, *resources, register=REGISTER)) == "fail"
    assert outcome(run(POLICY, *resources, register=register(("OUS",), recordings=None))) == "fail"


@pytest.mark.parametrize("value", [UNKNOWN, "[secret]"])
def test_unknown_is_a_note(value):
    assert outcome(run(POLICY, *changed(isVersioningEnabled=value), register=REGISTER)) == "unknown"


def test_unknown_account_name_of_another_store_does_not_hide_this_one():
    resources = changed(isVersioningEnabled=True) + [account(UNKNOWN, "rg-x", "ECG")]
    evaluation = run(POLICY, *resources, register=REGISTER)
    assert failing_urns(evaluation) == {URN} and not evaluation.unknowns


def test_without_register_it_cannot_decide():
    assert outcome(run(POLICY, *ous_store())) == "unknown"


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, *changed(isVersioningEnabled=True), register=REGISTER).mandatory
    assert finding.message.startswith("[OUS-5]") and f"'{BLOB}'" in finding.message
    assert "isVersioningEnabled is true" in finding.message and "at most 2 days" in finding.message
    assert ECG_ACCOUNT not in finding.message
