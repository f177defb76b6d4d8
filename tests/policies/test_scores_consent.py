import pytest

from policies.governance.scores_consent import POLICY
from tests.policies.helpers import failing_urns, outcome, run
from tests.policies.stores import OUS_ACCOUNT, OUS_RG, UNKNOWN, container, ecg_store, ous_store, register

REGISTER = register(("OUS",))
NO_CONSENT = container("scores-sus-mbt", OUS_ACCOUNT, OUS_RG, dpaguard_controller="sus-mbt")
UNLISTED = container("scores-nobody", OUS_ACCOUNT, OUS_RG)
BY_CLASS = container("numbers", OUS_ACCOUNT, OUS_RG, dpaguard_data_class="scores", dpaguard_controller="sus-mbt")

CASES = [
    ("pass_consented_scores", ous_store(), set()),
    ("pass_no_scores_at_all", [r for r in ous_store() if r.name != "scores-ahus-mbt"], set()),
    ("pass_ecg_store", ecg_store(), set()),
    ("fail_scores_without_consent", ous_store() + [NO_CONSENT], {NO_CONSENT.urn}),
    ("fail_scores_for_unlisted_controller", ous_store() + [UNLISTED], {UNLISTED.urn}),
    ("fail_scores_by_data_class", ous_store() + [BY_CLASS], {BY_CLASS.urn}),
]


@pytest.mark.parametrize(("case", "resources", "failing"), CASES, ids=[c[0] for c in CASES])
def test_stack(case, resources, failing):
    evaluation = run(POLICY, *resources, register=REGISTER)
    assert failing_urns(evaluation) == failing, [f.message for f in evaluation.findings]


def test_consent_string_is_not_consent():
    reg = register(("OUS",))
    reg["controllers"]["ahus-mbt"]["scoresConsent"] = "true"
    assert outcome(run(POLICY, *ous_store(), register=reg)) == "fail"


def test_odd_register_fails_closed():
    assert outcome(run(POLICY, *ous_store(), register={"controllers": ["ahus-mbt"]})) == "fail"


@pytest.mark.parametrize("value", [UNKNOWN, "[secret]"])
def test_unknown_name_is_a_note(value):
    c = container("c", OUS_ACCOUNT, OUS_RG)
    from dataclasses import replace
    c = replace(c, inputs={**c.inputs, "containerName": value})
    assert outcome(run(POLICY, c, register=REGISTER)) == "unknown"


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, *ous_store(), NO_CONSENT, register=REGISTER).mandatory
    assert finding.message.startswith("[OUS-4.2]") and "'scores-sus-mbt'" in finding.message
    assert "scoresConsent: true" in finding.message and "remove the scores container" in finding.message
