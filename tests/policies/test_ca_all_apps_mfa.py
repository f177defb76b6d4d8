"""identity-ca-all-apps-mfa against ScubaGear MS.AAD.3.2v2 (cisagov/ScubaGear baselines/aad.md).

MS.AAD.3.2v2: "MFA SHALL be enforced for all users."
Instructions, Option 2: "Users > Include > All users / Target resources > Include > All resources
(formerly 'All cloud apps') / Access controls > Grant > Grant Access > Require multifactor authentication";
Option 3 the built-in authentication strength "Multifactor authentication".
"""

from __future__ import annotations

import pytest

from policies.identity.ca_all_apps_mfa import POLICY
from tests.policies.ca_fixtures import MFA_DEVICE, changed
from tests.policies.entra_fixtures import (
    ALL_APPS_MFA,
    PHISHING_RESISTANT,
    assert_cites,
    assert_outcome,
    assert_tagged,
    ca,
    everyone_everywhere,
    plan,
    run_on_plan,
    run_one,
    shipped_meeting,
    verdicts,
)
from tests.policies.helpers import STACK_URN, failing_urns
from tests.policies.plans import SHIPPED_STACKS

BASELINE_ID = "MS.AAD.3.2v2"
BASELINE_SENTENCE = "MFA SHALL be enforced for all users."
MFA_STRENGTH = "/policies/authenticationStrengthPolicies/00000000-0000-0000-0000-000000000002"

CASES = [
    ("pass_option_2_require_mfa", ALL_APPS_MFA, "pass"),
    ("pass_option_3_mfa_strength", changed(ALL_APPS_MFA, (("grantControls",), {
        "operator": "OR", "authenticationStrengthPolicyId": MFA_STRENGTH})), "pass"),
    ("pass_phishing_resistant_strength", PHISHING_RESISTANT, "pass"),
    ("pass_mfa_and_device", changed(ALL_APPS_MFA, (("grantControls",), {
        "operator": "AND", "builtInControls": ["mfa", "compliantDevice"]})), "pass"),
    # The shape the older policies have: three app ids, not all resources.
    ("fail_three_apps_only", MFA_DEVICE, "fail"),
    ("fail_mfa_or_device", changed(ALL_APPS_MFA, (("grantControls", "builtInControls"), ["mfa", "compliantDevice"])),
     "fail"),
    ("fail_terms_of_use_only", changed(ALL_APPS_MFA, (("grantControls", "builtInControls"), []),
                                       (("grantControls", "termsOfUses"), ["tou"])), "fail"),
    ("fail_guests_excluded", changed(ALL_APPS_MFA, (("conditions", "users", "excludedGuestsOrExternalUsers"),
                                                    [{"guestOrExternalUserTypes": ["b2bCollaborationGuest"]}])),
     "fail"),
    ("fail_report_only", changed(ALL_APPS_MFA, (("state",), "enabledForReportingButNotEnforced")), "fail"),
    ("fail_only_windows", changed(ALL_APPS_MFA, (("conditions", "platforms"), {"includedPlatforms": ["windows"]})),
     "fail"),
]


@pytest.mark.parametrize(("case", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_cases(case, inputs, expected):
    assert_outcome(POLICY, inputs, expected)


def test_failing_resources_and_message():
    weak = ca("weak", changed(ALL_APPS_MFA, (("grantControls", "builtInControls"), ["mfa", "compliantDevice"])))
    evaluation = run_one(POLICY, weak, ca("three-apps", MFA_DEVICE))
    assert_cites(evaluation, BASELINE_ID, BASELINE_SENTENCE)  # the baseline's own words
    assert failing_urns(evaluation) == {weak.urn}
    assert failing_urns(run_one(POLICY, ca("three-apps", MFA_DEVICE))) == {STACK_URN}


def test_metadata_names_the_baseline():
    assert_tagged(POLICY, BASELINE_ID)


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_shipped_plan_meets_the_baseline(stack):
    meeting = shipped_meeting(stack, lambda i: (
        everyone_everywhere(i)
        and i["grantControls"].get("builtInControls") == ["mfa"]
    ))
    assert meeting == ["access-all-apps-mfa"], meeting
    assert verdicts(run_on_plan(POLICY, plan(stack))) == []
