"""Collect everything the inspection package shows, and decide each clause's status.

A clause is
- `not-applicable` when the stack does not serve its agreement;
- `violated` when a mandatory CrossGuard policy or a checkov check citing it fails, or when the
  access review finds it broken (`access.Flag.violation`: an ended agreement whose data or grants
  remain, a grant or PIM eligibility outliving its agreement);
- `not-decidable` when no policy or check can decide it from a plan (policies/clauses.py
  `NOT_IN_PLAN` gives the reason), when none of them ran on this plan, or when a deciding
  value is unknown in the preview;
- `satisfied` otherwise: every policy and check citing it ran and found nothing mandatory.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dpaguard.errors import InputError, UsageError
from dpaguard.evidence import access, auditlog, engines, topology
from dpaguard.evidence.clauses import Clause, agreements_dir
from dpaguard.evidence.clauses import load as load_clauses

SATISFIED, VIOLATED, UNDECIDABLE, NOT_APPLICABLE = "satisfied", "violated", "not-decidable", "not-applicable"
STATUS_TEXT = {SATISFIED: "satisfied", VIOLATED: "violated", UNDECIDABLE: "not decidable from a plan",
               NOT_APPLICABLE: "not applicable to this stack"}


@dataclass
class ClauseResult:
    clause: Clause
    status: str
    reason: str
    rules: list[engines.Rule]
    resources: list[tuple[str, str, str]]
    """(type, name, urn) of every resource a rule citing the clause ran on, sorted."""


@dataclass(frozen=True)
class Options:
    root: Path
    stack: str
    plan: Path | None = None
    checkov_report: Path | None = None
    """A `dpaguard scan --format json` report of the same plan, instead of running checkov."""
    skip_checkov: bool = False
    audit: auditlog.Source | None = None
    """A log to verify instead of the one the stack's gate config names."""
    agreements: str | None = None
    today: dt.date | None = None
    generated: str | None = None
    """ISO 8601 UTC time to print; default $SOURCE_DATE_EPOCH, else now."""
    commit: str | None = None


@dataclass
class Evidence:
    stack: str
    project: str
    agreements: tuple[str, ...]
    source: str
    generated: str
    commit: str
    today: dt.date
    clauses: list[ClauseResult]
    crossguard: list[engines.Rule]
    checkov: engines.CheckovRun | None
    checkov_note: str
    review: access.Review
    topology: topology.Topology
    sub_processors: list[dict[str, str]]
    audit: auditlog.AuditSummary
    resources: int
    warnings: list[str] = field(default_factory=list)

    @property
    def violated(self) -> list[ClauseResult]:
        return [c for c in self.clauses if c.status == VIOLATED]

    @property
    def exit_code(self) -> int:
        return 1 if self.violated or self.audit.tampered else 0


def generated_at(explicit: str | None, environ: Mapping[str, str] = os.environ) -> str:
    """The generation time: given, else $SOURCE_DATE_EPOCH (reproducible builds), else now; UTC, seconds."""
    if explicit:
        try:
            when = dt.datetime.fromisoformat(explicit.replace("Z", "+00:00"))
        except ValueError:
            raise UsageError(f"--generated-at {explicit[:40]!r}: not an ISO 8601 time") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
    elif environ.get("SOURCE_DATE_EPOCH"):
        try:
            when = dt.datetime.fromtimestamp(int(environ["SOURCE_DATE_EPOCH"]), dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise UsageError("SOURCE_DATE_EPOCH is not a Unix time in seconds") from None
    else:
        when = dt.datetime.now(dt.UTC)
    return when.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def git_commit(root: Path) -> str:
    """HEAD of the checkout, with `+changes` when the work tree differs from it."""
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=20, check=False)
        if head.returncode != 0:
            return "unknown (not a git checkout)"
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown (git not available)"
    return head.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def load_config(root: Path, stack: str, today: dt.date) -> tuple[Any, dict[str, Any]]:
    """The stack's validated config (modules/config.py), the only source of who may have access,
    and the raw project config it came from (for the gate section)."""
    from dpaguard.engine import stackfiles
    from dpaguard.engine.packages import import_package

    import_package(root, "modules")
    from modules import config

    project = stackfiles.load_project(root)
    stack_file = stackfiles.load_stack(project, stack)
    raw = stackfiles.project_config(stack_file, project)
    try:
        return config.load(raw, stack, today=today), raw
    except config.ConfigError as exc:
        raise InputError(f"{stack_file.display_path(root)}: {project.name}:{exc.keys}: {exc.message}") from None


