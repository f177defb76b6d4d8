"""`dpaguard scan`: checkov over the rendered template, beside the CrossGuard verdicts.

A checkov record is tied back to the plan resource it came from by the line it starts on
(`render.Template.text` knows where each resource is), so every result names a Pulumi URN,
and carries clause ids: a custom check's own, or a built-in check's from
policies/checkov/builtin_clauses.yaml. The side-by-side then compares, per resource and
clause, what the CrossGuard pack said (violation, can't decide, nothing) with what checkov
said (failed, passed, no check for it).

SARIF and JUnit reuse dpaguard/checking/report.py's writers: checkov's records are turned
into the same `Evaluation` (findings, evaluated pairs, not-applicable entries for the
skipped built-in checks) with one pseudo-policy per check, and each engine gets its own
SARIF run / JUnit suite.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from xml.etree import ElementTree as ET

from dpaguard.arm import checkov
from dpaguard.arm.checks import Catalogue
from dpaguard.arm.render import Template

PASSED, FAILED = "passed", "failed"


@dataclass(frozen=True)
class Result:
    """One checkov record, tied to the plan."""

    check_id: str
    name: str
    origin: str
    """built-in | custom"""
    clauses: tuple[str, ...]
    result: str
    """passed | failed"""
    resource: str
    """checkov's resource id: `type.name` (or `parameter.x`)."""
    arm_type: str
    urn: str | None
    """The plan resource; None for the nested deployments dpaguard adds and for parameters."""
    pulumi_name: str | None
    line: int

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check_id, "name": self.name, "origin": self.origin, "clauses": list(self.clauses),
                "result": self.result, "resource": self.resource, "urn": self.urn, "line": self.line}


def run_checkov(root: Path, templates: Mapping[str, Template],
                catalogue: Catalogue) -> tuple[checkov.Run, dict[str, list[Result]]]:
    """One checkov run over several templates (`name` -> template): the results of each."""
    with tempfile.TemporaryDirectory(prefix="dpaguard-arm-") as tmp:
        directory = Path(tmp)
        for name, template in templates.items():
            (directory / f"{name}.json").write_text(template.text(), encoding="utf-8")
        run = checkov.arm_scan(root, directory, external_checks=catalogue.directory, skip=sorted(catalogue.skips))
    if run.parsing_errors:
        raise checkov.CheckovError(f"checkov could not parse the rendered template(s): {', '.join(run.parsing_errors)}")
    out: dict[str, list[Result]] = {name: [] for name in templates}
    arm = run.report("arm")
    lines = {name: template.by_line() for name, template in templates.items()}
    for record, result in [(r, FAILED) for r in arm.failed] + [(r, PASSED) for r in arm.passed]:
        name = Path(str(record.get("file_path", ""))).stem
        if name not in templates:
            continue
        line = int((record.get("file_line_range") or [0])[0])
        rendered = lines[name].get(line)
        check_id = str(record.get("check_id"))
        check_name = str(record.get("check_name", ""))
        resource = str(record.get("resource", ""))
        out[name].append(Result(
            check_id=check_id,
            name=check_name,
            origin=catalogue.origin(check_id),
            clauses=catalogue.clauses(check_id, check_name),
            result=result,
            resource=resource,
            arm_type=rendered.arm_type if rendered else resource.rsplit(".", 1)[0],
            urn=rendered.urn if rendered else None,
            pulumi_name=rendered.pulumi_name if rendered else None,
            line=line,
        ))
    for results in out.values():
        results.sort(key=lambda r: (r.result != FAILED, r.line, _id_key(r.check_id)))
    return run, out


# ------------------------------------------------------------------------------- side by side


