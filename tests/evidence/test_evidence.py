"""`dpaguard evidence` end to end, read back by a real browser and by compliance-trestle's OSCAL models.

Expensive parts run once per module: the shipped OUS plan (cached per session), one checkov run
(`dpaguard scan --format json`, reused by the evidence command through --checkov-report) and
the evidence command itself. What each clause's status must be is derived independently of
dpaguard/evidence: from `dpaguard check --format json` (CrossGuard) and the scan report
(checkov), plus literal facts of CLAUSES.md (the ECG ids do not apply to an OUS stack; OUS-6.3
and OUS-9 are procedural).

The screenshot is written under tmp_path (tests never write into the checkout); when
$DPAGUARD_TEST_ARTEFACTS names a directory (CI sets it to out/test-artefacts), the test also
copies it there so it outlives the run.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from dpaguard.cli import main
from dpaguard.evidence import browser
from tests.policies.plans import shipped_plan

STACK = "ous-kvalitetslab"
# CLAUSES.md, in its order (the authority; literal here so a parser bug cannot hide a clause)
CLAUSE_IDS = [
    "OUS-2", "OUS-3", "OUS-4.1", "OUS-4.2", "OUS-5", "OUS-6.a", "OUS-6.b", "OUS-6.1.a", "OUS-6.1.b", "OUS-6.1.c",
    "OUS-6.1.d", "OUS-6.1.e", "OUS-6.2", "OUS-6.3", "OUS-7", "OUS-8", "OUS-9", "OUS-11",
    "ECG-1.2", "ECG-3", "ECG-4", "ECG-6", "ECG-7", "ECG-6R", "ECG-7S", "ECG-8", "ECG-9", "ECG-10", "ECG-11",
]
ECG_IDS = {c for c in CLAUSE_IDS if c.startswith("ECG-")}
PROCEDURAL_OUS = {"OUS-6.3", "OUS-9"}
HOSTILE = '<img src="http://198.51.100.7/x.png"><script>fetch("http://198.51.100.7/")</script>'
FIXED = ["--generated-at", "2026-12-01T12:00:00Z", "--commit", "0123456789abcdef", "--today", "2026-12-01"]

# Evaluated in the page by Chromium: what a reader sees, as data.
READ_PAGE = """(() => {
  const rows = [...document.querySelectorAll('table.overview tr[data-clause]')]
      .map(r => [r.dataset.clause, r.dataset.status, r.querySelector('.badge').textContent]);
  const sections = [...document.querySelectorAll('section.clause[data-clause]')]
      .map(s => [s.dataset.clause, s.dataset.status, s.querySelector('blockquote[lang=nb]') !== null]);
  const verdict = document.getElementById('verdict');
  const box = verdict.getBoundingClientRect();
  return {rows, sections, verdict: verdict.dataset.verdict, verdictText: verdict.innerText,
          verdictOnFirstScreen: box.top >= 0 && box.bottom <= window.innerHeight,
          resources: performance.getEntriesByType('resource').map(e => e.name),
          svg: document.querySelectorAll('svg.topology rect').length,
          external: [...document.querySelectorAll('[src],link[href],[srcset]')].length};
})()"""


def _plan(tmp: Path, document: dict[str, Any], name: str) -> Path:
    path = tmp / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _artefact(path: Path, name: str) -> None:
    target = os.environ.get("DPAGUARD_TEST_ARTEFACTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, Path(target) / name)


def _review_violations(review: dict[str, Any]) -> set[str]:
    """Clauses the access review (`dpaguard review --json`) shows broken, read from its facts, not its flags:
    an ended agreement whose data is still provisioned breaks OUS-9 (ECG-11: return or delete at the end)."""
    today = review["today"]
    return {"OUS-9" if c["agreement"] == "OUS" else "ECG-11" for c in review["controllers"]
            if c["accessEnds"] is not None and c["accessEnds"] <= today and c["containers"]}


def _expected(check: dict[str, Any], scan: dict[str, Any], review: dict[str, Any]) -> set[str]:
    """Clauses a mandatory CrossGuard violation or a failed checkov check cites (OUS ones: the stack's),
    and those the access review shows broken."""
    bad = {c for v in check["violations"] if v["enforcement"] == "mandatory" for c in v["clauses"]}
    bad |= {c for r in scan["results"] if r["result"] == "failed" for c in r["clauses"]}
    return (bad | _review_violations(review)) - ECG_IDS


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    document = shipped_plan(STACK)
    if isinstance(document, str):
        pytest.fail(f"the shipped stack cannot be planned: {document}")
    tmp = tmp_path_factory.mktemp("evidence")
    plan = _plan(tmp, document, "plan.json")
    scan, check = tmp / "scan.json", tmp / "check.json"
    assert main(["scan", str(plan), "--format", "json", "--output", str(scan)]) in (0, 1)
    assert main(["check", str(plan), "--format", "json", "--output", str(check)]) in (0, 1)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        main(["review", "--stack", STACK, "--plan", str(plan), "--today", FIXED[-1], "--json"])
    review = json.loads(buffer.getvalue())
    # stolav-mbt signed 2021-11-29: OUS-8's five-year cap ended its access on 2026-11-29, and its
    # recordings container is still in the shipped program (stacks/Pulumi.ous-kvalitetslab.yaml)
    assert _review_violations(review) == {"OUS-9"}
    runs = []
    for i in (1, 2):
        out = tmp / f"run{i}"
        code = main(["evidence", "--stack", STACK, "--plan", str(plan), "--checkov-report", str(scan),
                     "--out", str(out), *FIXED])
        runs.append((code, out))
    return {"tmp": tmp, "plan": plan, "runs": runs, "review": review,
            "check": json.loads(check.read_text()), "scan": json.loads(scan.read_text())}


def test_same_inputs_give_the_same_bytes(baseline: dict[str, Any]) -> None:
    (code1, out1), (code2, out2) = baseline["runs"]
    assert code1 == code2
    for name in ("evidence.html", "assessment-results.json", "access-review.json"):
        assert (out1 / name).read_bytes() == (out2 / name).read_bytes(), name


def test_browser_shows_every_clause_with_its_status_and_loads_nothing(baseline: dict[str, Any]) -> None:
    code, out = baseline["runs"][0]
    page = out / "evidence.html"
    loaded = browser.load(page, READ_PAGE, screenshot=True)
    shot = baseline["tmp"] / "evidence-ous-kvalitetslab.png"
    shot.write_bytes(loaded.screenshot)
    _artefact(shot, shot.name)
    assert loaded.screenshot.startswith(b"\x89PNG\r\n\x1a\n")
    seen = loaded.value
    assert [r[0] for r in seen["rows"]] == CLAUSE_IDS
    assert [s[0] for s in seen["sections"]] == CLAUSE_IDS
    assert all(quoted for _c, _s, quoted in seen["sections"]), "every clause quotes its Norwegian wording"
    status = {c: s for c, s, _text in seen["rows"]}
    assert {c: s for c, s, _q in seen["sections"]} == status
    assert {c for c, s in status.items() if s == "not-applicable"} == ECG_IDS
    violated = _expected(baseline["check"], baseline["scan"], baseline["review"])
    assert {c for c, s in status.items() if s == "violated"} == violated
    assert PROCEDURAL_OUS - violated <= {c for c, s in status.items() if s == "not-decidable"}
    assert "OUS-9" in violated and code == 1  # the shipped stack today: stolav-mbt ended, data still there
    assert "OUS-9" in seen["verdictText"]
    assert set(status.values()) <= {"satisfied", "violated", "not-decidable", "not-applicable"}
    assert code == (1 if violated else 0)
    assert seen["verdict"] == ("violated" if violated else "no-violation")
    assert seen["verdictOnFirstScreen"]
    assert seen["svg"] >= 5, "the topology is drawn"
    # no network: the only request is the page itself; no element points anywhere
    assert loaded.requests == [loaded.url]
    assert seen["resources"] == [] and seen["external"] == 0


def test_oscal_validates_against_trestle_models(baseline: dict[str, Any]) -> None:
    from trestle.oscal import OSCAL_VERSION
    from trestle.oscal.assessment_results import AssessmentResults

    _code, out = baseline["runs"][0]
    document = json.loads((out / "assessment-results.json").read_text(encoding="utf-8"))
    model = AssessmentResults.parse_obj(document["assessment-results"])
    assert OSCAL_VERSION.startswith("1.1.") and model.metadata.oscal_version.__root__ == OSCAL_VERSION
    findings = model.results[0].findings or []
    assert [f.target.target_id for f in findings] == CLAUSE_IDS
    observations = {o.uuid for o in model.results[0].observations or []}
    for f in findings:
        assert f.related_observations and {r.observation_uuid for r in f.related_observations} <= observations
    states = {f.target.target_id: f.target.status.state.value for f in findings if f.target.status}
    violated = _expected(baseline["check"], baseline["scan"], baseline["review"])
    assert {c for c, s in states.items() if s == "not-satisfied"} >= violated | ECG_IDS | PROCEDURAL_OUS
    reasons = {f.target.target_id: f.target.status.reason for f in findings if f.target.status}
    assert reasons["OUS-9"] == "fail", "an ended agreement with its data still provisioned is a failed finding"


def test_mutated_plan_says_violated_on_the_first_screen(baseline: dict[str, Any],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    document = copy.deepcopy(shipped_plan(STACK))
    assert isinstance(document, dict)
    # TLS 1.0 on the recordings account: OUS-6.1.e (communication encrypted)
    account = next(r for r in document["resources"] if r["type"] == "azure-native:storage:StorageAccount")
    account["inputs"]["minimumTlsVersion"] = "TLS1_0"
    account.pop("outputs", None)  # re-derived from the inputs by the evaluator (A_READY)
    # and a hostile group name: markup that would fetch from the network if it were not escaped
    group = next(r for r in document["resources"] if r["type"] == "azuread:index/group:Group")
    group["inputs"]["displayName"] = HOSTILE
    group.pop("outputs", None)
    plan = _plan(baseline["tmp"], document, "mutated.json")
    out = baseline["tmp"] / "mutated"
    capsys.readouterr()
    code = main(["evidence", "--stack", STACK, "--plan", str(plan), "--no-checkov", "--out", str(out), "--screenshot",
                 *FIXED])
    printed = capsys.readouterr().out
    assert code == 1
    assert "VIOLATED OUS-6.1.e:" in printed
    assert (out / "evidence.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    _artefact(out / "evidence.png", "evidence-ous-kvalitetslab-violated.png")
    loaded = browser.load(out / "evidence.html", READ_PAGE)
    seen = loaded.value
    assert loaded.requests == [loaded.url] and seen["external"] == 0
    shown = browser.load(out / "evidence.html", "document.body.innerText").value
    assert HOSTILE in shown, "the hostile name is shown as text"
    assert seen["verdict"] == "violated" and seen["verdictOnFirstScreen"]
    assert "OUS-6.1.e" in seen["verdictText"]
    assert dict((c, s) for c, s, _t in seen["rows"])["OUS-6.1.e"] == "violated"


def test_audit_log_verified_and_tampering_shown(baseline: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    from dpaguard.gate import keys
    from dpaguard.gate.audit import AuditLog

    tmp = baseline["tmp"] / "audit"
    tmp.mkdir()
    key_file, log, checkpoints = tmp / "audit.key", tmp / "log" / "audit.log", tmp / "checkpoints"
    log.parent.mkdir()
    checkpoints.mkdir()
    key = keys.write_key_file(key_file, "audit key file")
    writer = AuditLog(str(log), key, str(checkpoints))
    writer.append({"action": "token.verify", "decision": "allow", "who": "Per Olsen", "reason": "mfa ok"})
    writer.append({"action": "totp.verify", "decision": "deny", "who": "brekk-glass-1", "reason": "bad code"})
    audit = ["--audit-log", str(log), "--audit-key", str(key_file), "--audit-checkpoints", str(checkpoints)]
    common = ["evidence", "--stack", STACK, "--plan", str(baseline["plan"]), "--no-checkov", *FIXED, *audit]
    read = """(() => ({state: document.querySelector('[data-audit-state]').dataset.auditState,
        decisions: [...document.querySelectorAll('h2#audit + p + table tbody tr')].map(r => r.cells[3].textContent),
        banner: document.querySelector('[data-audit=tampered]') !== null}))()"""

    main([*common, "--out", str(tmp / "ok")])
    seen = browser.load(tmp / "ok" / "evidence.html", read).value
    assert seen == {"state": "intact", "decisions": ["deny", "allow"], "banner": False}

    text = log.read_bytes()
    log.write_bytes(text.replace(b'"deny"', b'"allow"'))
    capsys.readouterr()
    assert main([*common, "--out", str(tmp / "bad")]) == 1
    assert "AUDIT LOG TAMPERED" in capsys.readouterr().out
    seen = browser.load(tmp / "bad" / "evidence.html", read).value
    assert seen["state"] == "tampered" and seen["banner"] is True and seen["decisions"] == []


@pytest.mark.parametrize("args, message", [
    (["--plan", "{missing}"], "cannot read"),
    (["--today", "2026-13-01"], "--today"),
    (["--generated-at", "yesterday"], "--generated-at"),
    (["--plan", "{other}"], "a plan of stack ecg247, not ous-kvalitetslab"),
    (["--audit-log", "x.log"], "go together"),
])
def test_bad_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                      message: str) -> None:
    other = shipped_plan("ecg247")
    assert isinstance(other, dict)
    paths = {"missing": str(tmp_path / "nope.json"), "other": str(_plan(tmp_path, other, "ecg.json"))}
    args = [a.format(**paths) for a in args]
    capsys.readouterr()
    code = main(["evidence", "--stack", STACK, "--no-checkov", "--out", str(tmp_path / "out"), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("dpaguard: error: ") and err.count("\n") == 1 and message in err
    assert not (tmp_path / "out").exists()


def test_checkov_report_of_another_plan_is_refused(baseline: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    document = copy.deepcopy(shipped_plan(STACK))
    assert isinstance(document, dict)
    account = next(r for r in document["resources"] if r["type"] == "azure-native:storage:StorageAccount")
    account["inputs"]["allowSharedKeyAccess"] = True
    account.pop("outputs", None)
    plan = _plan(baseline["tmp"], document, "shared-key.json")
    scan = baseline["tmp"] / "scan.json"
    capsys.readouterr()
    code = main(["evidence", "--stack", STACK, "--plan", str(plan), "--checkov-report", str(scan),
                 "--out", str(baseline["tmp"] / "stale"), *FIXED])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"dpaguard: error: {scan}: made from another plan") and err.count("\n") == 1
    assert not (baseline["tmp"] / "stale").exists()


def test_the_request_detector_sees_a_request(tmp_path: Path) -> None:
    """The no-network assertions above mean something only if a page that does fetch is caught."""
    page = tmp_path / "leak.html"
    page.write_text('<!DOCTYPE html><html><body><img src="http://198.51.100.7/x.png"></body></html>',
                    encoding="utf-8")
    loaded = browser.load(page)
    assert loaded.requests == [loaded.url, "http://198.51.100.7/x.png"]


def _audit_case(tmp: Path, name: str) -> tuple[Path, Path, Path, bytes]:
    from dpaguard.gate import keys

    base = tmp / name
    base.mkdir()
    key_file, log, checkpoints = base / "audit.key", base / "log" / "audit.log", base / "checkpoints"
    log.parent.mkdir()
    checkpoints.mkdir()
    return key_file, log, checkpoints, keys.write_key_file(key_file, "audit key file")


def test_audit_log_and_checkpoints_deleted_or_empty(tmp_path: Path) -> None:
    from dpaguard.evidence.auditlog import Source, summarise
    from dpaguard.gate.audit import AuditLog

    def state(key_file: Path, log: Path, checkpoints: Path) -> tuple[str, str]:
        summary = summarise(Source(log, checkpoints, key_file, False))
        return summary.state, summary.detail

    # entries, then the checkpoint dir emptied: the log can no longer vouch for its tail
    key_file, log, checkpoints, key = _audit_case(tmp_path, "no-checkpoint")
    AuditLog(str(log), key, str(checkpoints)).append({"action": "token.verify", "decision": "allow"})
    for f in checkpoints.iterdir():
        f.unlink()
    assert state(key_file, log, checkpoints)[0] == "tampered"
    checkpoints.rmdir()
    assert state(key_file, log, checkpoints)[0] == "tampered"

    # the log deleted, its checkpoint left
    key_file, log, checkpoints, key = _audit_case(tmp_path, "no-log")
    AuditLog(str(log), key, str(checkpoints)).append({"action": "token.verify", "decision": "allow"})
    log.unlink()
    assert state(key_file, log, checkpoints)[0] == "tampered"

    # both deleted: nothing recorded here; a warning, never "verified"
    for f in checkpoints.iterdir():
        f.unlink()
    checkpoints.rmdir()
    found, detail = state(key_file, log, checkpoints)
    assert found == "none" and "no gate decision recorded here" in detail and "verified" not in detail

    # an empty log and an empty checkpoint dir: nothing to verify
    key_file, log, checkpoints, key = _audit_case(tmp_path, "empty")
    log.write_bytes(b"")
    found, detail = state(key_file, log, checkpoints)
    assert found == "empty" and "no entries, no checkpoint" in detail and "verified" not in detail


def test_absent_audit_log_is_a_first_screen_warning_not_a_verdict(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from dpaguard.gate import keys

    key_file = tmp_path / "audit.key"
    keys.write_key_file(key_file, "audit key file")
    plan = shipped_plan(STACK)
    assert isinstance(plan, dict)
    # before stolav-mbt's end (2026-11-29), so no clause is violated and the exit code is the audit's alone
    fixed = [a if a != "2026-12-01" else "2026-11-01" for a in FIXED]
    out = tmp_path / "out"
    code = main(["evidence", "--stack", STACK, "--plan", str(_plan(tmp_path, plan, "plan.json")), "--no-checkov",
                 "--out", str(out), *fixed, "--audit-log", str(tmp_path / "gone.log"), "--audit-key", str(key_file),
                 "--audit-checkpoints", str(tmp_path / "gone-checkpoints")])
    assert "audit log none" in capsys.readouterr().out
    seen = browser.load(out / "evidence.html", """(() => {
        const w = document.querySelector('[data-audit=none]'); const box = w && w.getBoundingClientRect();
        return {warning: w ? w.innerText : null, onFirstScreen: !!w && box.bottom <= window.innerHeight,
                ous9: document.querySelector('tr[data-clause="OUS-9"]').dataset.status};
    })()""").value
    assert seen["warning"] is not None and "no gate decision recorded here" in seen["warning"]
    assert seen["onFirstScreen"]
    assert "verified:" not in seen["warning"].replace("not verified:", "")
    # no review finding of an ended agreement: OUS-9 stays a procedural clause
    assert seen["ous9"] == "not-decidable"
    assert code == 0


def test_a_failed_screenshot_leaves_the_previous_package(baseline: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    _code, out = baseline["runs"][0]
    package = tmp_path / "package"
    shutil.copytree(out, package)
    (package / "evidence.png").write_bytes(b"older screenshot")
    before = {p.name: p.read_bytes() for p in package.iterdir()}

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise browser.BrowserError("chromium crashed while printing")

    monkeypatch.setattr(browser, "load", broken)
    code = main(["evidence", "--stack", STACK, "--plan", str(baseline["plan"]), "--no-checkov", "--out",
                 str(package), "--screenshot", *FIXED[:2], "--commit", "fedcba9876543210", "--today", FIXED[-1]])
    assert code == 2
    assert {p.name: p.read_bytes() for p in package.iterdir()} == before  # nothing replaced, no staging left


def test_a_package_without_a_screenshot_drops_an_older_one(baseline: dict[str, Any], tmp_path: Path) -> None:
    _code, out = baseline["runs"][0]
    package = tmp_path / "package"
    shutil.copytree(out, package)
    (package / "evidence.png").write_bytes(b"a screenshot of another page")
    main(["evidence", "--stack", STACK, "--plan", str(baseline["plan"]), "--checkov-report",
          str(baseline["tmp"] / "scan.json"), "--out", str(package), *FIXED])
    assert sorted(p.name for p in package.iterdir()) == ["access-review.json", "assessment-results.json",
                                                          "evidence.html"]


def test_a_directory_in_the_way_replaces_nothing(baseline: dict[str, Any], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _code, out = baseline["runs"][0]
    package = tmp_path / "package"
    shutil.copytree(out, package)
    (package / "access-review.json").unlink()
    (package / "access-review.json").mkdir()
    before = {p.name: p.read_bytes() for p in package.iterdir() if p.is_file()}
    capsys.readouterr()
    code = main(["evidence", "--stack", STACK, "--plan", str(baseline["plan"]), "--no-checkov", "--out",
                 str(package), *FIXED[:2], "--commit", "fedcba9876543210", "--today", FIXED[-1]])
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if not line.startswith("dpaguard: warning:")]
    assert code == 2 and len(errors) == 1 and errors[0].endswith("access-review.json: it is a directory")
    assert {p.name: p.read_bytes() for p in package.iterdir() if p.is_file()} == before
    assert sorted(p.name for p in package.iterdir()) == ["access-review.json", "assessment-results.json",
                                                         "evidence.html"]
