"""What each engine found, per rule: CrossGuard (the policy pack) and checkov (ARM template checks).

Both are reached through their public modules: `dpaguard.checking` reads the plan and evaluates
the pack, `dpaguard.arm` renders the template and runs checkov. checkov takes seconds to start,
so its results can also be read from a `dpaguard scan PLAN --format json` report made earlier
from the same plan (`from_scan_report`): one run serves the scan, the evidence and the tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dpaguard.errors import InputError

CROSSGUARD = "CrossGuard"
CHECKOV = "checkov"


@dataclass
class Rule:
    """One policy or check and what it found on the plan."""

    engine: str
    rule: str
    description: str
    enforcement: str
    """mandatory | advisory (CrossGuard); checkov checks fail the scan, so mandatory."""
    clauses: tuple[str, ...]
    evaluated: set[str] = field(default_factory=set)
    """URNs it ran on ("" for the stack as a whole)."""
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(urn, message) of each violation / failed check."""
    undecided: list[tuple[str, str]] = field(default_factory=list)
    """(urn, message) where a deciding value was unknown during preview."""
    not_applicable: int = 0

    @property
    def passed(self) -> int:
        bad = {u for u, _ in self.failed} | {u for u, _ in self.undecided}
        return len(self.evaluated - bad)

    @property
    def ran(self) -> bool:
        return self.not_applicable < len(self.evaluated) or bool(self.failed or self.undecided)


@dataclass(frozen=True)
class Checked:
    """The plan as the engines read it."""

    resources: list[Any]
    """dpaguard.checking's Resource objects (urn, type, name, inputs, parent, dependencies, ...)."""
    stack: str | None
    stack_urn: str
    source: str
    kind: str


def read_plan(document: Mapping[str, Any], name: str, register: Mapping[str, Any]) -> Checked:
    """A plan.json or `pulumi preview --json` document, through dpaguard.checking's reader."""
    from dpaguard.checking.inputs import from_document

    checked = from_document(dict(document), name=name, register=register)
    return Checked(list(checked.resources), checked.stack, checked.stack_urn, checked.source, checked.kind)


def crossguard(root: Path, checked: Checked, register: Mapping[str, Any]) -> list[Rule]:
    """Evaluate the pack on the plan: one Rule per policy, in the pack's order."""
    from dpaguard.checking.pack import load_policies

    policies = load_policies(root)  # first: dpaguard.checking.evaluate imports the pack's own helpers
    from dpaguard.checking.evaluate import evaluate
    from policies.lib import clauses_of

    evaluation = evaluate(policies, checked.resources, register=register, stack_urn=checked.stack_urn)
    rules: dict[str, Rule] = {}
    for policy in policies:
        level = policy.enforcement_level.value if policy.enforcement_level is not None else "advisory"
        rules[policy.name] = Rule(CROSSGUARD, policy.name, str(policy.description or ""),
                                  "mandatory" if level == "remediate" else str(level), tuple(clauses_of(policy)))
    for name, urn in evaluation.evaluated:
        if name in rules:
            rules[name].evaluated.add(urn)
    for finding in evaluation.findings:
        rule = rules.get(finding.policy)
        if rule is None:
            continue
        if finding.kind == "violation":
            rule.failed.append((finding.urn, finding.message))
            if finding.enforcement != rule.enforcement:
                rule.enforcement = finding.enforcement
        else:
            rule.undecided.append((finding.urn, finding.message))
    for name, _urn, _reason in evaluation.not_applicable:
        if name in rules:
            rules[name].not_applicable += 1
    return list(rules.values())


@dataclass(frozen=True)
class CheckovRun:
    version: str
    source: str
    """`checkov run now` or the scan report it was read from."""
    results: list[dict[str, Any]]
    """Result.to_json() of dpaguard.arm.scan: check, name, origin, clauses, result, resource, urn, line."""


