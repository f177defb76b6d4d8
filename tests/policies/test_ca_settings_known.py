import pytest

from policies.identity.ca_settings_known import POLICY
from tests.policies.ca_fixtures import MFA_DEVICE, ca, changed
from tests.policies.helpers import failing_urns, fails_closed, run

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

CASES = [
    ("pass_literal_settings", MFA_DEVICE, False),
    ("fail_locations_from_an_output", changed(MFA_DEVICE, (("conditions", "locations"), UNKNOWN)), True),
    ("fail_grant_from_an_output", changed(MFA_DEVICE, (("grantControls", "operator"), UNKNOWN)), True),
]


@pytest.mark.parametrize(("case", "resource_", "fails"), CASES, ids=[c[0] for c in CASES])
def test_settings(case, resource_, fails):
    policy = ca("mfa", resource_)
    evaluation = run(POLICY, policy)
    assert failing_urns(evaluation) == ({policy.urn} if fails else set()), [f.message for f in evaluation.findings]


@pytest.mark.parametrize("value", [UNKNOWN, "[secret]"])
def test_whole_setting_unknown_fails_closed(value):
    assert fails_closed(run(POLICY, ca("mfa", changed(MFA_DEVICE, (("sessionControls",), value)))))
