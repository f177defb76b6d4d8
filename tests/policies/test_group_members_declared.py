import pytest

from policies.identity.group_members_declared import GROUP, GROUP_MEMBER, POLICY
from tests.policies.helpers import outcome, resource, run
from tests.policies.registers import BREAK_GLASS, DECLARED, UNDECLARED, register

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

CASES = [
    ("pass_declared_member", GROUP_MEMBER, {"groupObjectId": UNKNOWN, "memberObjectId": DECLARED[0]}, "pass"),
    ("pass_declared_upper_case", GROUP_MEMBER, {"groupObjectId": UNKNOWN, "memberObjectId": DECLARED[1].upper()},
     "pass"),
    ("pass_group_without_members", GROUP, {"displayName": "x", "securityEnabled": True}, "pass"),
    ("pass_group_declared_members", GROUP, {"members": DECLARED, "owners": [BREAK_GLASS[0]]}, "pass"),
    ("fail_undeclared_member", GROUP_MEMBER, {"groupObjectId": UNKNOWN, "memberObjectId": UNDECLARED}, "fail"),
    ("fail_break_glass_as_member", GROUP_MEMBER, {"memberObjectId": BREAK_GLASS[0]}, "fail"),
    ("fail_member_absent", GROUP_MEMBER, {"groupObjectId": UNKNOWN}, "fail"),
    ("fail_member_odd_type", GROUP_MEMBER, {"memberObjectId": 12}, "fail"),
    ("fail_group_undeclared_member", GROUP, {"members": [DECLARED[0], UNDECLARED]}, "fail"),
    ("fail_group_undeclared_owner", GROUP, {"owners": [UNDECLARED]}, "fail"),
    ("fail_dynamic_membership", GROUP, {"dynamicMembership": {"enabled": True, "rule": "user.department -eq \"X\""}},
     "fail"),
    ("pass_group_odd_types", GROUP, {"members": "x", "owners": 3, "dynamicMembership": "yes"}, "pass"),
    ("unknown_member", GROUP_MEMBER, {"groupObjectId": UNKNOWN, "memberObjectId": UNKNOWN}, "unknown"),
    ("unknown_secret_member", GROUP_MEMBER, {"memberObjectId": "[secret]"}, "unknown"),
    ("unknown_group_members", GROUP, {"members": [UNKNOWN]}, "unknown"),
]


@pytest.mark.parametrize(("case", "type_", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_members(case, type_, inputs, expected):
    evaluation = run(POLICY, resource(type_, "m", inputs), register=register())
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_without_register_it_is_undecided():
    assert outcome(run(POLICY, resource(GROUP_MEMBER, "m", {"memberObjectId": DECLARED[0]}))) == "unknown"


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, resource(GROUP_MEMBER, "access-ahus-readers-x", {"memberObjectId": UNDECLARED}),
                     register=register()).mandatory
    assert "[OUS-7" in finding.message and "'access-ahus-readers-x'" in finding.message and UNDECLARED in finding.message
    assert "confidentialityDeclaration" in finding.message
    assert finding.clauses == ("OUS-7", "OUS-6.2", "ECG-7")