def _plan_document(opts: Options) -> tuple[dict[str, Any], str]:
    if opts.plan is None:
        from dpaguard.engine.plan import build_plan

        return build_plan(opts.root, opts.stack).document, f"offline plan of stack {opts.stack}"
    from dpaguard.checking.inputs import read_json

    document = read_json(opts.plan, "plan")
    if not isinstance(document, dict):
        raise InputError(f"{opts.plan}: not a plan.json or `pulumi preview --json` document")
    return document, opts.plan.name


def collect(opts: Options) -> Evidence:
    today = opts.today or dt.datetime.now(dt.UTC).date()
    cfg, raw = load_config(opts.root, opts.stack, today)
    document, name = _plan_document(opts)
    # The register comes from the stack config, never from the plan file: a plan is input to be
    # judged, and a doctored register inside it must not vouch for itself.
    register = cfg.policy_register()
    warnings: list[str] = []
    if isinstance(document.get("register"), dict) and document["register"] != register:
        warnings.append(f"{name}: its register differs from the stack config's; the stack config's is used")
    checked = engines.read_plan(document, name, register)
    if checked.stack is not None and checked.stack != opts.stack:
        raise InputError(f"{name}: a plan of stack {checked.stack}, not {opts.stack}")
    crossguard = engines.crossguard(opts.root, checked, register)

    urns = {r.urn for r in checked.resources}
    run: engines.CheckovRun | None = None
    note = ""
    if opts.checkov_report is not None:
        run = engines.from_scan_report(opts.checkov_report, opts.stack, urns, crossguard)
    elif opts.skip_checkov:
        note = "checkov was not run for this package (--no-checkov): its column is empty"
        warnings.append(note)
    else:
        run = engines.run_checkov(opts.root, checked)
    checkov = engines.checkov_rules(run) if run is not None else []

    from dpaguard.checking.pack import ensure_importable

    ensure_importable(opts.root)  # the review reads conditions as the pack does (policies.authz)
    review = access.review(document, cfg, today)
    topo = topology.model(access.raw_resources(document), review)
    audit = auditlog.summarise(opts.audit or auditlog.stack_source(raw, cfg))

    from policies.clauses import CLAUSES as PACK_CLAUSES
    from policies.clauses import NOT_IN_PLAN

    clauses = load_clauses(agreements_dir(opts.root, opts.agreements))
    ids = [c.id for c in clauses]
    if set(ids) != set(PACK_CLAUSES):
        warnings.append(f"CLAUSES.md and policies/clauses.py disagree: only in CLAUSES.md {sorted(set(ids) - set(PACK_CLAUSES))}, "
                        f"only in the pack {sorted(set(PACK_CLAUSES) - set(ids))}")
    names = {r.urn: (r.type, r.name) for r in checked.resources}
    results = [_with_review(_judge(c, cfg.agreements, crossguard + checkov, NOT_IN_PLAN, names, run is not None),
                            review)
               for c in clauses]
    return Evidence(
        stack=opts.stack,
        project=str(document.get("project") or "dpa-guard"),
        agreements=tuple(cfg.agreements),
        source=f"{name} ({'pulumi preview --json' if checked.kind == 'preview' else 'plan'} of stack {opts.stack})",
        generated=generated_at(opts.generated),
        commit=opts.commit or git_commit(opts.root),
        today=today,
        clauses=results,
        crossguard=crossguard,
        checkov=run,
        checkov_note=note,
        review=review,
        topology=topo,
        sub_processors=[{"name": p.name, "country": p.country, "purpose": p.purpose} for p in cfg.sub_processors],
        audit=audit,
        resources=sum(1 for r in checked.resources if r.custom and r.type != "pulumi:pulumi:Stack"),
        warnings=warnings,
    )


