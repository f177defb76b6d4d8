import pytest

from policies.storage.tls_https_only import POLICY, STORAGE_ACCOUNT
from tests.policies.helpers import outcome, resource, run
from tests.policies.stores import UNKNOWN

GOOD = {"minimumTlsVersion": "TLS1_2", "enableHttpsTrafficOnly": True}

CASES = [
    ("pass_tls12_https", GOOD, "pass"),
    ("pass_tls13", {**GOOD, "minimumTlsVersion": "TLS1_3"}, "pass"),
    ("pass_https_absent_is_default_true", {"minimumTlsVersion": "TLS1_2"}, "pass"),
    ("fail_tls_absent_is_tls10", {"enableHttpsTrafficOnly": True}, "fail"),
    ("fail_tls11", {**GOOD, "minimumTlsVersion": "TLS1_1"}, "fail"),
    ("fail_http_allowed", {**GOOD, "enableHttpsTrafficOnly": False}, "fail"),
    ("fail_arm_name_http_allowed", {**GOOD, "supportsHttpsTrafficOnly": False}, "fail"),
    ("fail_https_string", {**GOOD, "enableHttpsTrafficOnly": "true"}, "fail"),
    ("unknown_tls", {**GOOD, "minimumTlsVersion": UNKNOWN}, "unknown"),
    ("unknown_https_secret", {**GOOD, "enableHttpsTrafficOnly": "[secret]"}, "unknown"),
]


@pytest.mark.parametrize(("case", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_storage_account(case, inputs, expected):
    evaluation = run(POLICY, resource(STORAGE_ACCOUNT, "acct", inputs))
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, resource(STORAGE_ACCOUNT, "ousklrec", {"minimumTlsVersion": "TLS1_0"})).mandatory
    assert "[OUS-6.1.e" in finding.message and "'ousklrec'" in finding.message
    assert "set minimumTlsVersion: TLS1_2" in finding.message
