import datetime as dt

import pytest

from policies.authz import parse_time_limit
from policies.rbac import access_ends_with_agreement as module
from policies.rbac.access_ends_with_agreement import POLICY
from tests.policies.helpers import STACK_URN, failing_urns, outcome, run
from tests.policies.rbac_fixtures import (
    OPERATOR_GUID,
    READER_ACTIONS,
    READER_GUID,
    RG,
    UNKNOWN,
    UPLOADER_ACTIONS,
    UPLOADER_GUID,
    assignment,
    container,
    definitions,
    eligibility,
    time_limit,
)
from tests.policies.registers import register

# ahus-mbt: OUS, accessEnds 2027-09-01; old-mbt: OUS, ended 2025-01-10; dr-lie: ECG, no end.
ENDS = "2027-09-01"
REC = container("rec-ahus-mbt")


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(module, "today", lambda: dt.date(2026, 6, 1))


def uploader(condition, scope=REC, **extra):
    return assignment("a", scope, UPLOADER_GUID, condition=condition, **extra)


CASES = [
    ("pass_documented_shape", uploader(time_limit(UPLOADER_ACTIONS, ENDS)), "pass"),
    ("pass_earlier_date", uploader(time_limit(UPLOADER_ACTIONS, "2027-01-01")), "pass"),
    ("pass_time_clause_alone", uploader(f"@Environment[UtcNow] DateTimeLessThan '{ENDS}T00:00:00.0Z'"), "pass"),
    ("pass_or_guard_form", uploader(
        f"(!(ActionMatches{{'{UPLOADER_ACTIONS[0]}'}} OR ActionMatches{{'{UPLOADER_ACTIONS[1]}'}})) "
        f"OR (@Environment[UtcNow] DateTimeLessThan '{ENDS}T00:00:00.0Z')"), "pass"),
    ("pass_wildcard_guard", uploader(time_limit(["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"],
                                                ENDS)), "pass"),
    ("pass_scores_container", assignment("a", container("scores-ahus-mbt"), READER_GUID,
                                         condition=time_limit(READER_ACTIONS, ENDS)), "pass"),
    ("pass_ecg_without_end", assignment("a", container("ecg-dr-lie"), READER_GUID), "pass"),
    ("pass_not_a_controller_container", assignment("a", container("logs"), READER_GUID), "pass"),
    ("pass_operator_at_rg", eligibility("a", RG, OPERATOR_GUID, {"type": "AfterDuration", "duration": "P90D"}), "pass"),
    ("fail_no_condition", uploader(None), "fail"),
    # Azure names compare without case: the ended controller's container spelt in capitals is still its
    ("fail_upper_case_container_without_condition", uploader(None, scope=container("REC-AHUS-MBT")), "fail"),
    ("fail_upper_case_ended_controller", assignment("a", container("REC-OLD-MBT"), READER_GUID,
                                                    condition=time_limit(READER_ACTIONS, "2025-01-10")), "fail"),
    ("fail_later_date", uploader(time_limit(UPLOADER_ACTIONS, "2027-09-02")), "fail"),
    # the agreement ends as its accessEnds day begins: later that day is access after the end
    ("fail_later_the_same_day", uploader(time_limit(UPLOADER_ACTIONS, ENDS).replace("T00:00:00.0Z", "T23:59:59.9Z")),
     "fail"),
    ("fail_time_without_zone", uploader(time_limit(UPLOADER_ACTIONS, ENDS).replace("T00:00:00.0Z", "T00:00:00")),
     "fail"),
    ("pass_before_the_day", uploader(time_limit(UPLOADER_ACTIONS, "2027-08-31").replace("T00:00:00.0Z",
                                                                                          "T23:59:59.9Z")), "pass"),
    ("fail_guard_misses_an_action", uploader(time_limit(UPLOADER_ACTIONS[:1], ENDS)), "fail"),
    ("fail_open_branch", uploader(f"(true) OR (@Environment[UtcNow] DateTimeLessThan '{ENDS}T00:00:00.0Z')"), "fail"),
    ("fail_two_time_clauses", uploader(
        f"(@Environment[UtcNow] DateTimeLessThan '{ENDS}') OR (@Environment[UtcNow] DateTimeLessThan '2099-01-01')"),
     "fail"),
    ("fail_greater_than", uploader(f"@Environment[UtcNow] DateTimeGreaterThan '{ENDS}'"), "fail"),
    ("fail_unreadable_date", uploader(time_limit(UPLOADER_ACTIONS, "soon")), "fail"),
    ("fail_condition_version_1", uploader(time_limit(UPLOADER_ACTIONS, ENDS), conditionVersion="1.0"), "fail"),
    ("fail_agreement_ended", assignment("a", container("rec-old-mbt"), UPLOADER_GUID,
                                        condition=time_limit(UPLOADER_ACTIONS, "2025-01-10")), "fail"),
    ("fail_pim_without_condition", eligibility("a", REC, UPLOADER_GUID, {"type": "AfterDuration", "duration": "P9D"}),
     "fail"),
    ("fail_builtin_role_with_guard", assignment("a", REC, "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
                                                condition=time_limit(READER_ACTIONS, ENDS)), "fail"),
    ("fail_odd_condition_type", uploader(["x"]), "fail"),
    # Unknown (unset in the program) reads as absent: no condition, so access never ends.
    ("fail_unknown_condition", uploader(UNKNOWN), "fail"),
    # No scope: not on a controller's container here (rbac-assignment-scope refuses it).
    ("pass_unknown_scope_is_another_policys", assignment("a", UNKNOWN, UPLOADER_GUID), "pass"),
    ("unknown_secret_condition", uploader("[secret]"), "unknown"),
]


