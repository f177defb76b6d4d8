"""identity-ca-block-high-user-risk against ScubaGear MS.AAD.2.1v1 (cisagov/ScubaGear baselines/aad.md).

MS.AAD.2.1v1: "Users detected as high risk SHALL be blocked."
Instructions: "Users > Include > All users / Target resources > Include > All resources (formerly
'All cloud apps') / Conditions > User risk > High / Access controls > Grant > Block Access".
License Requirements: "Requires a Microsoft Entra ID P2 license".
"""

from __future__ import annotations

import pytest

from policies.identity.ca_block_high_user_risk import POLICY
from tests.policies.ca_fixtures import changed
from tests.policies.entra_fixtures import (
    ALL_APPS_MFA,
    BLOCK_SIGN_IN_RISK,
    BLOCK_USER_RISK,
    assert_cites,
    assert_outcome,
    assert_tagged,
    ca,
    everyone_everywhere,
    plan,
    run_on_plan,
    run_one,
    shipped_meeting,
    stack_config,
    verdicts,
)
from tests.policies.helpers import STACK_URN, failing_urns
from tests.policies.plans import SHIPPED_STACKS

BASELINE_ID = "MS.AAD.2.1v1"
BASELINE_SENTENCE = "Users detected as high risk SHALL be blocked."

CASES = [
    ("pass_baseline_instructions", BLOCK_USER_RISK, "pass"),
    ("pass_medium_and_high", changed(BLOCK_USER_RISK, (("conditions", "userRiskLevels"), ["medium", "high"])), "pass"),
    ("fail_sign_in_risk_instead", BLOCK_SIGN_IN_RISK, "fail"),
    ("fail_medium_only", changed(BLOCK_USER_RISK, (("conditions", "userRiskLevels"), ["medium"])), "fail"),
    ("fail_mfa_instead_of_block", changed(BLOCK_USER_RISK, (("grantControls", "builtInControls"), ["mfa"])), "fail"),
    ("fail_also_needs_sign_in_risk", changed(BLOCK_USER_RISK, (("conditions", "signInRiskLevels"), ["high"])), "fail"),
    ("fail_some_apps", changed(BLOCK_USER_RISK, (("conditions", "applications", "includedApplications"),
                                                 ["797f4846-ba00-4fd7-ba43-dac1f8f63013"])), "fail"),
    ("fail_report_only", changed(BLOCK_USER_RISK, (("state",), "enabledForReportingButNotEnforced")), "fail"),
    ("fail_group_excluded", changed(BLOCK_USER_RISK, (("conditions", "users", "excludedGroups"),
                                                      ["0f1e2d3c-0000-4000-8000-00000000000a"])), "fail"),
]


@pytest.mark.parametrize(("case", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_cases(case, inputs, expected):
    assert_outcome(POLICY, inputs, expected)


def test_failing_resources_and_message():
    weak = ca("weak", changed(BLOCK_USER_RISK, (("grantControls", "builtInControls"), ["mfa"])))
    evaluation = run_one(POLICY, weak)
    assert_cites(evaluation, BASELINE_ID, BASELINE_SENTENCE)  # the baseline's own words
    assert failing_urns(evaluation) == {weak.urn}
    assert failing_urns(run_one(POLICY, ca("mfa", ALL_APPS_MFA))) == {STACK_URN}


def test_metadata_names_the_baseline():
    assert_tagged(POLICY, BASELINE_ID)


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_shipped_plan_meets_the_baseline(stack):
    assert stack_config(stack)["access"]["entraLicence"] == "P2"  # "Requires a Microsoft Entra ID P2 license"
    meeting = shipped_meeting(stack, lambda i: (
        everyone_everywhere(i)
        and i["conditions"].get("userRiskLevels") == ["high"]
        and i["grantControls"].get("builtInControls") == ["block"]
    ))
    assert meeting == ["access-block-high-user-risk"], meeting
    assert verdicts(run_on_plan(POLICY, plan(stack))) == []
