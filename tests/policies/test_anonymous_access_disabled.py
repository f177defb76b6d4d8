import pytest

from policies.storage.anonymous_access_disabled import BLOB_CONTAINER, POLICY, STORAGE_ACCOUNT
from tests.policies.helpers import outcome, resource, run
from tests.policies.stores import UNKNOWN

CASES = [
    ("pass_account_forbids", STORAGE_ACCOUNT, {"allowBlobPublicAccess": False}, "pass"),
    ("fail_account_allows", STORAGE_ACCOUNT, {"allowBlobPublicAccess": True}, "fail"),
    ("fail_account_absent", STORAGE_ACCOUNT, {}, "fail"),
    ("fail_account_string", STORAGE_ACCOUNT, {"allowBlobPublicAccess": "false"}, "fail"),
    ("unknown_account", STORAGE_ACCOUNT, {"allowBlobPublicAccess": UNKNOWN}, "unknown"),
    ("pass_container_none", BLOB_CONTAINER, {"publicAccess": "None"}, "pass"),
    ("pass_container_absent", BLOB_CONTAINER, {}, "pass"),
    ("fail_container_blob", BLOB_CONTAINER, {"publicAccess": "Blob"}, "fail"),
    ("fail_container_container", BLOB_CONTAINER, {"publicAccess": "Container"}, "fail"),
    ("fail_container_odd_type", BLOB_CONTAINER, {"publicAccess": 1}, "fail"),
    ("unknown_container_secret", BLOB_CONTAINER, {"publicAccess": "[secret]"}, "unknown"),
]


@pytest.mark.parametrize(("case", "type_", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_cases(case, type_, inputs, expected):
    evaluation = run(POLICY, resource(type_, "r", inputs))
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, resource(BLOB_CONTAINER, "ous-rec-ahus-mbt", {"publicAccess": "Blob"})).mandatory
    assert "[OUS-6.1.b" in finding.message and "'ous-rec-ahus-mbt'" in finding.message
    assert "set publicAccess: None" in finding.message
