import pytest

from policies.governance.controller_isolation import POLICY
from tests.policies.helpers import STACK_URN, failing_urns, outcome, run
from tests.policies.stores import (
    ECG_ACCOUNT,
    ECG_RG,
    UNKNOWN,
    container,
    ecg_store,
    group,
    ous_store,
    register,
    replace_inputs,
    without,
)

BOTH = register(("OUS", "ECG"))
WRONG = container("ecg-dr-a", ECG_ACCOUNT, ECG_RG, dpaguard_controller="dr-b")

CASES = [
    ("pass_every_controller_isolated", ous_store() + ecg_store(), set()),
    ("fail_container_missing", without(ecg_store(), "ecg-dr-b") + ous_store(), {STACK_URN}),
    ("fail_readers_group_missing", without(ous_store(), "access-test-sus-mbt-readers") + ecg_store(), {STACK_URN}),
    ("fail_ecg_readers_group_missing", without(ecg_store(), "access-test-dr-b-readers") + ous_store(), {STACK_URN}),
    ("pass_ecg_needs_no_uploaders_group_of_its_own", ecg_store() + ous_store(), set()),
    ("fail_group_for_other_prefix_shape", without(ous_store(), "access-test-sus-mbt-readers")
     + [group("sus-mbt-readers")] + ecg_store(), {STACK_URN}),
    ("fail_container_in_other_agreements_account", without(ous_store(), "rec-sus-mbt")
     + [container("rec-sus-mbt", ECG_ACCOUNT, ECG_RG)] + ecg_store(), {STACK_URN}),
    # The stack policy never sees a name in preview: a container whose metadata names another
    # controller leaves dr-a without one (governance-container-labels refuses WRONG itself).
    ("fail_container_metadata_for_other_controller", without(ecg_store(), "ecg-dr-a") + [WRONG] + ous_store(),
     {STACK_URN}),
]


@pytest.mark.parametrize(("case", "resources", "failing"), CASES, ids=[c[0] for c in CASES])
def test_stack(case, resources, failing):
    evaluation = run(POLICY, *resources, register=BOTH)
    assert failing_urns(evaluation) == failing, [f.message for f in evaluation.findings]


def test_only_the_stacks_agreements_count():
    assert outcome(run(POLICY, *ous_store(), register=BOTH)) == "fail"
    assert outcome(run(POLICY, *ous_store(), register=register(("OUS",)))) == "pass"


def test_odd_register_entries_are_skipped():
    reg = register(("OUS",))
    reg["controllers"]["broken"] = ["OUS"]
    assert outcome(run(POLICY, *ous_store(), register=reg)) == "pass"


@pytest.mark.parametrize("value", [UNKNOWN, "[secret]"])
def test_unknown_group_name_is_a_note(value):
    resources = replace_inputs(ous_store(), "access-test-sus-mbt-readers", displayName=value)
    assert outcome(run(POLICY, *resources, register=register(("OUS",)))) == "unknown"


def test_violation_names_clause_resource_and_fix():
    resources = without(ous_store(), "rec-sus-mbt", "access-test-sus-mbt-uploaders")
    (finding,) = run(POLICY, *resources, register=register(("OUS",))).mandatory
    assert finding.message.startswith("[ECG-6, OUS-6.2]") and "'sus-mbt'" in finding.message
    assert "container 'rec-sus-mbt'" in finding.message and "'<prefix>-sus-mbt-uploaders'" in finding.message
