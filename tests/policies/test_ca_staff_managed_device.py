"""identity-ca-staff-managed-device against ScubaGear MS.AAD.3.7v1, scoped to the processor's staff (README "Entra ID baseline").

MS.AAD.3.7v1: "Managed devices SHOULD be required for authentication."
Instructions: "Users > Include > All users / Target resources > Include > All resources / Access
controls > Grant > Grant Access > Require device to be marked as compliant and Require Microsoft
Entra ID hybrid joined device > For multiple controls > Require one of the selected controls".
Here "All users" becomes the processor's own staff (every operator of the stack config, OUS-6.1.c):
the controllers' staff work from their own trusts' devices.
"""

from __future__ import annotations

import pytest

from policies.identity.ca_staff_managed_device import POLICY
from tests.policies.ca_fixtures import MFA_DEVICE, changed
from tests.policies.entra_fixtures import (
    ALL_APPS_MFA,
    REGISTER,
    STAFF,
    STAFF_DEVICE,
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
from tests.policies.helpers import STACK_URN, failing_urns, outcome
from tests.policies.plans import SHIPPED_STACKS

BASELINE_ID = "MS.AAD.3.7v1"
BASELINE_SENTENCE = "Managed devices SHOULD be required for authentication."
USERS = "conditions", "users", "includedUsers"
GRANT = "grantControls", "builtInControls"

CASES = [
    ("pass_baseline_grant_for_staff", STAFF_DEVICE, "pass"),
    ("pass_all_users", changed(STAFF_DEVICE, (USERS, ["All"])), "pass"),
    ("pass_compliant_only", changed(STAFF_DEVICE, (GRANT, ["compliantDevice"])), "pass"),
    ("fail_one_staff_member_missing", changed(STAFF_DEVICE, (USERS, STAFF[:1])), "fail"),
    ("fail_vpn_and_management_only", changed(STAFF_DEVICE, (("conditions", "applications", "includedApplications"),
                                                            ["797f4846-ba00-4fd7-ba43-dac1f8f63013"])), "fail"),
    ("fail_mfa_or_device", changed(STAFF_DEVICE, (GRANT, ["mfa", "compliantDevice"])), "fail"),
    ("fail_mfa_only", changed(STAFF_DEVICE, (GRANT, ["mfa"])), "fail"),
    ("fail_trusted_locations_exempt", changed(STAFF_DEVICE, (("conditions", "locations"), {
        "includedLocations": ["All"], "excludedLocations": ["AllTrusted"]})), "fail"),
    ("fail_report_only", changed(STAFF_DEVICE, (("state",), "enabledForReportingButNotEnforced")), "fail"),
]


@pytest.mark.parametrize(("case", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_cases(case, inputs, expected):
    assert_outcome(POLICY, inputs, expected)


def test_no_processor_staff_nothing_to_hold():
    assert outcome(run_one(POLICY, ca("mfa", ALL_APPS_MFA), reg={**REGISTER, "processorStaff": []})) == "pass"


def test_missing_register_fails_closed():
    # A register without processorStaff (older, or hand-made) names nobody: the policy fails, not passes.
    assert outcome(run_one(POLICY, ca("candidate", STAFF_DEVICE), reg={"breakGlass": []})) == "fail"


def test_failing_resources_and_message():
    weak = ca("weak", changed(STAFF_DEVICE, (USERS, STAFF[:1])))
    evaluation = run_one(POLICY, weak, ca("vpn", MFA_DEVICE))
    assert_cites(evaluation, BASELINE_ID, BASELINE_SENTENCE)  # the baseline's own words
    assert failing_urns(evaluation) == {weak.urn}
    assert STAFF[1] in evaluation.mandatory[0].message
    assert failing_urns(run_one(POLICY, ca("vpn", MFA_DEVICE))) == {STACK_URN}


def test_metadata_names_the_baseline():
    assert_tagged(POLICY, BASELINE_ID)


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_shipped_plan_meets_the_baseline_for_the_staff(stack):
    staff = operators_of(stack)
    assert staff, f"{stack} has no operators to hold to managed devices"
    meeting = shipped_meeting(stack, lambda i: (
        staff <= set(i["conditions"]["users"].get("includedUsers", []))
        and i["conditions"]["applications"].get("includedApplications") == ["All"]
        and sorted(i["grantControls"].get("builtInControls", [])) == ["compliantDevice", "domainJoinedDevice"]
        and i["grantControls"]["operator"] == "OR"
    ))
    assert meeting == ["access-staff-managed-device"], meeting
    assert verdicts(run_on_plan(POLICY, plan(stack))) == []
