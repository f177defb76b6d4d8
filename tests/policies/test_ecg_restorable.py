import pytest

from policies.retention.ecg_restorable import POLICY
from tests.policies.helpers import failing_urns, fails_closed, run
from tests.policies.stores import ECG_ACCOUNT, UNKNOWN, ecg_store, named, ous_store, register, replace_inputs, without

BLOB = f"{ECG_ACCOUNT}-blob"
BLOB_URN = named(ecg_store(), BLOB).urn
ACCOUNT_URN = named(ecg_store(), f"acct-{ECG_ACCOUNT}").urn


def changed(**inputs):
    return replace_inputs(ecg_store(), BLOB, **inputs)


CASES = [
    ("pass_shipped_shape", ecg_store(), set()),
    ("pass_one_day", changed(deleteRetentionPolicy={"enabled": True, "days": 1}), set()),
    ("pass_ous_store_without_versions", ous_store(), set()),
    ("fail_no_blob_service", without(ecg_store(), BLOB), {ACCOUNT_URN}),
    ("fail_versioning_off", changed(isVersioningEnabled=False), {BLOB_URN}),
    ("fail_versioning_absent", changed(isVersioningEnabled=...), {BLOB_URN}),
    ("fail_soft_delete_off", changed(deleteRetentionPolicy={"enabled": False}), {BLOB_URN}),
    ("fail_soft_delete_no_days", changed(deleteRetentionPolicy={"enabled": True}), {BLOB_URN}),
    ("fail_container_soft_delete_absent", changed(containerDeleteRetentionPolicy=...), {BLOB_URN}),
    ("fail_odd_types", changed(isVersioningEnabled="true", deleteRetentionPolicy=[1]), {BLOB_URN}),
]


@pytest.mark.parametrize(("case", "resources", "failing"), CASES, ids=[c[0] for c in CASES])
def test_stack(case, resources, failing):
    evaluation = run(POLICY, *resources, register=register(("OUS", "ECG")))
    assert failing_urns(evaluation) == failing, [f.message for f in evaluation.findings]


@pytest.mark.parametrize("value", [UNKNOWN, "[secret]"])
def test_unknown_fails_closed(value):
    assert fails_closed(run(POLICY, *changed(isVersioningEnabled=value), register=register(("ECG",))))


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, *changed(isVersioningEnabled=False), register=register(("ECG",))).mandatory
    assert finding.message.startswith("[ECG-7S]") and f"'{BLOB}'" in finding.message
    assert "isVersioningEnabled is not true" in finding.message and "set isVersioningEnabled: true" in finding.message
