import pytest

from policies.identity.ca_exclusions_break_glass_only import POLICY
from tests.policies.ca_fixtures import MFA_DEVICE, UNKNOWN, ca, changed
from tests.policies.helpers import outcome, run
from tests.policies.registers import BREAK_GLASS, DECLARED, register

USERS = ("conditions", "users")

CASES = [
    ("pass_break_glass_users", MFA_DEVICE, "pass"),
    ("pass_no_exclusions", changed(MFA_DEVICE, (USERS + ("excludedUsers",), None)), "pass"),
    ("pass_break_glass_upper_case", changed(MFA_DEVICE, (USERS + ("excludedUsers",), [BREAK_GLASS[0].upper()])),
     "pass"),
    ("pass_break_glass_group", changed(MFA_DEVICE, (USERS + ("excludedGroups",), [BREAK_GLASS[1]])), "pass"),
    ("fail_staff_excluded", changed(MFA_DEVICE, (USERS + ("excludedUsers",), BREAK_GLASS + [DECLARED[0]])), "fail"),
    ("fail_group_excluded", changed(MFA_DEVICE, (USERS + ("excludedGroups",), ["44444444-4444-4444-4444-444444444444"])),
     "fail"),
    ("fail_role_excluded", changed(MFA_DEVICE, (USERS + ("excludedRoles",), ["62e90394-69f5-4237-9190-012177145e10"])),
     "fail"),
    ("fail_guests_excluded", changed(MFA_DEVICE, (USERS + ("excludedGuestsOrExternalUsers",),
                                                  [{"guestOrExternalUserTypes": ["b2bCollaborationGuest"]}])), "fail"),
    ("fail_guests_keyword", changed(MFA_DEVICE, (USERS + ("excludedUsers",), ["GuestsOrExternalUsers"])), "fail"),
    ("pass_odd_types", changed(MFA_DEVICE, (USERS + ("excludedUsers",), "x"), (USERS + ("excludedRoles",), 3)), "pass"),
    ("unknown_excluded_user", changed(MFA_DEVICE, (USERS + ("excludedUsers",), [UNKNOWN])), "unknown"),
    ("unknown_secret_groups", changed(MFA_DEVICE, (USERS + ("excludedGroups",), "[secret]")), "unknown"),
]


@pytest.mark.parametrize(("case", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_exclusions(case, inputs, expected):
    evaluation = run(POLICY, ca("mfa", inputs), register=register())
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_without_register_exclusions_are_undecided():
    assert outcome(run(POLICY, ca("mfa", MFA_DEVICE))) == "unknown"


def test_violation_names_clause_resource_and_fix():
    inputs = changed(MFA_DEVICE, (USERS + ("excludedUsers",), [DECLARED[0]]))
    (finding,) = run(POLICY, ca("mfa", inputs), register=register()).mandatory
    assert "OUS-6.1.d" in finding.message and "test: require MFA" in finding.message and DECLARED[0] in finding.message
    assert "exclude only access.breakGlass" in finding.message
    assert finding.clauses == ("OUS-6.1.d", "OUS-6.1.c", "OUS-6.1.a", "ECG-7")