@dataclass(frozen=True)
class Pair:
    urn: str
    label: str
    clause: str
    crossguard: str
    """violation | unknown | none (no violation reported)"""
    crossguard_policies: tuple[str, ...]
    checkov: str
    """failed | passed | - (no check for this clause ran on it) | n/a (no ARM form)"""
    checkov_checks: tuple[str, ...]

    @property
    def agreement(self) -> str:
        cg, ck = self.crossguard, self.checkov
        if cg == "unknown":
            return "undecided"
        if ck in ("-", "n/a"):
            return "CrossGuard only" if cg == "violation" else "-"
        if (cg == "violation") == (ck == "failed"):
            return "agree"
        return "checkov only" if ck == "failed" else "CrossGuard only"

    def to_json(self) -> dict[str, Any]:
        return {"urn": self.urn, "resource": self.label, "clause": self.clause, "crossguard": self.crossguard,
                "crossguardPolicies": list(self.crossguard_policies), "checkov": self.checkov,
                "checkovChecks": list(self.checkov_checks), "agreement": self.agreement}


def side_by_side(template: Template, results: Sequence[Result], evaluation: Any) -> list[Pair]:
    """Per (resource, clause): the CrossGuard verdict beside checkov's, wherever either engine has one."""
    labels: dict[str, str] = {}
    order: dict[str, int] = {}
    for i, rendered in enumerate(template.resources):
        labels[rendered.urn] = f"{rendered.pulumi_name} ({rendered.arm_type})"
        order[rendered.urn] = i
    for i, s in enumerate(template.skipped):
        labels[s.urn] = f"{s.name} ({s.token}, no ARM form)"
        order.setdefault(s.urn, len(template.resources) + i)
    skipped = {s.urn for s in template.skipped}

    cg: dict[tuple[str, str], dict[str, set[str]]] = {}
    for f in evaluation.findings:
        if f.urn not in labels:
            continue
        for clause in f.clauses:
            kinds = cg.setdefault((f.urn, clause), {"violation": set(), "unknown": set()})
            kinds["violation" if f.kind == "violation" else "unknown"].add(f.policy)
    ck: dict[tuple[str, str], dict[str, set[str]]] = {}
    for r in results:
        if r.urn is None:
            continue
        for clause in r.clauses:
            ck.setdefault((r.urn, clause), {PASSED: set(), FAILED: set()})[r.result].add(r.check_id)

    pairs: list[Pair] = []
    for key in sorted(set(cg) | set(ck), key=lambda k: (order.get(k[0], 1 << 30), k[1])):
        urn, clause = key
        c = cg.get(key, {"violation": set(), "unknown": set()})
        k = ck.get(key, {PASSED: set(), FAILED: set()})
        crossguard = "violation" if c["violation"] else "unknown" if c["unknown"] else "none"
        if urn in skipped:
            verdict = "n/a"
        else:
            verdict = FAILED if k[FAILED] else PASSED if k[PASSED] else "-"
        # name what decided each verdict: the failing checks if any failed, else those that passed
        policies = c["violation"] or c["unknown"]
        checks = k[FAILED] or k[PASSED]
        pairs.append(Pair(urn, labels[urn], clause, crossguard, tuple(sorted(policies)), verdict,
                          tuple(sorted(checks, key=_id_key))))
    return pairs


# ------------------------------------------------------------------------------- the scan


@dataclass
class Scan:
    source: str
    stack: str | None
    template: Template
    run: checkov.Run
    results: list[Result]
    catalogue: Catalogue
    evaluation: Any
    """The CrossGuard Evaluation of the same plan."""
    pairs: list[Pair] = field(default_factory=list)

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.result == FAILED]

    def checks(self) -> list[dict[str, Any]]:
        """Every check that produced a result: id, origin, clauses, counts."""
        by_id: dict[str, dict[str, Any]] = {}
        for r in self.results:
            entry = by_id.setdefault(r.check_id, {"check": r.check_id, "origin": r.origin, "name": r.name,
                                                  "clauses": list(r.clauses), PASSED: 0, FAILED: 0})
            entry[r.result] += 1
        return sorted(by_id.values(), key=lambda e: (e["origin"] != "custom", _id_key(e["check"])))

    def summary(self) -> dict[str, Any]:
        builtin = {r.check_id for r in self.results if r.origin == "built-in"}
        custom = {r.check_id for r in self.results if r.origin == "custom"}
        differ = [p for p in self.pairs if p.agreement in ("checkov only", "CrossGuard only")]
        return {
            "stack": self.stack,
            "source": self.source,
            "renderedResources": len(self.template.resources),
            "skippedResources": len(self.template.skipped),
            "parameters": len(self.template.document.get("parameters", {})),
            "checkovVersion": checkov.PINNED,
            "checkovSeconds": round(self.run.seconds, 2),
            "builtinChecks": len(builtin),
            "customChecks": len(custom),
            "skippedBuiltinChecks": len(self.catalogue.skips),
            "passed": sum(1 for r in self.results if r.result == PASSED),
            "failed": len(self.failed),
            "crossguardMandatory": len(self.evaluation.mandatory),
            "pairs": len(self.pairs),
            "pairsDiffering": len(differ),
            "verdict": "failed" if self.failed else "passed",
        }