def _judge(clause: Clause, agreements: Sequence[str], rules: Sequence[engines.Rule],
           not_in_plan: Mapping[str, str], names: Mapping[str, tuple[str, str]], checkov_ran: bool) -> ClauseResult:
    mine = [r for r in rules if clause.id in r.clauses]
    urns = sorted({u for r in mine for u in r.evaluated if u in names})
    resources = sorted((names[u][0], names[u][1], u) for u in urns)
    if clause.agreement not in agreements:
        return ClauseResult(clause, NOT_APPLICABLE, f"this stack serves {', '.join(agreements)} only; "
                            f"the {clause.agreement} agreement's clauses do not apply to it", mine, [])
    failed = [(r, urn, msg) for r in mine if r.enforcement == "mandatory" for urn, msg in r.failed]
    if failed:
        shown = "; ".join(f"{r.engine} {r.rule} on {names.get(urn, ('', urn))[1] or urn}: {_one_line(msg)}"
                          for r, urn, msg in failed[:3])
        more = f" (and {len(failed) - 3} more)" if len(failed) > 3 else ""
        return ClauseResult(clause, VIOLATED, f"{len(failed)} mandatory finding(s): {shown}{more}", mine, resources)
    if clause.id in not_in_plan:
        return ClauseResult(clause, UNDECIDABLE, not_in_plan[clause.id], mine, resources)
    ran = [r for r in mine if r.ran]
    if not ran:
        return ClauseResult(clause, UNDECIDABLE, "no policy or check citing this clause applies to any resource of "
                            "this plan", mine, resources)
    undecided = [(r, urn, msg) for r in mine for urn, msg in r.undecided]
    if undecided:
        r, urn, msg = undecided[0]
        return ClauseResult(clause, UNDECIDABLE, f"a deciding value is unknown until deployment: {r.rule} on "
                            f"{names.get(urn, ('', urn))[1] or urn}: {_one_line(msg)}", mine, resources)
    cg = [r for r in ran if r.engine == engines.CROSSGUARD]
    ck = [r for r in ran if r.engine == engines.CHECKOV]
    advisory = sum(len(r.failed) for r in mine if r.enforcement != "mandatory")
    reason = (f"{len(cg)} CrossGuard polic{'y' if len(cg) == 1 else 'ies'} and "
              f"{len(ck)} checkov check(s) citing it found nothing mandatory on {len(resources)} resource(s)")
    if not checkov_ran:
        reason += "; checkov was not run"
    if advisory:
        reason += f"; {advisory} advisory finding(s) shown below"
    return ClauseResult(clause, SATISFIED, reason, mine, resources)


def _with_review(result: ClauseResult, review: access.Review) -> ClauseResult:
    """A clause the access review finds broken (an ended agreement whose data or grants remain, a
    grant that outlives its agreement) is violated, whatever the plan rules say: those clauses are
    about dates and the register, which no policy sees."""
    if result.status == NOT_APPLICABLE:
        return result
    found = [f for f in review.flags if f.violation and f.clause == result.clause.id]
    if not found:
        return result
    shown = "; ".join(f"access review: {f.controller}: {_one_line(f.what)}" for f in found[:3])
    more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
    reason = f"{shown}{more}"
    if result.status == VIOLATED:
        reason = f"{result.reason}; {reason}"
    return ClauseResult(result.clause, VIOLATED, reason, result.rules, result.resources)


def _one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= 240 else text[:239] + "…"
