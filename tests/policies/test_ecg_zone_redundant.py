import pytest

from policies.retention.ecg_zone_redundant import POLICY
from tests.policies.helpers import failing_urns, outcome, run
from tests.policies.stores import ECG_ACCOUNT, UNKNOWN, ecg_store, named, ous_store, register, replace_inputs

ACCOUNT = f"acct-{ECG_ACCOUNT}"
URN = named(ecg_store(), ACCOUNT).urn


def sku(value):
    return replace_inputs(ecg_store(), ACCOUNT, sku=value)


CASES = [
    ("pass_gzrs", ecg_store(), set()),
    ("pass_zrs", sku({"name": "Standard_ZRS"}), set()),
    ("pass_ragzrs", sku({"name": "Standard_RAGZRS"}), set()),
    ("pass_premium_zrs", sku({"name": "Premium_ZRS"}), set()),
    ("pass_ous_lrs_is_not_ecg", replace_inputs(ous_store(), "acct-testrec", sku={"name": "Standard_LRS"}), set()),
    ("fail_lrs", sku({"name": "Standard_LRS"}), {URN}),
    ("fail_grs", sku({"name": "Standard_GRS"}), {URN}),
    ("fail_no_sku", sku(...), {URN}),
    ("fail_odd_type", sku("Standard_ZRS"), {URN}),
]


@pytest.mark.parametrize(("case", "resources", "failing"), CASES, ids=[c[0] for c in CASES])
def test_stack(case, resources, failing):
    evaluation = run(POLICY, *resources, register=register(("OUS", "ECG")))
    assert failing_urns(evaluation) == failing, [f.message for f in evaluation.findings]


@pytest.mark.parametrize("value", [UNKNOWN, "[secret]"])
def test_unknown_is_a_note(value):
    assert outcome(run(POLICY, *sku({"name": value}), register=register(("ECG",)))) == "unknown"


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, *sku({"name": "Standard_LRS"}), register=register(("ECG",))).mandatory
    assert finding.message.startswith("[ECG-7S]") and f"'{ACCOUNT}'" in finding.message
    assert "Standard_LRS" in finding.message and "use Standard_ZRS" in finding.message
