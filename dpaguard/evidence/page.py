"""evidence.html: one self-contained page for a data protection officer.

No network: inline CSS, inline SVG, no scripts, fonts or images, and a Content-Security-Policy
that forbids loading anything (`default-src 'none'`), so even a mistake here cannot make the
browser fetch. The verdict is the first thing on the page. Every clause row and section carries
`data-clause` and `data-status` for machines (the browser test reads them). Output depends only
on the Evidence given: same inputs, same bytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from html import escape

from dpaguard.evidence import topology
from dpaguard.evidence.build import (
    NOT_APPLICABLE,
    SATISFIED,
    STATUS_TEXT,
    UNDECIDABLE,
    VIOLATED,
    ClauseResult,
    Evidence,
)
from dpaguard.evidence.engines import Rule

NAMES_PER_TYPE = 8
FAILURES_SHOWN = 25

CSS = """
:root{--ok:#17643a;--bad:#a11a1a;--und:#7a5a00;--na:#555;--line:#ccd;--bg:#f6f7fb}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1b1f;background:#fff}
main{max-width:1100px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:1.6em;margin:.2em 0}h2{margin-top:2em;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{margin:.2em 0}
.verdict{padding:14px 18px;border-radius:8px;font-size:1.15em;margin:12px 0;border:2px solid}
.verdict.violated{background:#fde8e8;border-color:var(--bad);color:var(--bad)}
.verdict.ok{background:#e6f4ea;border-color:var(--ok);color:var(--ok)}
.verdict.warn{background:#fff4d6;border-color:var(--und);color:#5a4300}
.meta{color:#444;font-size:.92em}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:.93em}
th,td{border:1px solid var(--line);padding:4px 7px;text-align:left;vertical-align:top}
th{background:var(--bg)}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.85em;font-weight:600;color:#fff;white-space:nowrap}
.badge.satisfied{background:var(--ok)}.badge.violated{background:var(--bad)}
.badge.not-decidable{background:var(--und)}.badge.not-applicable{background:var(--na)}
.badge.act{background:var(--bad)}.badge.note{background:var(--na)}
section.clause{border:1px solid var(--line);border-left:6px solid var(--na);border-radius:6px;padding:10px 14px;margin:14px 0}
section.clause.satisfied{border-left-color:var(--ok)}section.clause.violated{border-left-color:var(--bad)}
section.clause.not-decidable{border-left-color:var(--und)}
blockquote{margin:8px 0;padding:6px 12px;background:var(--bg);border-left:3px solid #99a;font-style:italic}
.small{font-size:.85em;color:#555}
code{font-size:.9em;background:var(--bg);padding:0 3px;border-radius:3px}
svg.topology{border:1px solid var(--line);border-radius:6px;background:#fcfcff;margin:8px 0}
svg .t{font:600 13px system-ui,sans-serif}svg .s{font:11px system-ui,sans-serif;fill:#333}
svg rect{stroke-width:1.5}
svg .people{fill:#eef3ff;stroke:#4a6fd0}svg .internet{fill:#fff0f0;stroke:#a11a1a}
svg .blocked{fill:#f3f3f3;stroke:#888;stroke-dasharray:5 4}
svg .region{fill:#fafafa;stroke:#7a7a9a;stroke-dasharray:8 4}svg .vnet{fill:#f1f7ff;stroke:#4a6fd0}
svg .subnet{fill:#fff;stroke:#8aa}svg .store{fill:#eefaf1;stroke:#17643a}svg .exposed{fill:#fde8e8;stroke:#a11a1a}
svg .audit{fill:#fff8e6;stroke:#b08000}
svg line{stroke-width:2}svg .tunnel{stroke:#17643a}svg .leak{stroke:#a11a1a;stroke-dasharray:4 3}
svg .blockedline{stroke:#888;stroke-dasharray:2 4}svg .path{stroke:#4a6fd0}
nav a{margin-right:12px}
table.overview td:first-child{white-space:nowrap}
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _badge(status: str) -> str:
    return f'<span class="badge {_e(status)}">{_e(STATUS_TEXT.get(status, status))}</span>'


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "") -> str:
    """Cells are HTML already (escaped by the caller)."""
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    attr = f' class="{cls}"' if cls else ""
    return f"<table{attr}><thead><tr>{''.join(f'<th>{_e(h)}</th>' for h in head)}</tr></thead><tbody>{body}</tbody></table>"


def _verdict(ev: Evidence) -> str:
    counts = Counter(c.status for c in ev.clauses)
    summary = (f"{counts[SATISFIED]} satisfied, {counts[VIOLATED]} violated, {counts[UNDECIDABLE]} not decidable "
               f"from a plan, {counts[NOT_APPLICABLE]} not applicable, of {len(ev.clauses)} clauses")
    parts = []
    if ev.violated:
        ids = ", ".join(f'<a href="#clause-{_e(c.clause.id)}">{_e(c.clause.id)}</a>' for c in ev.violated)
        parts.append(f'<div class="verdict violated" id="verdict" data-verdict="violated"><strong>VIOLATED:</strong> '
                     f"this plan breaks {len(ev.violated)} clause(s) of the agreement: {ids}. Do not deploy it. "
                     f"({summary})</div>")
    else:
        parts.append(f'<div class="verdict ok" id="verdict" data-verdict="no-violation"><strong>No clause violated '
                     f"by this plan.</strong> {summary}.</div>")
    if ev.audit.tampered:
        parts.append(f'<div class="verdict violated" data-audit="tampered"><strong>AUDIT LOG TAMPERED:</strong> '
                     f"{_e(ev.audit.path)}: {_e(ev.audit.detail)}</div>")
    if ev.audit.warning:
        parts.append(f'<div class="verdict warn" data-audit="{_e(ev.audit.state)}"><strong>Audit log not '
                     f"verified:</strong> {_e(ev.audit.path)}: {_e(ev.audit.detail)}</div>")
    act = ev.review.must_act
    if act:
        parts.append(f'<div class="verdict warn" data-review="act"><strong>Access review:</strong> {len(act)} '
                     'item(s) to act on, see <a href="#access">the access review</a>.</div>')
    return "".join(parts)


def _overview(ev: Evidence) -> str:
    rows = []
    for c in ev.clauses:
        rows.append(f'<tr data-clause="{_e(c.clause.id)}" data-status="{_e(c.status)}">'
                    f'<td><a href="#clause-{_e(c.clause.id)}">{_e(c.clause.id)}</a></td><td>{_badge(c.status)}</td>'
                    f"<td>{_e(c.clause.demand)}</td></tr>")
    return ('<table class="overview"><thead><tr><th>clause</th><th>status</th><th>what it demands</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def _rules_table(rules: Sequence[Rule]) -> str:
    if not rules:
        return '<p class="small">No CrossGuard policy or checkov check cites this clause.</p>'
    rows = []
    for r in rules:
        rows.append([_e(r.engine), f"<code>{_e(r.rule)}</code><br><span class=small>{_e(r.description)}</span>",
                     _e(r.enforcement), str(len(r.evaluated)), str(r.passed), str(len(r.failed)),
                     str(len(r.undecided)), str(r.not_applicable)])
    return _table(["engine", "policy / check", "enforcement", "ran on", "passed", "failed", "undecided",
                   "not applicable"], rows)


def _findings(c: ClauseResult, names: dict[str, str]) -> str:
    items = [(r, urn, msg, "failed") for r in c.rules for urn, msg in r.failed] + \
            [(r, urn, msg, "undecided") for r in c.rules for urn, msg in r.undecided]
    if not items:
        return ""
    rows = [[_e(r.engine), f"<code>{_e(r.rule)}</code>", _e(kind), _e(names.get(urn, urn)), _e(msg)]
            for r, urn, msg, kind in items[:FAILURES_SHOWN]]
    more = f'<p class="small">and {len(items) - FAILURES_SHOWN} more</p>' if len(items) > FAILURES_SHOWN else ""
    return "<h4>What the engines found</h4>" + _table(["engine", "rule", "result", "resource", "message"], rows) + more


def _resources(c: ClauseResult) -> str:
    if not c.resources:
        return ""
    by_type: dict[str, list[str]] = {}
    for type_, name, _urn in c.resources:
        by_type.setdefault(type_, []).append(name)
    rows = []
    for type_, names in sorted(by_type.items()):
        shown = ", ".join(names[:NAMES_PER_TYPE]) + (f", … ({len(names) - NAMES_PER_TYPE} more)"
                                                     if len(names) > NAMES_PER_TYPE else "")
        rows.append([f"<code>{_e(type_)}</code>", str(len(names)), _e(shown)])
    return "<h4>Resources behind it</h4>" + _table(["type", "count", "names"], rows)


def _clause_sections(ev: Evidence) -> str:
    names = {urn: name for c in ev.clauses for (_t, name, urn) in c.resources}
    out = []
    for c in ev.clauses:
        quotes = "".join(f'<blockquote lang="nb">{_e(q)}</blockquote>' for q in c.clause.norwegian)
        out.append(
            f'<section class="clause {_e(c.status)}" id="clause-{_e(c.clause.id)}" data-clause="{_e(c.clause.id)}" '
            f'data-status="{_e(c.status)}"><h3>{_e(c.clause.id)} {_badge(c.status)}</h3>'
            f"<p><strong>Demands:</strong> {_e(c.clause.demand)}</p>"
            f'<p class="small">Agreement {_e(c.clause.agreement)} ({_e(c.clause.source_file)}), section '
            f"{_e(c.clause.section)}; in the signed Norwegian text:</p>{quotes}"
            f"<p><strong>Why this status:</strong> {_e(c.reason)}</p>"
            f"<p><strong>Controls:</strong> {_e(c.clause.controls)}</p>"
            + _rules_table(c.rules) + _findings(c, names) + _resources(c) + "</section>")
    return "".join(out)


def _access(ev: Evidence) -> str:
    r = ev.review
    flags = _table(["", "clause", "controller", "who", "what"],
                   ([f'<span class="badge {_e(f.severity)}">{_e(f.severity)}</span>', _e(f.clause), _e(f.controller),
                     _e(f.who), _e(f.what)] for f in r.flags)) if r.flags else "<p>Nothing to act on.</p>"
    parts = [f'<h2 id="access">Access review ({_e(r.today)})</h2>',
             f"<p>{len(r.must_act)} item(s) to act on, {len(r.flags) - len(r.must_act)} note(s). Access ends at the "
             "latest five years after signing for OUS (OUS-8) and with the agreement for ECG; everyone with access "
             "needs a confidentiality declaration (OUS-7).</p>", flags]
    for c in r.controllers:
        rows = []
        for g in r.grants_of(c.id):
            people = "<br>".join(
                f"{_e(m.name)} <span class=small>({_e(m.object_id)})</span>, declaration "
                + (_e(m.declaration) if m.declaration else "<strong>missing</strong>")
                for m in g.members) or "<span class=small>no members</span>"
            rows.append([_e(g.principal), _e(g.role), _e(g.kind), _e(g.scope), _e(g.since or c.signed),
                         _e(g.expiry), people])
        ends = f"access ends {c.ends}" if c.ends else "no end date: while the agreement runs"
        parts.append(f'<h3 data-controller="{_e(c.id)}">{_e(c.id)}: {_e(c.name)}</h3>'
                     f'<p class="small">{_e(c.agreement)} agreement signed {_e(c.signed)}, {_e(ends)}; data: '
                     f"{_e(', '.join(c.containers) or 'none in the plan')}</p>"
                     + (_table(["group", "role", "kind", "scope", "since", "until", "members"], rows) if rows
                        else "<p>No grant on this controller's data in the plan.</p>"))
    bg = ", ".join(f"{_e(m.name)} ({_e(m.object_id)})" for m in r.break_glass) or "none"
    parts.append(f"<h3>Break-glass accounts</h3><p>{bg}. Excluded from Conditional Access by design; every use is "
                 "a gate decision in the audit log below.</p>")
    return "".join(parts)


def _subprocessors(ev: Evidence) -> str:
    head = '<h2 id="subprocessors">Sub-processors (ECG-9)</h2>'
    if not ev.sub_processors:
        return head + "<p>No sub-processor is registered in this stack's config.</p>"
    return head + _table(["name", "country", "purpose"],
                         ([_e(p["name"]), _e(p["country"]), _e(p["purpose"])] for p in ev.sub_processors))


def _audit(ev: Evidence) -> str:
    a = ev.audit
    parts = ['<h2 id="audit">Audit log of gate decisions</h2>',
             f'<p data-audit-state="{_e(a.state)}"><strong>{_e(a.state)}</strong>: {_e(a.path)}: {_e(a.detail)}'
             + (f"; head {_e(a.head)}" if a.head else "") + "</p>"]
    if a.recent:
        keys = ["ts", "seq", "action", "decision", "who", "subject", "reason"]
        parts.append(_table(keys, ([_e(row.get(k, "")) for k in keys] for row in a.recent)))
    return "".join(parts)


def _engines(ev: Evidence) -> str:
    cg_failed = sum(len(r.failed) for r in ev.crossguard)
    ck = ev.checkov
    ck_text = (f"{_e(ck.source)}: {len(ck.results)} results, {sum(1 for r in ck.results if r['result'] == 'failed')} "
               "failed") if ck else _e(ev.checkov_note)
    warn = "".join(f"<li>{_e(w)}</li>" for w in ev.warnings)
    return ('<h2 id="engines">Engines and inputs</h2><ul>'
            f"<li>Plan: {_e(ev.source)}, {ev.resources} resources.</li>"
            f"<li>CrossGuard (the dpa-guard policy pack): {len(ev.crossguard)} policies, {cg_failed} finding(s).</li>"
            f"<li>checkov: {ck_text}.</li>"
            f"<li>Register: the stack config of {_e(ev.stack)} (agreements {_e(', '.join(ev.agreements))}).</li>"
            f"</ul>" + (f"<h3>Warnings</h3><ul>{warn}</ul>" if warn else ""))


def render(ev: Evidence) -> str:
    title = f"Evidence package: {ev.stack}"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body><main>"
        f"<h1>{_e(title)}</h1>"
        f'<p class="meta">Data processing agreement(s) {_e(", ".join(ev.agreements))}. Generated '
        f'<time data-generated="{_e(ev.generated)}">{_e(ev.generated)}</time> from commit <code data-commit>'
        f"{_e(ev.commit)}</code>; plan: {_e(ev.source)}.</p>"
        + _verdict(ev)
        + '<nav><a href="#clauses">Clauses</a><a href="#topology">Topology</a><a href="#access">Access review</a>'
          '<a href="#subprocessors">Sub-processors</a><a href="#audit">Audit log</a><a href="#engines">Engines</a></nav>'
        + '<h2 id="clauses">Clauses</h2>' + _overview(ev)
        + '<h2 id="topology">Topology</h2><p>Regions, network, the VPN with its forced tunnel and egress, the stores '
          "and who can reach them, as the plan provisions them.</p>" + topology.render(ev.topology)
        + _access(ev) + _subprocessors(ev) + _audit(ev) + _engines(ev)
        + '<h2 id="clause-details">Clause by clause</h2>' + _clause_sections(ev)
        + f'<p class="small">dpa-guard evidence for stack {_e(ev.stack)}, {_e(ev.generated)}, commit '
          f"{_e(ev.commit)}. Clause ids and wording: CLAUSES.md and the signed agreements.</p>"
        + "</main></body></html>\n"
    )
