import pytest

from policies.retention.lifecycle_no_index_filter import POLICY
from tests.policies.helpers import failing_urns, fails_closed, run
from tests.policies.stores import OUS_ACCOUNT, OUS_RG, UNKNOWN, lifecycle, rule

TAGGED = rule("t", ["rec-"]) | {"definition": {"filters": {
    "blobTypes": ["blockBlob"], "prefixMatch": ["rec-"], "blobIndexMatch": [{"name": "done", "op": "==", "value": "1"}]},
    "actions": {"baseBlob": {"delete": {"daysAfterCreationGreaterThan": 1}}}}}

CASES = [
    ("pass_prefix_rules", lifecycle(OUS_ACCOUNT, OUS_RG, [rule("r", ["rec-"])]), set()),
    ("pass_no_rules", lifecycle(OUS_ACCOUNT, OUS_RG, []), set()),
    ("fail_index_filter", lifecycle(OUS_ACCOUNT, OUS_RG, [rule("r", ["rec-"]), TAGGED]), {"x"}),
]


@pytest.mark.parametrize(("case", "resource_", "failing"), CASES, ids=[c[0] for c in CASES])
def test_rules(case, resource_, failing):
    evaluation = run(POLICY, resource_)
    assert failing_urns(evaluation) == ({resource_.urn} if failing else set()), [f.message for f in evaluation.findings]


def test_unknown_filter_fails_closed():
    odd = rule("u", ["rec-"]) | {"definition": {"filters": {"blobTypes": ["blockBlob"], "blobIndexMatch": UNKNOWN}}}
    assert fails_closed(run(POLICY, lifecycle(OUS_ACCOUNT, OUS_RG, [odd])))


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, lifecycle(OUS_ACCOUNT, OUS_RG, [TAGGED])).mandatory
    assert finding.message.startswith("[OUS-4.1, OUS-5, ECG-4] ") and "['t']" in finding.message