def run_checkov(root: Path, checked: Checked) -> CheckovRun:
    from dpaguard.arm import checkov, scan
    from dpaguard.arm.checks import catalogue
    from dpaguard.arm.render import render

    checkov.locate(root)
    template = render(checked.resources, source=checked.source)
    stem = (checked.stack or "plan").replace("/", "_")
    _run, results = scan.run_checkov(root, {stem: template}, catalogue(root))
    return CheckovRun(checkov.PINNED, f"checkov {checkov.PINNED}, run for this package",
                      [r.to_json() for r in results[stem]])


def from_scan_report(path: Path, stack: str, urns: set[str], crossguard_rules: Sequence[Rule]) -> CheckovRun:
    """checkov's results from `dpaguard scan PLAN --format json`; it must be of this stack and plan.

    A report of another plan of the same stack would carry checkov verdicts on values this plan
    does not have. The report also records CrossGuard's violations on the plan it was made from;
    they must be exactly the ones found on this plan now (policy, resource), else it is refused.
    """
    from dpaguard.checking.inputs import read_json

    document = read_json(path, "scan report")
    if not isinstance(document, dict) or not isinstance(document.get("summary"), dict) \
            or not isinstance(document.get("results"), list):
        raise InputError(f"{path}: not a `dpaguard scan --format json` report (summary, results)")
    summary = document["summary"]
    if summary.get("stack") != stack:
        raise InputError(f"{path}: a scan of stack {summary.get('stack')!r}, not {stack!r}")
    results: list[dict[str, Any]] = []
    for i, r in enumerate(document["results"]):
        if not (isinstance(r, dict) and isinstance(r.get("check"), str) and r.get("result") in ("passed", "failed")
                and isinstance(r.get("clauses"), list) and all(isinstance(c, str) for c in r["clauses"])):
            raise InputError(f"{path}: results[{i}] is not a checkov result (check, result, clauses)")
        urn = r.get("urn")
        if urn is not None and urn not in urns:
            raise InputError(f"{path}: results[{i}] names {str(urn)[:120]}, which is not in this plan: "
                             "the report was made from another plan")
        results.append(r)
    theirs = document.get("crossguard", {}).get("violations") if isinstance(document.get("crossguard"), dict) else None
    if not isinstance(theirs, list):
        raise InputError(f"{path}: no crossguard.violations: not a `dpaguard scan --format json` report")
    reported = {(str(v.get("policy")), str(v.get("urn"))) for v in theirs if isinstance(v, dict)}
    found = {(r.rule, urn) for r in crossguard_rules for urn, _msg in r.failed}
    if reported != found:
        raise InputError(f"{path}: made from another plan: its CrossGuard violations differ from this plan's "
                         f"({len(reported ^ found)} differ); run `dpaguard scan` on this plan again")
    version = str(summary.get("checkovVersion", "?"))
    return CheckovRun(version, f"checkov {version}, from {path.name}", results)


def checkov_rules(run: CheckovRun) -> list[Rule]:
    rules: dict[str, Rule] = {}
    for r in run.results:
        check = str(r["check"])
        rule = rules.get(check)
        if rule is None:
            rule = rules[check] = Rule(CHECKOV, check, str(r.get("name", "")), "mandatory",
                                       tuple(str(c) for c in r["clauses"]))
        urn = str(r.get("urn") or f"arm:{r.get('resource', '?')}")
        rule.evaluated.add(urn)
        if r["result"] == "failed":
            rule.failed.append((urn, f"{r.get('resource', '')}: {r.get('name', check)}"))
    return sorted(rules.values(), key=lambda x: _check_key(x.rule))


def _check_key(check_id: str) -> tuple[str, int]:
    head, _, number = check_id.rpartition("_")
    return (head, int(number)) if number.isdigit() else (check_id, 0)


def by_clause(rules: Sequence[Rule]) -> dict[str, list[Rule]]:
    out: dict[str, list[Rule]] = {}
    for rule in rules:
        for clause in rule.clauses:
            out.setdefault(clause, []).append(rule)
    return out
