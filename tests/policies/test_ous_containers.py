import pytest

from policies.governance.ous_containers import POLICY
from tests.policies.helpers import failing_urns, outcome, resource, run
from tests.policies.stores import (
    OUS_ACCOUNT,
    OUS_RG,
    UNKNOWN,
    container,
    ecg_store,
    ous_store,
    register,
    replace_inputs,
)

BOTH = register(("OUS", "ECG"))
MISC = container("misc", OUS_ACCOUNT, OUS_RG)
JOURNAL = container("rec-ahus-journal", OUS_ACCOUNT, OUS_RG)
ECG_CTL = container("rec-dr-a", OUS_ACCOUNT, OUS_RG)
TABLE = resource("azure-native:storage:Table", "tbl", {"accountName": OUS_ACCOUNT.upper(), "resourceGroupName": OUS_RG})
ECG_TABLE = resource("azure-native:storage:Table", "tbl", {"accountName": "testecg00", "resourceGroupName": "rg-x"})

CASES = [
    ("pass_recordings_and_scores", ous_store(), set()),
    ("pass_ecg_containers_are_not_ous", ecg_store() + [ECG_TABLE], set()),
    ("fail_other_container", ous_store() + [MISC], {MISC.urn}),
    ("fail_unknown_controller", ous_store() + [JOURNAL], {JOURNAL.urn}),
    ("fail_ecg_controller_in_ous_account", ous_store() + [ECG_CTL], {ECG_CTL.urn}),
    ("fail_class_mismatch", replace_inputs(ous_store(), "scores-ahus-mbt", metadata={"dpaguard_data_class": "recordings"}),
     {next(r for r in ous_store() if r.name == "scores-ahus-mbt").urn}),
    ("fail_table_in_ous_account", ous_store() + [TABLE], {TABLE.urn}),
    ("fail_odd_name", ous_store() + [container("x", OUS_ACCOUNT, OUS_RG)], {container("x", OUS_ACCOUNT, OUS_RG).urn}),
]


@pytest.mark.parametrize(("case", "resources", "failing"), CASES, ids=[c[0] for c in CASES])
def test_stack(case, resources, failing):
    evaluation = run(POLICY, *resources, register=BOTH)
    assert failing_urns(evaluation) == failing, [f.message for f in evaluation.findings]


@pytest.mark.parametrize("value", [UNKNOWN, "[secret]"])
def test_unknown_container_name_is_a_note(value):
    resources = replace_inputs(ous_store(), "rec-sus-mbt", containerName=value)
    assert outcome(run(POLICY, *resources, register=BOTH)) == "unknown"


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, *ous_store(), MISC, register=BOTH).mandatory
    assert finding.message.startswith("[OUS-2, OUS-3]") and "container 'misc'" in finding.message
    assert "neither a recordings" in finding.message and "remove it" in finding.message
