"""The clause-to-policy table, generated from the policies' own metadata (docs/clauses.md).

Every clause of policies/clauses.py is listed with the policies citing it; a clause no
policy cites is either in `NOT_IN_PLAN` (with the reason and where it is served instead)
or a gap, "NO CONTROL", which makes `dpaguard clauses` exit 1.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from policies.clauses import CLAUSES, NOT_IN_PLAN, agreement_of
from policies.lib import FRAMEWORKS, clauses_of

GENERATE_COMMAND = "dpaguard clauses --format markdown --output docs/clauses.md"


@dataclass(frozen=True)
class Citation:
    policy: str
    enforcement: str
    severity: str
    primary: bool


@dataclass(frozen=True)
class ClauseRow:
    id: str
    summary: str
    citations: tuple[Citation, ...]
    not_in_plan: str | None

    @property
    def gap(self) -> bool:
        return not self.citations and self.not_in_plan is None


def _enforcement(policy: Any) -> str:
    return getattr(policy.enforcement_level, "value", None) or "advisory"


def _severity(policy: Any) -> str:
    return getattr(policy.severity, "value", None) or "unspecified"


def clause_rows(policies: Sequence[Any]) -> list[ClauseRow]:
    cited: dict[str, list[Citation]] = {c: [] for c in CLAUSES}
    for policy in policies:
        ids = clauses_of(policy)
        for i, clause in enumerate(ids):
            cited.setdefault(clause, []).append(Citation(policy.name, _enforcement(policy), _severity(policy), i == 0))
    return [
        ClauseRow(
            id=clause,
            summary=CLAUSES.get(clause, "(not a clause of CLAUSES.md)"),
            citations=tuple(sorted(cited[clause], key=lambda c: (not c.primary, c.policy))),
            not_in_plan=NOT_IN_PLAN.get(clause) if not cited[clause] else None,
        )
        for clause in cited
    ]


def gaps(policies: Sequence[Any]) -> list[str]:
    return [row.id for row in clause_rows(policies) if row.gap]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(policies: Sequence[Any]) -> str:
    rows = clause_rows(policies)
    out = [
        "# Clauses and the policies that enforce them",
        "",
        f"Generated from the policies' metadata by `{GENERATE_COMMAND}`; do not edit by hand",
        "(`tests/checking/test_clauses_command.py` fails when this file is out of date).",
        "Clause ids and wording: `../shared/agreements/CLAUSES.md`. A policy marked *primary* cites",
        "the clause as its compliance-framework reference; *advisory* policies report without blocking.",
        "",
    ]
    for agreement, title in FRAMEWORKS.items():
        out += [f"## {agreement}: {title}", "", "| clause | what it demands | policies |", "|---|---|---|"]
        for row in rows:
            if agreement_of(row.id) != agreement:
                continue
            if row.citations:
                cell = ", ".join(
                    f"[`{c.policy}`](#{c.policy}) ({c.enforcement}{', primary' if c.primary else ''})"
                    for c in row.citations
                )
            elif row.not_in_plan is not None:
                cell = f"not in a plan: {row.not_in_plan}"
            else:
                cell = "**NO CONTROL**"
            out.append(f"| {row.id} | {_cell(row.summary)} | {_cell(cell)} |")
        out.append("")
    out += ["## Policies", ""]
    if not policies:
        out += ["(none yet)", ""]
    for policy in sorted(policies, key=lambda p: p.name):
        ids = clauses_of(policy)
        area = next((t.split(":", 1)[1] for t in policy.tags or [] if t.startswith("area:")), "")
        out += [
            f"### {policy.name}",
            "",
            f"- clauses: {', '.join(f'`{c}`' for c in ids)}",
            f"- enforcement: {_enforcement(policy)}; severity: {_severity(policy)}; area: {area}",
            f"- {_cell(policy.description)}",
            f"- remediation: {_cell(policy.remediation_steps or '')}",
            "",
        ]
    return "\n".join(out).rstrip("\n") + "\n"


def render_json(policies: Sequence[Any]) -> str:
    document = {
        "clauses": [
            {
                "id": row.id,
                "agreement": agreement_of(row.id),
                "summary": row.summary,
                "policies": [
                    {"name": c.policy, "enforcement": c.enforcement, "severity": c.severity, "primary": c.primary}
                    for c in row.citations
                ],
                "notInPlan": row.not_in_plan,
                "gap": row.gap,
            }
            for row in clause_rows(policies)
        ],
        "policies": [
            {
                "name": p.name,
                "clauses": clauses_of(p),
                "enforcement": _enforcement(p),
                "severity": _severity(p),
                "description": p.description,
                "remediation": p.remediation_steps,
                "url": p.url,
            }
            for p in sorted(policies, key=lambda p: p.name)
        ],
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"
