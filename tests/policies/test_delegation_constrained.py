"""rbac-delegation-constrained: a grant of a role that can write role assignments carries Learn's delegation condition."""

from __future__ import annotations

import pytest

from policies.authz import ROLE_DEFINITION
from policies.rbac.delegation_constrained import POLICY, delegation_limits, matches
from tests.policies.helpers import failing_urns, outcome, resource, run, urn_of
from tests.policies.rbac_fixtures import (
    OPERATOR_GUID,
    READER_GUID,
    RG,
    SUB,
    UPLOADER_GUID,
    assignment,
    container,
    definition_inputs,
    definitions,
    eligibility,
    time_limit,
)

DEPLOYER_GUID = "6d1f5e0c-1b7a-5c55-9a8e-0b2b9d4f3e21"
# Microsoft Learn "Azure built-in roles": Owner, User Access Administrator, Role Based Access Control Administrator.
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
USER_ACCESS_ADMINISTRATOR = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
RBAC_ADMINISTRATOR = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
EXPIRES = {"type": "AfterDuration", "duration": "P90D"}
RA = "Microsoft.Authorization/roleAssignments"


def learn_condition(write_ids, delete_ids=None, *, write_extra="", delete_extra=""):
    """Microsoft Learn "Examples to delegate Azure role assignment management with conditions", Constrain roles
    (one-line PowerShell form); `*_extra` is an `AND ...` narrowing as in "Constrain roles and principal types"."""
    delete_ids = write_ids if delete_ids is None else delete_ids
    return (f"((!(ActionMatches{{'{RA}/write'}})) OR (@Request[{RA}:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals "
            f"{{{', '.join(write_ids)}}}{write_extra})) AND ((!(ActionMatches{{'{RA}/delete'}})) OR "
            f"(@Resource[{RA}:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{', '.join(delete_ids)}}}{delete_extra}))")


STACK_ROLES = (UPLOADER_GUID, READER_GUID)
GOOD = learn_condition(STACK_ROLES)


def role(name, guid, actions, not_actions=()):
    inputs = definition_inputs(name, guid, list(actions), [])
    inputs["permissions"][0]["notActions"] = list(not_actions)
    return resource(ROLE_DEFINITION, f"{name}-role", inputs)


def deployer(actions=(f"{RA}/read", f"{RA}/write", f"{RA}/delete", "Microsoft.Storage/storageAccounts/write"),
             not_actions=()):
    return role("deployer", DEPLOYER_GUID, actions, not_actions)


def deployer_eligibility(condition=GOOD, **extra):
    extra.setdefault("dependencies", (urn_of(ROLE_DEFINITION, "deployer-role"),))
    if condition is not None:
        extra = {"condition": condition, "conditionVersion": "2.0", **extra}
    return eligibility("roles-deployer-eligible", SUB, DEPLOYER_GUID, EXPIRES, **extra)


CONDITIONS = [
    ("pass_learn_constrain_roles", GOOD, "pass"),
    ("pass_narrowed_to_groups", learn_condition(
        STACK_ROLES,
        write_extra=f" AND @Request[{RA}:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {{'Group'}}",
        delete_extra=f" AND @Resource[{RA}:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {{'Group'}}"),
     "pass"),
    ("pass_multiline_upper_case_ids", "(\n (\n  !(ActionMatches{'" + RA + "/write'})\n )\n OR\n (\n  @Request[" + RA
     + ":RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {" + UPLOADER_GUID.upper() + "}\n )\n)\nAND\n(\n (\n  "
     "!(ActionMatches{'" + RA + "/delete'})\n )\n OR\n (\n  @Resource[" + RA + ":RoleDefinitionId] "
     "ForAnyOfAnyValues:GuidEquals {" + UPLOADER_GUID + "}\n )\n)", "pass"),
    ("fail_no_condition", None, "fail"),
    ("fail_write_only", f"((!(ActionMatches{{'{RA}/write'}})) OR (@Request[{RA}:RoleDefinitionId] "
     f"ForAnyOfAnyValues:GuidEquals {{{UPLOADER_GUID}}}))", "fail"),
    ("fail_delete_from_request", learn_condition(STACK_ROLES).replace("@Resource[", "@Request["), "fail"),
    ("fail_owner_listed", learn_condition((*STACK_ROLES, OWNER)), "fail"),
    ("fail_owner_removable", learn_condition(STACK_ROLES, (*STACK_ROLES, OWNER)), "fail"),
    ("fail_rbac_administrator_listed", learn_condition((RBAC_ADMINISTRATOR,)), "fail"),
    ("fail_itself_listed", learn_condition((*STACK_ROLES, DEPLOYER_GUID)), "fail"),
    ("fail_deny_list", learn_condition((OWNER,)).replace("GuidEquals", "GuidNotEquals"), "fail"),
    ("fail_top_level_or", GOOD.replace(")) AND ((", ")) OR ((", 1), "fail"),
    ("fail_guard_on_other_action", GOOD.replace(f"'{RA}/write'", f"'{RA}/read'"), "fail"),
    ("fail_time_limit_only", time_limit([f"{RA}/write"], "2027-01-01"), "fail"),
    ("fail_empty_set", learn_condition(()), "fail"),
    ("unknown_secret_condition", "[secret]", "unknown"),
]