def _id_key(check_id: str) -> tuple[str, int]:
    head, _, number = check_id.rpartition("_")
    return (head, int(number)) if number.isdigit() else (check_id, 0)


# ------------------------------------------------------------------------------- formats

FORMATS = ("text", "json", "sarif", "junit")


def _label(r: Result) -> str:
    return f"{r.pulumi_name} ({r.arm_type})" if r.pulumi_name else r.resource


def _plain(name: str) -> str:
    """A check name without the clause ids it ends with (the report prints them in their own column)."""
    return re.sub(r"\s*\[[A-Z]+-[0-9A-Za-z.]+(?:, [A-Z]+-[0-9A-Za-z.]+)*\]$", "", name)


def render_text(scan: Scan, *, all_pairs: bool = False) -> str:
    s = scan.summary()
    lines = [f"dpaguard scan {scan.stack or ''}: ARM template of {s['renderedResources']} resources "
             f"({s['skippedResources']} without ARM form skipped, {s['parameters']} values as parameters), "
             f"checkov {s['checkovVersion']} in {s['checkovSeconds']:.1f} s"]
    for r in scan.failed:
        lines.append(f"FAILED   {r.check_id:<14} {r.origin:<8} [{', '.join(r.clauses)}] {_label(r)}: {_plain(r.name)}")
    lines.append("")
    lines.append("checks:")
    for c in scan.checks():
        lines.append(f"  {c['check']:<14} {c['origin']:<8} {c[PASSED]:>4} passed {c[FAILED]:>4} failed  "
                     f"[{', '.join(c['clauses'])}] {_plain(c['name'])}")
    lines.append("built-in checks skipped (policies/checkov/skips.yaml):")
    for check_id, reason in scan.catalogue.skips.items():
        lines.append(f"  {check_id:<14} {reason}")
    shown = scan.pairs if all_pairs else [p for p in scan.pairs if p.crossguard != "none" or p.checkov == FAILED]
    hidden = len(scan.pairs) - len(shown)
    which = "all" if all_pairs else "where an engine fails or cannot decide"
    lines.append(f"side by side, per resource and clause ({which}; {hidden} more where neither engine objects, "
                 "see --all-pairs or --format json):")
    if shown:
        width = min(70, max(len(p.label) for p in shown))
        lines.append(f"  {'resource':<{width}} {'clause':<10} {'CrossGuard':<10} {'checkov':<8} agreement")
        for p in shown:
            lines.append(f"  {p.label[:width]:<{width}} {p.clause:<10} {p.crossguard:<10} {p.checkov:<8} {p.agreement}"
                         f"  ({', '.join(p.crossguard_policies + p.checkov_checks)})")
    lines.append(f"dpa-guard scan {scan.stack or ''}: {s['verdict'].upper() if s['failed'] else s['verdict']}: "
                 f"{s['failed']} failed, {s['passed']} passed ({s['builtinChecks']} built-in checks, "
                 f"{s['customChecks']} custom, {s['skippedBuiltinChecks']} built-in skipped); CrossGuard: "
                 f"{s['crossguardMandatory']} mandatory violation(s); {s['pairsDiffering']} resource×clause pair(s) "
                 f"where only one engine fails [{scan.source}]")
    return "\n".join(lines) + "\n"


