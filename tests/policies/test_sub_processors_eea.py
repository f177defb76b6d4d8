import pytest

from policies.governance.sub_processors_eea import POLICY
from tests.policies.helpers import STACK_URN, failing_urns, outcome, run
from tests.policies.stores import UNKNOWN, register

MS = {"name": "Microsoft Norge AS", "country": "NO", "purpose": "hosting"}

CASES = [
    ("pass_norwegian", register(("ECG",), subProcessors=[MS]), set()),
    ("pass_eu_lower_case", register(("ECG",), subProcessors=[MS, {"name": "X", "country": "se"}]), set()),
    ("pass_ous_without_sub_processors", register(("OUS",), subProcessors=[]), set()),
    ("fail_us", register(("ECG",), subProcessors=[MS, {"name": "Y Inc", "country": "US"}]), {STACK_URN}),
    ("fail_uk_is_not_eea", register(("OUS",), subProcessors=[{"name": "Z Ltd", "country": "GB"}]), {STACK_URN}),
    ("fail_country_missing", register(("ECG",), subProcessors=[{"name": "Q"}]), {STACK_URN}),
    ("fail_ecg_without_sub_processors", register(("ECG",), subProcessors=[]), {STACK_URN}),
    ("fail_odd_entry", register(("ECG",), subProcessors=["Microsoft"]), {STACK_URN}),
]


@pytest.mark.parametrize(("case", "reg", "failing"), CASES, ids=[c[0] for c in CASES])
def test_register(case, reg, failing):
    evaluation = run(POLICY, register=reg)
    assert failing_urns(evaluation) == failing, [f.message for f in evaluation.findings]


def test_without_register_it_cannot_decide():
    assert outcome(run(POLICY)) == "unknown"


@pytest.mark.parametrize("value", [UNKNOWN, "[secret]"])
def test_unknown_country_is_a_note(value):
    assert outcome(run(POLICY, register=register(("ECG",), subProcessors=[{"name": "A", "country": value}]))) == "unknown"


def test_violation_names_clause_and_fix():
    (finding,) = run(POLICY, register=register(("ECG",), subProcessors=[MS, {"name": "Y Inc", "country": "US"}])).mandatory
    assert finding.message.startswith("[ECG-10, ECG-9]") and "'Y Inc'" in finding.message
    assert "outside the EEA" in finding.message
