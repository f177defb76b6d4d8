"""identity-ca-staff-managed-device-registration against ScubaGear MS.AAD.3.8v1, scoped to the processor's staff.

MS.AAD.3.8v1: "Managed Devices SHOULD be required to register MFA."
Instructions: "Users > Include > All users / Target resources > User actions > Register security
information / Access controls > Grant > Grant Access > Require device to be marked as compliant and
Require Microsoft Entra ID hybrid joined device > For multiple controls > Require one of the selected
controls". Here "All users" becomes the processor's staff (README "Entra ID baseline").
"""

from __future__ import annotations

import pytest

from policies.identity.ca_staff_managed_device_registration import POLICY
from tests.policies.ca_fixtures import changed
from tests.policies.entra_fixtures import (
    STAFF,
    STAFF_DEVICE,
    STAFF_REGISTRATION,
    assert_cites,
    assert_outcome,
    assert_tagged,
    ca,
    operators_of,
    plan,
    run_on_plan,
    run_one,
    shipped_meeting,
    verdicts,
)
from tests.policies.helpers import STACK_URN, failing_urns
from tests.policies.plans import SHIPPED_STACKS

BASELINE_ID = "MS.AAD.3.8v1"
BASELINE_SENTENCE = "Managed Devices SHOULD be required to register MFA."
ACTIONS = "conditions", "applications", "includedUserActions"

CASES = [
    ("pass_baseline_instructions_for_staff", STAFF_REGISTRATION, "pass"),
    ("pass_all_users", changed(STAFF_REGISTRATION, (("conditions", "users", "includedUsers"), ["All"])), "pass"),
    ("fail_register_device_action_instead", changed(STAFF_REGISTRATION, (ACTIONS, ["urn:user:registerdevice"])),
     "fail"),
    ("fail_all_apps_not_the_action", STAFF_DEVICE, "fail"),
    ("fail_staff_member_missing", changed(STAFF_REGISTRATION, (("conditions", "users", "includedUsers"), STAFF[1:])),
     "fail"),
    ("fail_mfa_suffices", changed(STAFF_REGISTRATION, (("grantControls", "builtInControls"),
                                                       ["mfa", "compliantDevice"])), "fail"),
    ("fail_disabled", changed(STAFF_REGISTRATION, (("state",), "disabled")), "fail"),
]


@pytest.mark.parametrize(("case", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_cases(case, inputs, expected):
    assert_outcome(POLICY, inputs, expected)


def test_failing_resources_and_message():
    weak = ca("weak", changed(STAFF_REGISTRATION, (("state",), "disabled")))
    evaluation = run_one(POLICY, weak)
    assert_cites(evaluation, BASELINE_ID, BASELINE_SENTENCE)  # the baseline's own words
    assert failing_urns(evaluation) == {weak.urn}
    assert failing_urns(run_one(POLICY, ca("device", STAFF_DEVICE))) == {STACK_URN}


def test_metadata_names_the_baseline():
    assert_tagged(POLICY, BASELINE_ID)


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_shipped_plan_meets_the_baseline_for_the_staff(stack):
    staff = operators_of(stack)
    meeting = shipped_meeting(stack, lambda i: (
        staff <= set(i["conditions"]["users"].get("includedUsers", []))
        and i["conditions"]["applications"].get("includedUserActions") == ["urn:user:registersecurityinfo"]
        and set(i["grantControls"].get("builtInControls", [])) & {"compliantDevice", "domainJoinedDevice"}
    ))
    assert meeting == ["access-staff-managed-device-registration"], meeting
    assert verdicts(run_on_plan(POLICY, plan(stack))) == []
