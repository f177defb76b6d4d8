import pytest

from policies.governance.dedicated_store import POLICY
from tests.policies.helpers import failing_urns, outcome, run
from tests.policies.stores import (
    ECG_ACCOUNT,
    ECG_RG,
    OUS_ACCOUNT,
    OUS_RG,
    UNKNOWN,
    account,
    container,
    ecg_store,
    named,
    ous_store,
    register,
    replace_inputs,
    resource_group,
    tags,
    without,
)

BOTH = register(("OUS", "ECG"))
OUS_ACCT = f"acct-{OUS_ACCOUNT}"
ECG_ACCT = f"acct-{ECG_ACCOUNT}"
OUS_URN = named(ous_store(), OUS_ACCT).urn
ECG_URN = named(ecg_store(), ECG_ACCT).urn
STRAY = container("rec-ahus-mbt-2", ECG_ACCOUNT, ECG_RG, dpaguard_agreement="OUS", dpaguard_controller="ahus-mbt")
SHARED_RG = "rg-test-shared"

CASES = [
    ("pass_one_store_per_agreement", ous_store() + ecg_store(), set()),
    ("pass_group_outside_plan_named_as_data_group", without(ous_store(), OUS_RG), set()),
    ("fail_untagged_account", replace_inputs(ous_store(), OUS_ACCT, tags={}), {OUS_URN}),
    ("fail_two_agreements_in_one_account", replace_inputs(ous_store(), OUS_ACCT, tags=tags("OUS") | {
        "dpaguard-agreement": "OUS,ECG"}), {OUS_URN}),
    ("fail_agreement_not_served", ecg_store(), {ECG_URN}),
    ("fail_ecg_account_in_ous_group", ous_store() + [account(ECG_ACCOUNT, OUS_RG, "ECG")], {ECG_URN}),
    ("fail_shared_group", [resource_group(SHARED_RG, "OUS", data=False), account(OUS_ACCOUNT, SHARED_RG, "OUS")],
     {OUS_URN}),
    ("fail_group_outside_plan_not_a_data_group", [account(OUS_ACCOUNT, "rg-anything", "OUS")], {OUS_URN}),
    ("fail_account_without_group", [replace_inputs([account(OUS_ACCOUNT, OUS_RG, "OUS")], OUS_ACCT,
                                                   resourceGroupName=...)[0]], {OUS_URN}),
    # Containers of the wrong agreement or controller: governance-container-labels (resource policy).
    ("pass_stray_container_is_another_policys", ous_store() + ecg_store() + [STRAY], set()),
    ("fail_odd_tag_type", replace_inputs(ous_store(), OUS_ACCT, tags=["OUS"]), {OUS_URN}),
]


@pytest.mark.parametrize(("case", "resources", "failing"), CASES, ids=[c[0] for c in CASES])
def test_stack(case, resources, failing):
    reg = register(("OUS",)) if case == "fail_agreement_not_served" else BOTH
    evaluation = run(POLICY, *resources, register=reg)
    assert failing_urns(evaluation) == failing, [f.message for f in evaluation.findings]


@pytest.mark.parametrize("value", [UNKNOWN, "[secret]"])
def test_unknown_tag_is_a_note(value):
    resources = replace_inputs(ous_store(), OUS_ACCT, tags={"dpaguard-agreement": value})
    assert outcome(run(POLICY, *resources, register=BOTH)) == "unknown"


def test_violation_names_clause_resource_and_fix():
    resources = [resource_group(SHARED_RG, "OUS", data=False), account(OUS_ACCOUNT, SHARED_RG, "OUS")]
    (finding,) = run(POLICY, *resources, register=BOTH).mandatory
    assert finding.message.startswith("[OUS-3, ECG-6]") and f"'{OUS_ACCT}'" in finding.message
    assert f"'{SHARED_RG}' is not named rg-<prefix>-ous-data" in finding.message
    assert "put it there, tagged dpaguard-agreement=OUS" in finding.message
