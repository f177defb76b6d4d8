"""identity-ca-block-device-code-flow against ScubaGear MS.AAD.3.9v1 (cisagov/ScubaGear baselines/aad.md).

MS.AAD.3.9v1: "Device code authentication SHOULD be blocked."
Instructions: "Users > Include > All users / Target resources > Include > All resources (formerly
'All cloud apps') / Conditions > Authentication Flows > Configure > Yes > Select Device code flow /
Access controls > Grant > Block Access".
"""

from __future__ import annotations

import pytest

from policies.identity.ca_block_device_code_flow import POLICY
from tests.policies.ca_fixtures import changed
from tests.policies.entra_fixtures import (
    ALL_APPS_MFA,
    BLOCK_DEVICE_CODE,
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

BASELINE_ID = "MS.AAD.3.9v1"
BASELINE_SENTENCE = "Device code authentication SHOULD be blocked."
FLOWS = "conditions", "authenticationFlowTransferMethods"

CASES = [
    ("pass_baseline_instructions", BLOCK_DEVICE_CODE, "pass"),
    ("pass_case_insensitive", changed(BLOCK_DEVICE_CODE, (FLOWS, ["DeviceCodeFlow"])), "pass"),
    # ScubaGear compares TransferMethods == "deviceCodeFlow": a second method fails its check.
    ("fail_with_authentication_transfer", changed(BLOCK_DEVICE_CODE, (FLOWS, ["deviceCodeFlow",
                                                                              "authenticationTransfer"])), "fail"),
    ("fail_transfer_only", changed(BLOCK_DEVICE_CODE, (FLOWS, ["authenticationTransfer"])), "fail"),
    ("fail_no_flow_condition", changed(BLOCK_DEVICE_CODE, (FLOWS, None)), "fail"),
    ("fail_mfa_not_block", changed(BLOCK_DEVICE_CODE, (("grantControls", "builtInControls"), ["mfa"])), "fail"),
    ("fail_disabled", changed(BLOCK_DEVICE_CODE, (("state",), "disabled")), "fail"),
    ("fail_staff_excluded", changed(BLOCK_DEVICE_CODE, (("conditions", "users", "excludedUsers"),
                                                        ["20cf97cf-5a26-5768-b96e-f76672d8ad88"])), "fail"),
]


@pytest.mark.parametrize(("case", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_cases(case, inputs, expected):
    assert_outcome(POLICY, inputs, expected)


def test_failing_resources_and_message():
    weak = ca("weak", changed(BLOCK_DEVICE_CODE, (FLOWS, ["deviceCodeFlow", "authenticationTransfer"])))
    evaluation = run_one(POLICY, weak)
    assert_cites(evaluation, BASELINE_ID, BASELINE_SENTENCE)  # the baseline's own words
    assert failing_urns(evaluation) == {weak.urn}
    assert failing_urns(run_one(POLICY, ca("mfa", ALL_APPS_MFA))) == {STACK_URN}


def test_metadata_names_the_baseline():
    assert_tagged(POLICY, BASELINE_ID)


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_shipped_plan_meets_the_baseline(stack):
    meeting = shipped_meeting(stack, lambda i: (
        everyone_everywhere(i)
        and i["conditions"].get("authenticationFlowTransferMethods") == ["deviceCodeFlow"]
        and i["grantControls"].get("builtInControls") == ["block"]
    ))
    assert meeting == ["access-block-device-code-flow"], meeting
    assert verdicts(run_on_plan(POLICY, plan(stack))) == []
