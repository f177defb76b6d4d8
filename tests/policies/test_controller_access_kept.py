import datetime as dt

import pytest

from policies.authz import DENY_ASSIGNMENT
from policies.rbac import controller_access_kept as module
from policies.rbac.controller_access_kept import POLICY
from policies.stack import AZUREAD_GROUP
from tests.policies.helpers import STACK_URN, failing_urns, outcome, resource, run
from tests.policies.rbac_fixtures import (
    READER_ACTIONS,
    READER_GUID,
    UNKNOWN,
    UPLOADER_ACTIONS,
    UPLOADER_GUID,
    assignment,
    container,
    definitions,
    time_limit,
)
from tests.policies.registers import register

ENDS = "2027-09-01"
REC = container("rec-ahus-mbt")


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(module, "today", lambda: dt.date(2026, 6, 1))


def only_ahus():
    reg = register()
    reg["controllers"] = {k: v for k, v in reg["controllers"].items() if k in ("ahus-mbt", "old-mbt", "dr-lie")}
    return reg


def kept(**extra):
    return assignment("kept", REC, UPLOADER_GUID, condition=time_limit(UPLOADER_ACTIONS, ENDS), **extra)


CASES = [
    ("pass_uploader_on_own_container", [kept()], "pass"),
    ("pass_without_time_limit", [assignment("kept", REC, UPLOADER_GUID)], "pass"),
    ("fail_no_assignment", [], "fail"),
    ("fail_only_readers", [assignment("r", REC, READER_GUID, condition=time_limit(READER_ACTIONS, ENDS))], "fail"),
    ("fail_other_container", [assignment("k", container("rec-other"), UPLOADER_GUID)], "fail"),
    ("fail_ends_early", [assignment("k", REC, UPLOADER_GUID, condition=time_limit(UPLOADER_ACTIONS, "2026-12-01"))],
     "fail"),
    ("fail_user_principal", [kept(principalType="User")], "fail"),
    ("fail_builtin_role", [assignment("k", REC, "ba92f5b4-2d11-453d-a403-e96b0029c9fe")], "fail"),
    ("fail_deny_assignment", [kept(), resource(DENY_ASSIGNMENT, "deny", {"scope": REC})], "fail"),
    # An unknown (unset) scope reads as none: no access kept (rbac-assignment-scope refuses it too).
    ("fail_unknown_scope", [assignment("k", UNKNOWN, UPLOADER_GUID)], "fail"),
]


@pytest.mark.parametrize(("case", "resources", "expected"), CASES, ids=[c[0] for c in CASES])
def test_controller_access(case, resources, expected):
    evaluation = run(POLICY, *definitions(), *resources, register=only_ahus())
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_group_of_another_controller_does_not_count():
    group = resource(AZUREAD_GROUP, "access-sus-mbt-uploaders", {"displayName": "t-sus-mbt-uploaders"})
    evaluation = run(POLICY, *definitions(), group, kept(property_dependencies={"principalId": (group.urn,)}),
                     register=only_ahus())
    assert outcome(evaluation) == "fail"
    own = resource(AZUREAD_GROUP, "access-ahus-mbt-uploaders", {"displayName": "t-ahus-mbt-uploaders"})
    evaluation = run(POLICY, *definitions(), own, kept(property_dependencies={"principalId": (own.urn,)}),
                     register=only_ahus())
    assert outcome(evaluation) == "pass"


def test_exact_failing_urns():
    deny = resource(DENY_ASSIGNMENT, "deny", {"scope": REC})
    evaluation = run(POLICY, *definitions(), deny, register=only_ahus())
    assert failing_urns(evaluation) == {deny.urn, STACK_URN}


def test_ended_controllers_need_no_access():
    reg = only_ahus()
    reg["controllers"]["ahus-mbt"]["accessEnds"] = "2026-01-01"
    assert outcome(run(POLICY, *definitions(), register=reg)) == "pass"


def test_violation_names_clause_resource_and_fix():
    evaluation = run(POLICY, *definitions(), assignment("r", REC, READER_GUID), register=only_ahus())
    (finding,) = evaluation.mandatory
    assert finding.message.startswith("[OUS-11, ECG-6] ") and "'ahus-mbt'" in finding.message and "rec-ahus-mbt" in finding.message
    assert "uploader role" in finding.message
    assert finding.clauses == ("OUS-11", "ECG-6")


def test_principal_groups_prefer_the_analyzers_property_dependencies():
    from types import SimpleNamespace

    from policies.authz import principal_groups

    mine, other = (SimpleNamespace(resource_type=AZUREAD_GROUP, name=n) for n in ("mine", "other"))
    analyzed = SimpleNamespace(dependencies=[mine, other], property_dependencies={"principalId": [mine]})
    assert principal_groups(analyzed) == [mine]
    assert principal_groups(SimpleNamespace(dependencies=[other], property_dependencies={})) == [other]