@pytest.mark.parametrize(("case", "condition", "expected"), CONDITIONS, ids=[c[0] for c in CONDITIONS])
def test_deployer_eligibility_condition(case, condition, expected):
    evaluation = run(POLICY, *definitions(), deployer(), deployer_eligibility(condition))
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_condition_version_must_be_2():
    evaluation = run(POLICY, *definitions(), deployer(), deployer_eligibility(GOOD, conditionVersion="1.0"))
    assert outcome(evaluation) == "fail", [f.message for f in evaluation.findings]


ROLES = [
    ("fail_wildcard", ("*",), (), "fail"),
    ("fail_authorization_wildcard", ("Microsoft.Authorization/*",), (), "fail"),
    ("fail_write_wildcard_in_the_middle", ("Microsoft.Authorization/*/write",), (), "fail"),
    ("fail_case", ("microsoft.authorization/ROLEASSIGNMENTS/WRITE",), (), "fail"),
    # Contributor's shape (Microsoft Learn "Azure built-in roles"): `*` without Microsoft.Authorization/*/Write.
    ("pass_contributor_shape", ("*",), ("Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write"), "pass"),
    ("pass_read_only", (f"{RA}/read",), (), "pass"),
    ("pass_other_authorization_write", ("Microsoft.Authorization/policyAssignments/write",), (), "pass"),
]


@pytest.mark.parametrize(("case", "actions", "not_actions", "expected"), ROLES, ids=[c[0] for c in ROLES])
def test_unconditioned_grant_of_a_role_by_what_it_can_do(case, actions, not_actions, expected):
    evaluation = run(POLICY, *definitions(), deployer(actions, not_actions), deployer_eligibility(None))
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_a_role_that_assigns_roles_is_not_assignable_by_another():
    """A second assigning role of the plan in the allow-list would hand on the power to assign."""
    other_guid = "0f5c6c1e-7a53-5a7e-8d0e-6f2b1c3d4e5f"
    other = role("helper", other_guid, (f"{RA}/write",))
    other_grant = assignment("helper", RG, other_guid, condition=GOOD,
                             dependencies=(urn_of(ROLE_DEFINITION, "helper-role"),))
    bad = deployer_eligibility(learn_condition((*STACK_ROLES, other_guid)))
    assert failing_urns(run(POLICY, *definitions(), deployer(), other, bad, other_grant)) == {bad.urn}


@pytest.mark.parametrize("guid", [OWNER, USER_ACCESS_ADMINISTRATOR, RBAC_ADMINISTRATOR])
def test_built_ins_that_assign_roles_need_the_condition(guid):
    bare = assignment("builtin", RG, guid)
    constrained = assignment("builtin-constrained", RG, guid, condition=GOOD)
    assert failing_urns(run(POLICY, *definitions(), bare, constrained)) == {bare.urn}


def test_data_and_operator_grants_need_no_condition():
    grants = [
        assignment("uploaders", container("rec-a"), UPLOADER_GUID),
        assignment("readers", container("rec-a"), READER_GUID,
                   condition=time_limit(["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"],
                                        "2027-01-01")),
        eligibility("ops", RG, OPERATOR_GUID, EXPIRES),
    ]
    assert outcome(run(POLICY, *definitions(), *grants)) == "pass"


def test_violation_names_clause_resource_and_fix():
    evaluation = run(POLICY, *definitions(), deployer(), deployer_eligibility(None))
    (finding,) = evaluation.mandatory
    assert finding.clauses == ("OUS-6.2", "OUS-6.1.a", "ECG-7")
    assert "'roles-deployer-eligible'" in finding.message and "dpa-guard t deployer" in finding.message
    assert "carries no condition" in finding.message and "deployer_condition" in finding.message


def test_delegation_limits_and_matches():
    assert delegation_limits(GOOD) == (set(STACK_ROLES), set(STACK_ROLES))
    assert delegation_limits(learn_condition(STACK_ROLES, (UPLOADER_GUID,))) == (set(STACK_ROLES), {UPLOADER_GUID})
    assert delegation_limits("@Environment[UtcNow] DateTimeLessThan '2027-01-01T00:00:00.0Z'") == (None, None)
    assert matches("Microsoft.Authorization/*/Write", "microsoft.authorization/roleassignments/write")
    assert not matches("Microsoft.Authorization/roleAssignments/*", "microsoft.authorization/roledefinitions/write")