def render_json(scan: Scan) -> str:
    document = {
        "summary": scan.summary(),
        "checks": scan.checks(),
        "results": [r.to_json() for r in scan.results],
        "skippedChecks": [{"check": k, "reason": v} for k, v in scan.catalogue.skips.items()],
        "skippedResources": [{"urn": s.urn, "type": s.token, "reason": s.reason} for s in scan.template.skipped],
        "sideBySide": [p.to_json() for p in scan.pairs],
        "crossguard": {"summary": scan.evaluation.summary(),
                       "violations": [f.to_json() for f in scan.evaluation.findings if f.kind == "violation"]},
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def _checkov_evaluation(scan: Scan) -> Any:
    """checkov's records as a report.py Evaluation, with one pseudo-policy per check."""
    from dpaguard.checking.evaluate import Evaluation, Finding

    policies: dict[str, Any] = {}
    for c in scan.checks():
        policies[c["check"]] = SimpleNamespace(
            name=c["check"], description=c["name"], severity=None,
            enforcement_level=SimpleNamespace(value="mandatory"),
            tags=[f"clause:{x}" for x in c["clauses"]] + [f"origin:{c['origin']}", "engine:checkov"],
            remediation_steps=("see policies/checkov/ for the check" if c["origin"] == "custom"
                               else "see the checkov documentation for this check"),
            url=None,
        )
    for check_id, reason in scan.catalogue.skips.items():
        policies.setdefault(check_id, SimpleNamespace(
            name=check_id, description=f"skipped: {reason}", severity=None,
            enforcement_level=SimpleNamespace(value="disabled"), tags=["engine:checkov", "skipped"],
            remediation_steps=reason, url=None))
    evaluation = Evaluation(resources=len(scan.template.resources), policies=len(policies))
    for r in scan.results:
        urn = r.urn or f"arm:{r.resource}"
        evaluation.evaluated.append((r.check_id, urn))
        if r.result == FAILED:
            evaluation.findings.append(Finding(r.check_id, r.clauses, "mandatory", "unspecified", urn, r.arm_type,
                                               f"[{', '.join(r.clauses)}] {_label(r)}: {r.name}"))
    for check_id, reason in scan.catalogue.skips.items():
        evaluation.not_applicable.append((check_id, "", reason))
        evaluation.evaluated.append((check_id, ""))
    return evaluation, list(policies.values())


def render_sarif(scan: Scan, ctx: Any, crossguard_policies: Sequence[Any]) -> str:
    from dpaguard.checking import report

    evaluation, policies = _checkov_evaluation(scan)
    ours = json.loads(report.render_sarif(evaluation, policies, ctx))["runs"][0]
    ours["tool"]["driver"]["name"] = f"checkov {checkov.PINNED} (via dpa-guard)"
    ours["automationDetails"] = {"id": f"dpa-guard-checkov/{scan.stack or 'stack'}/"}
    ours["properties"] = {"summary": scan.summary(), "sideBySide": [p.to_json() for p in scan.pairs]}
    document = json.loads(report.render_sarif(scan.evaluation, crossguard_policies, ctx))
    document["runs"].append(ours)
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def render_junit(scan: Scan, ctx: Any) -> str:
    from dpaguard.checking import report

    evaluation, _ = _checkov_evaluation(scan)
    ours = ET.fromstring(report.render_junit(evaluation, ctx).split("\n", 1)[1])
    theirs = ET.fromstring(report.render_junit(scan.evaluation, ctx).split("\n", 1)[1])
    root = ET.Element("testsuites", name="dpa-guard scan")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suites, label in ((ours, f"checkov {checkov.PINNED}"), (theirs, "CrossGuard")):
        for suite in suites:
            suite.set("name", f"{label}: {scan.stack or 'stack'}")
            for key in totals:
                totals[key] += int(suite.get(key, "0"))
            root.append(suite)
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
