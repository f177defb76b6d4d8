"""assessment-results.json: the package as NIST OSCAL 1.1 assessment results.

One result for the plan, one finding per clause (target type `objective-id`, target id the
clause id), one observation per policy or check that cites the clause, with the failing
resources as subjects and the page's clause section as relevant evidence. OSCAL's objective
status knows only `satisfied` and `not-satisfied` (OSCAL 1.1 assessment-results model,
`objective-status/state`); "not decidable from a plan" is `not-satisfied` with reason `other`,
and not applicable is additionally marked with implementation-status `not-applicable`;
dpa-guard's own status is kept in a `dpaguard-status` property. UUIDs are version 5, derived
from the stack, the generation time and the commit, so the same inputs give the same file.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from dpaguard.evidence.build import NOT_APPLICABLE, SATISFIED, VIOLATED, Evidence

OSCAL_VERSION = "1.1.3"
NS = "https://github.com/dpa-guard/dpa-guard/ns/oscal"
_ROOT = uuid.UUID("5d1c4c52-6c1f-4a4e-9a51-0c2f1b8f5e10")
SUBJECTS_PER_OBSERVATION = 50


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_ROOT, "\x1f".join(parts)))


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": name, "ns": NS, "value": value}


def document(ev: Evidence, html_name: str = "evidence.html") -> dict[str, Any]:
    run = (ev.stack, ev.generated, ev.commit)
    plan_resource = _uuid(*run, "agreements")
    observations: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    for c in ev.clauses:
        related = []
        for rule in c.rules:
            oid = _uuid(*run, "observation", c.clause.id, rule.engine, rule.rule)
            related.append({"observation-uuid": oid})
            bad = [(urn, msg) for urn, msg in rule.failed] + [(urn, msg) for urn, msg in rule.undecided]
            obs: dict[str, Any] = {
                "uuid": oid,
                "title": f"{rule.engine} {rule.rule}",
                "description": f"{rule.engine} {rule.enforcement} rule {rule.rule} ({rule.description or 'no description'}) "
                               f"ran on {len(rule.evaluated)} resource(s): {rule.passed} passed, {len(rule.failed)} "
                               f"failed, {len(rule.undecided)} undecided, {rule.not_applicable} not applicable.",
                "props": [_prop("engine", rule.engine), _prop("rule", rule.rule),
                          _prop("enforcement", rule.enforcement)],
                "methods": ["TEST"],
                "types": ["finding"] if bad else ["control-objective"],
                "collected": ev.generated,
                "relevant-evidence": [{"href": f"{html_name}#clause-{c.clause.id}",
                                       "description": f"The {c.clause.id} section of the evidence page."}],
            }
            if bad:
                obs["subjects"] = [{"subject-uuid": _uuid(*run, "subject", urn), "type": "resource",
                                    "title": urn[:500],
                                    "props": [_prop("result", "failed" if (urn, msg) in rule.failed else "undecided")],
                                    "remarks": msg[:2000] or "-"}
                                   for urn, msg in bad[:SUBJECTS_PER_OBSERVATION]]
            observations.append(obs)
        if not c.rules:
            oid = _uuid(*run, "observation", c.clause.id, "none")
            related.append({"observation-uuid": oid})
            observations.append({
                "uuid": oid, "title": f"{c.clause.id}: no automated rule",
                "description": f"No CrossGuard policy or checkov check cites {c.clause.id}: {c.reason}",
                "methods": ["EXAMINE"], "types": ["control-objective"], "collected": ev.generated,
                "relevant-evidence": [{"href": f"{html_name}#clause-{c.clause.id}",
                                       "description": f"The {c.clause.id} section of the evidence page."}],
            })
        status: dict[str, Any] = {
            "state": "satisfied" if c.status == SATISFIED else "not-satisfied",
            "reason": "pass" if c.status == SATISFIED else "fail" if c.status == VIOLATED else "other",
            "remarks": c.reason,
        }
        target: dict[str, Any] = {"type": "objective-id", "target-id": c.clause.id, "title": c.clause.demand,
                                  "status": status}
        if c.status == NOT_APPLICABLE:
            target["implementation-status"] = {"state": "not-applicable"}
        findings.append({
            "uuid": _uuid(*run, "finding", c.clause.id),
            "title": f"{c.clause.id}: {c.clause.demand}",
            "description": " / ".join(c.clause.norwegian) + f" [{c.clause.agreement} section {c.clause.section}]",
            "props": [_prop("dpaguard-status", c.status), _prop("agreement", c.clause.agreement)],
            "target": target,
            "related-observations": related,
        })
    result = {
        "uuid": _uuid(*run, "result"),
        "title": f"dpa-guard assessment of the plan of stack {ev.stack}",
        "description": f"Both engines (CrossGuard policy pack, checkov) on {ev.source}; access review on "
                       f"{ev.review.today}; audit log {ev.audit.state}.",
        "start": ev.generated,
        "end": ev.generated,
        "props": [_prop("stack", ev.stack), _prop("commit", ev.commit),
                  _prop("verdict", "violated" if ev.violated else "no-violation")],
        "reviewed-controls": {"control-selections": [
            {"include-controls": [{"control-id": c.clause.id} for c in ev.clauses]}]},
        "observations": observations,
        "findings": findings,
    }
    return {"assessment-results": {
        "uuid": _uuid(*run, "assessment-results"),
        "metadata": {
            "title": f"dpa-guard evidence: stack {ev.stack}",
            "last-modified": ev.generated,
            "version": ev.commit,
            "oscal-version": OSCAL_VERSION,
        },
        # The "assessment plan" is the clause list the agreements define (back-matter resource).
        "import-ap": {"href": f"#{plan_resource}"},
        "results": [result],
        "back-matter": {"resources": [{
            "uuid": plan_resource,
            "title": "Clause ids of the data processing agreements (CLAUSES.md)",
            "description": "The clauses assessed, with the Norwegian agreement texts they come from: "
                           + ", ".join(sorted({c.clause.source_file for c in ev.clauses})),
            "rlinks": [{"href": "../shared/agreements/CLAUSES.md", "media-type": "text/markdown"}],
        }]},
    }}


def render(ev: Evidence, html_name: str = "evidence.html") -> str:
    return json.dumps(document(ev, html_name), indent=1, ensure_ascii=False, sort_keys=False) + "\n"
