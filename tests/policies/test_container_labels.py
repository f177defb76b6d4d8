import pytest

from policies.governance.container_labels import POLICY
from tests.policies.helpers import failing_urns, fails_closed, outcome, run
from tests.policies.stores import ECG_ACCOUNT, ECG_RG, OUS_ACCOUNT, OUS_RG, UNKNOWN, container, register

BOTH = register(("OUS", "ECG"))


def labelled(name, account=OUS_ACCOUNT, group=OUS_RG, **meta):
    return container(name, account, group, **meta)


OUS_REC = dict(dpaguard_agreement="OUS", dpaguard_controller="ahus-mbt", dpaguard_data_class="recordings")

CASES = [
    ("pass_recordings", labelled("rec-ahus-mbt", **OUS_REC), False),
    ("pass_scores", labelled("scores-ahus-mbt", **{**OUS_REC, "dpaguard_data_class": "scores"}), False),
    ("pass_ecg", labelled("ecg-dr-a", ECG_ACCOUNT, ECG_RG, dpaguard_agreement="ECG", dpaguard_controller="dr-a",
                          dpaguard_data_class="ecg"), False),
    ("fail_no_metadata", labelled("rec-ahus-mbt"), True),
    ("fail_name_for_another_controller", labelled("rec-sus-mbt", **OUS_REC), True),
    ("fail_class_of_other_agreement", labelled("ecg-ahus-mbt", **{**OUS_REC, "dpaguard_data_class": "ecg"}), True),
    ("fail_other_agreements_group", labelled("rec-ahus-mbt", ECG_ACCOUNT, ECG_RG, **OUS_REC), True),
    ("fail_controller_signed_other_agreement", labelled("rec-dr-a", **{**OUS_REC, "dpaguard_controller": "dr-a"}),
     True),
    ("fail_controller_not_in_register", labelled("rec-nobody", **{**OUS_REC, "dpaguard_controller": "nobody"}), True),
]


@pytest.mark.parametrize(("case", "resource_", "fails"), CASES, ids=[c[0] for c in CASES])
def test_container(case, resource_, fails):
    evaluation = run(POLICY, resource_, register=BOTH)
    assert failing_urns(evaluation) == ({resource_.urn} if fails else set()), [f.message for f in evaluation.findings]


@pytest.mark.parametrize("value", [UNKNOWN, "[secret]"])
def test_unknown_metadata_fails_closed(value):
    assert fails_closed(run(POLICY, labelled("rec-ahus-mbt", **{**OUS_REC, "dpaguard_controller": value}),
                            register=BOTH))


def test_without_register_it_says_how_to_pass_it():
    evaluation = run(POLICY, labelled("rec-ahus-mbt", **OUS_REC))
    assert outcome(evaluation) == "unknown"
    assert "--policy-pack-config out/STACK/policy-config.json" in evaluation.mandatory[0].message


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, labelled("rec-sus-mbt", **OUS_REC), register=BOTH).mandatory
    assert finding.message.startswith("[ECG-6, OUS-6.2, OUS-3] ") and "'rec-ahus-mbt'" in finding.message
