"""`dpaguard review`: the access review flags what must be acted on, from the shipped OUS stack's plan.

Expectations are the stack file's own facts (stacks/Pulumi.ous-kvalitetslab.yaml): stolav-mbt
signed 2021-11-29, so OUS-8's five-year cap ended its access on 2026-11-29; ahus-mbt signed
2022-09-01 ends 2027-09-01; Ingrid Berg (b1af9a00-...) has no confidentiality declaration.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from dpaguard.cli import main
from tests.policies.plans import shipped_plan

STACK = "ous-kvalitetslab"
INGRID = "b1af9a00-ed3c-56d4-9125-e94f110733d4"
KARI = "0abbd512-3615-57d4-bd9a-bf8dae038f32"
MEMBER = "azuread:index/groupMember:GroupMember"


def _plan() -> dict[str, Any]:
    document = shipped_plan(STACK)
    if isinstance(document, str):
        pytest.fail(f"the shipped stack cannot be planned: {document}")
    return copy.deepcopy(document)


def _review(tmp_path: Path, capsys: pytest.CaptureFixture[str], document: dict[str, Any],
            today: str) -> tuple[int, dict[str, Any]]:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(document), encoding="utf-8")
    capsys.readouterr()
    code = main(["review", "--stack", STACK, "--plan", str(plan), "--today", today, "--json"])
    return code, json.loads(capsys.readouterr().out)


def _flags(review: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(f["severity"], f["clause"], f["controller"]) for f in review["flags"]}


def test_shipped_stack_ended_agreement_and_pending_declaration(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, review = _review(tmp_path, capsys, _plan(), "2026-12-01")
    assert code == 1
    assert _flags(review) == {("act", "OUS-9", "stolav-mbt"), ("note", "OUS-7", "-")}
    assert {f["who"] for f in review["flags"] if f["severity"] == "note"} == {f"Ingrid Berg (skårer, nyansatt) ({INGRID})"}
    ahus = {(g["principal"], g["kind"], g["until"]) for g in review["grants"] if g["controllers"] == ["ahus-mbt"]}
    assert ("ouskl-ahus-mbt-readers", "assignment", "2027-09-01") in ahus
    readers = next(g for g in review["grants"] if g["principal"] == "ouskl-ahus-mbt-readers")
    assert {(m["objectId"], m["declaration"]) for m in readers["members"]} == {(KARI, "2021-08-16")}
    assert [b["objectId"] for b in review["breakGlass"]] == ["33f80b93-4907-50fe-b3a5-3152c6c313f5",
                                                            "df496ef3-1ca8-5807-8535-c7de376d93af"]


def test_undeclared_member_and_expiry_within_30_days(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = _plan()
    # Ingrid added to the ahus readers group beside Kari, as a careless edit of the program would
    kari = next(r for r in document["resources"] if r["type"] == MEMBER and r["inputs"]["memberObjectId"] == KARI
                and "ahus-mbt-readers" in r["urn"])
    ingrid = copy.deepcopy(kari)
    ingrid["urn"] = kari["urn"].replace(KARI, INGRID)
    ingrid["name"] = kari["name"].replace(KARI, INGRID)
    ingrid["inputs"]["memberObjectId"] = INGRID
    ingrid.pop("outputs", None)
    document["resources"].append(ingrid)
    code, review = _review(tmp_path, capsys, document, "2027-08-15")
    assert code == 1
    flags = _flags(review)
    assert ("act", "OUS-7", "ahus-mbt") in flags  # member without declaration
    assert ("act", "OUS-8", "ahus-mbt") in flags  # access ends 2027-09-01, in 17 days
    soon = [f["what"] for f in review["flags"] if f["clause"] == "OUS-8" and f["controller"] == "ahus-mbt"]
    assert soon == ["access ends 2027-09-01, in 17 days: renew the agreement or prepare offboarding"]
    undeclared = [f for f in review["flags"] if f["clause"] == "OUS-7" and f["severity"] == "act"]
    # one per container the readers group reaches: ahus-mbt's recordings and scores
    assert {f["who"] for f in undeclared} == {f"Ingrid Berg (skårer, nyansatt) ({INGRID})"}
    assert sorted(f["what"].split(" on ", 1)[1].split(")", 1)[0] for f in undeclared) == [
        "ousklrec/rec-ahus-mbt", "ousklrec/scores-ahus-mbt"]


def test_plan_of_another_stack_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = shipped_plan("ecg247")
    assert isinstance(other, dict)
    plan = tmp_path / "ecg.json"
    plan.write_text(json.dumps(other), encoding="utf-8")
    capsys.readouterr()
    assert main(["review", "--stack", STACK, "--plan", str(plan)]) == 2
    err = capsys.readouterr().err
    assert err == f"dpaguard: error: {plan}: a plan of stack ecg247, not {STACK}\n"


def test_preview_json_gives_the_same_review(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = _plan()
    # the plan's resources as `pulumi preview --json` steps (display.PreviewDigest: steps[].newState is an
    # apitype.ResourceV3 with inputs, outputs, dependencies and propertyDependencies)
    preview = {"steps": [{"op": "create", "urn": r["urn"], "newState": {
        k: r[k] for k in ("urn", "type", "custom", "parent", "inputs", "outputs", "dependencies",
                          "propertyDependencies") if k in r}} for r in document["resources"]],
        "changeSummary": {"create": len(document["resources"])}}
    _code, from_plan = _review(tmp_path, capsys, document, "2026-12-01")
    _code, from_preview = _review(tmp_path, capsys, preview, "2026-12-01")
    assert from_preview == from_plan


def _eligibility_on_ahus(document: dict[str, Any], expiration: dict[str, str], start: str | None) -> None:
    """A PIM eligibility request for the operators' group on ahus-mbt's recordings container."""
    template = next(r for r in document["resources"] if r["type"] == "azure-native:authorization:PimRoleEligibilitySchedule")
    container = next(r["inputs"]["scope"] for r in document["resources"]
                     if r["type"] == "azure-native:authorization:RoleAssignment"
                     and r["inputs"]["scope"].endswith("/containers/rec-ahus-mbt"))
    request = copy.deepcopy(template)
    request["type"] = "azure-native:authorization:RoleEligibilityScheduleRequest"
    request["urn"] = template["urn"].rsplit("$", 1)[0] + \
        "$azure-native:authorization:RoleEligibilityScheduleRequest::ahus-long-eligibility"
    request["name"] = "ahus-long-eligibility"
    request["inputs"]["scope"] = container
    # scheduleInfo.expiration {type, endDateTime | duration} (Microsoft.Authorization
    # roleEligibilityScheduleRequests, RoleEligibilityScheduleRequestPropertiesScheduleInfo)
    request["inputs"]["scheduleInfo"] = {"expiration": expiration, **({"startDateTime": start} if start else {})}
    request.pop("outputs", None)
    document["resources"].append(request)


@pytest.mark.parametrize("expiration, start, until", [
    ({"type": "AfterDateTime", "endDateTime": "2028-06-30T00:00:00Z"}, None, "until 2028-06-30"),
    ({"type": "AfterDuration", "duration": "P1000D"}, "2026-12-01T00:00:00Z", "until 2029-08-27"),
])
def test_pim_eligibility_outliving_the_agreement_is_flagged(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            expiration: dict[str, str], start: str | None,
                                                            until: str) -> None:
    # ahus-mbt signed 2022-09-01: OUS-8's five-year cap ends its access on 2027-09-01
    document = _plan()
    _eligibility_on_ahus(document, expiration, start)
    code, review = _review(tmp_path, capsys, document, "2026-12-01")
    assert code == 1
    outlives = [f for f in review["flags"] if f["clause"] == "OUS-8" and f["controller"] == "ahus-mbt"]
    assert [(f["severity"], f["who"], f["violation"]) for f in outlives] == [("act", "ouskl-operators", True)]
    assert until in outlives[0]["what"] and "beyond the agreement's end 2027-09-01" in outlives[0]["what"]

    plan = tmp_path / "eligible.json"
    plan.write_text(json.dumps(document), encoding="utf-8")
    capsys.readouterr()
    code = main(["evidence", "--stack", STACK, "--plan", str(plan), "--no-checkov", "--out", str(tmp_path / "ev"),
                 "--today", "2026-12-01", "--generated-at", "2026-12-01T12:00:00Z", "--commit", "0"])
    printed = capsys.readouterr().out
    assert code == 1
    assert any(line.startswith("VIOLATED OUS-8: access review: ahus-mbt: PIM eligibility") for line in printed.splitlines())
    html = (tmp_path / "ev" / "evidence.html").read_text(encoding="utf-8")
    assert '<tr data-clause="OUS-8" data-status="violated">' in html


def test_eligibility_ending_with_the_agreement_is_not_flagged(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    document = _plan()
    _eligibility_on_ahus(document, {"type": "AfterDateTime", "endDateTime": "2027-08-31T00:00:00Z"}, None)
    _code, review = _review(tmp_path, capsys, document, "2026-12-01")
    assert [f for f in review["flags"] if f["clause"] == "OUS-8"] == []


def test_a_condition_with_a_free_branch_ends_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The date alone does not end access: a third OR branch that is always true grants it whatever
    # the date (Azure ABAC: a condition allows the action when any OR operand is true).
    document = _plan()
    code, review = _review(tmp_path, capsys, document, "2026-12-01")
    before = {(g["principal"], g["until"]) for g in review["grants"] if g["principal"] == "ouskl-ahus-mbt-readers"}
    assert before == {("ouskl-ahus-mbt-readers", "2027-09-01")}
    changed = 0
    for r in document["resources"]:
        condition = r["inputs"].get("condition") if r["type"] == "azure-native:authorization:RoleAssignment" else None
        if condition and "2027-09-01" in condition:
            r["inputs"]["condition"] = f"({condition} OR (@Environment[UtcNow] DateTimeGreaterThan '2000-01-01'))"
            changed += 1
    assert changed
    code, review = _review(tmp_path, capsys, document, "2026-12-01")
    after = {(g["until"], g["expiry"]) for g in review["grants"] if g["principal"] == "ouskl-ahus-mbt-readers"}
    assert after == {(None, "an ABAC condition that is not a recognised time limit, so no end in the plan "
                            "(removed with the agreement)")}


def test_a_data_action_the_time_limit_does_not_cover_has_no_end(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    # the reader role gains blob delete, which its assignments' conditions (blob read only) never end
    document = _plan()
    reader = next(r for r in document["resources"] if r["type"] == "azure-native:authorization:RoleDefinition"
                  and str(r["inputs"].get("roleName", "")).endswith(" reader"))
    delete = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete"
    reader["inputs"]["permissions"][0]["dataActions"].append(delete)
    code, review = _review(tmp_path, capsys, document, "2026-12-01")
    after = {(g["until"], g["expiry"]) for g in review["grants"] if g["principal"] == "ouskl-ahus-mbt-readers"}
    assert after == {(None, f"ABAC condition until 2027-09-01 leaves {delete} without an end (removed with the "
                            "agreement)")}
