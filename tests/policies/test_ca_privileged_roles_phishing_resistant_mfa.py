"""identity-ca-privileged-roles-phishing-resistant-mfa against ScubaGear MS.AAD.3.6v1 (cisagov/ScubaGear baselines/aad.md).

MS.AAD.3.6v1: "Phishing-resistant MFA SHALL be required for highly privileged roles."
Instructions: "Users > Include > Select users and groups > Directory roles > select each of the
roles listed in the Highly Privileged Roles section at the top of this document / Target resources >
Include > All resources / ... Require authentication strength > Phishing-resistant MFA".
Highly Privileged Roles: Global Administrator, Privileged Role Administrator, User Administrator,
SharePoint Administrator, Exchange Administrator, Hybrid Identity Administrator, Application
Administrator, Cloud Application Administrator.
"""

from __future__ import annotations

import pytest

from policies.identity.ca_privileged_roles_phishing_resistant_mfa import POLICY
from tests.policies.ca_fixtures import changed
from tests.policies.entra_fixtures import (
    ALL_APPS_MFA,
    HIGHLY_PRIVILEGED_ROLE_IDS,
    PHISHING_RESISTANT,
    PHISHING_RESISTANT_STRENGTH,
    PRIVILEGED_ROLES,
    assert_cites,
    assert_outcome,
    assert_tagged,
    ca,
    plan,
    run_on_plan,
    run_one,
    shipped_meeting,
    verdicts,
)
from tests.policies.helpers import STACK_URN, failing_urns
from tests.policies.plans import SHIPPED_STACKS

BASELINE_ID = "MS.AAD.3.6v1"
BASELINE_SENTENCE = "Phishing-resistant MFA SHALL be required for highly privileged roles."
ROLES = "conditions", "users", "includedRoles"

CASES = [
    ("pass_baseline_instructions", PRIVILEGED_ROLES, "pass"),
    ("pass_more_roles", changed(PRIVILEGED_ROLES, (ROLES, [*HIGHLY_PRIVILEGED_ROLE_IDS,
                                                           "194ae4cb-b126-40b2-bd5b-6091b380977d"])), "pass"),
    # The backstop must name the roles: ScubaGear counts only policies whose IncludeRoles hold all eight.
    ("fail_all_users_policy_is_no_backstop", PHISHING_RESISTANT, "fail"),
    ("fail_global_admin_missing", changed(PRIVILEGED_ROLES, (ROLES, HIGHLY_PRIVILEGED_ROLE_IDS[1:])), "fail"),
    ("fail_cloud_app_admin_missing", changed(PRIVILEGED_ROLES, (ROLES, HIGHLY_PRIVILEGED_ROLE_IDS[:-1])), "fail"),
    ("fail_plain_mfa", changed(PRIVILEGED_ROLES, (("grantControls",), {"operator": "OR", "builtInControls": ["mfa"]})),
     "fail"),
    ("fail_some_apps", changed(PRIVILEGED_ROLES, (("conditions", "applications", "includedApplications"),
                                                  ["797f4846-ba00-4fd7-ba43-dac1f8f63013"])), "fail"),
    ("fail_role_excluded", changed(PRIVILEGED_ROLES, (("conditions", "users", "excludedRoles"),
                                                      [HIGHLY_PRIVILEGED_ROLE_IDS[0]])), "fail"),
    ("fail_disabled", changed(PRIVILEGED_ROLES, (("state",), "disabled")), "fail"),
]


@pytest.mark.parametrize(("case", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_cases(case, inputs, expected):
    assert_outcome(POLICY, inputs, expected)


def test_failing_resources_and_message():
    weak = ca("weak", changed(PRIVILEGED_ROLES, (ROLES, HIGHLY_PRIVILEGED_ROLE_IDS[1:])))
    evaluation = run_one(POLICY, weak)
    assert_cites(evaluation, BASELINE_ID, BASELINE_SENTENCE)  # the baseline's own words
    assert failing_urns(evaluation) == {weak.urn}
    (finding,) = evaluation.mandatory
    assert "Global Administrator" in finding.message and BASELINE_ID in finding.message
    assert failing_urns(run_one(POLICY, ca("mfa", ALL_APPS_MFA))) == {STACK_URN}


def test_metadata_names_the_baseline():
    assert_tagged(POLICY, BASELINE_ID)


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_shipped_plan_meets_the_baseline(stack):
    meeting = shipped_meeting(stack, lambda i: (
        set(HIGHLY_PRIVILEGED_ROLE_IDS) <= set(i["conditions"]["users"].get("includedRoles", []))
        and i["conditions"]["applications"].get("includedApplications") == ["All"]
        and i["grantControls"].get("authenticationStrengthPolicyId") == PHISHING_RESISTANT_STRENGTH
    ))
    assert meeting == ["access-privileged-roles-phishing-resistant-mfa"], meeting
    assert verdicts(run_on_plan(POLICY, plan(stack))) == []