@pytest.mark.parametrize(("case", "resource_", "expected"), CASES, ids=[c[0] for c in CASES])
def test_assignment(case, resource_, expected):
    evaluation = run(POLICY, *definitions(), resource_, register=register())
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_agreement_ending_today_leaves_no_access(monkeypatch):
    monkeypatch.setattr(module, "today", lambda: dt.date(2027, 9, 1))
    evaluation = run(POLICY, *definitions(), uploader(time_limit(UPLOADER_ACTIONS, ENDS)), register=register())
    assert outcome(evaluation) == "fail"


def test_exact_failing_urns():
    good = assignment("good", REC, UPLOADER_GUID, condition=time_limit(UPLOADER_ACTIONS, ENDS))
    late = assignment("late", container("scores-ahus-mbt"), READER_GUID, condition=time_limit(READER_ACTIONS, "2030-01-01"))
    ended = assignment("ended", container("rec-old-mbt"), UPLOADER_GUID)
    evaluation = run(POLICY, *definitions(), good, late, ended, register=register())
    assert failing_urns(evaluation) == {late.urn, ended.urn}
    assert STACK_URN not in failing_urns(evaluation)


def test_without_register_it_is_undecided():
    assert outcome(run(POLICY, *definitions(), uploader(None))) == "unknown"


def test_parse_time_limit_shapes():
    limit = parse_time_limit(time_limit(UPLOADER_ACTIONS, ENDS))
    assert limit and limit.until.startswith(ENDS) and limit.guarded == tuple(UPLOADER_ACTIONS)
    assert parse_time_limit("((a) OR (b)") is None
    assert parse_time_limit("@Resource[x] StringEquals 'y'") is None
    # Learn "Azure role assignment condition format and syntax": `||`/`&&`/NOT spell OR/AND/`!`, and
    # AND beside OR without parentheses is ambiguous: none of these ends access for sure
    good = time_limit(UPLOADER_ACTIONS, ENDS)
    assert parse_time_limit(f"{good} || (@Environment[UtcNow] DateTimeGreaterThan '2000-01-01T00:00:00.0Z')") is None
    guard, clock = good.strip()[1:-1].split(" OR ", 1)
    assert parse_time_limit(f"{guard} AND {guard} OR {clock}") is None
    spelt = parse_time_limit(good.replace(") OR (", ") || (").replace("!(ActionMatches", "NOT (ActionMatches"))
    assert spelt == limit


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, *definitions(), assignment("roles-ahus-mbt-uploader-data", REC, UPLOADER_GUID),
                     register=register()).mandatory
    assert "[OUS-8" in finding.message and "'roles-ahus-mbt-uploader-data'" in finding.message
    assert "2027-09-01" in finding.message and "DateTimeLessThan" in finding.message
    assert finding.clauses == ("OUS-8", "OUS-6.2", "ECG-7")


def test_an_access_end_that_is_not_a_date_is_a_violation():
    broken = register()
    broken["controllers"]["ahus-mbt"]["accessEnds"] = 20270901
    evaluation = run(POLICY, *definitions(), uploader(time_limit(UPLOADER_ACTIONS, ENDS)), register=broken)
    assert outcome(evaluation) == "fail"
    # through protobuf (a Struct) every number is a double, as the real analyzer sees it
    assert "accessEnds of 'ahus-mbt' is 20270901.0, not a date" in evaluation.mandatory[0].message
