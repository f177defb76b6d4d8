"""`dpaguard breach --stack NAME --incident FILE.yaml`: the breach notice each recipient must get (ECG-8, OUS-6.a).

Writes, per recipient and per phase of the incident record, a notice with the ECG-8 fields, the
72-hour clock the controller faces (GDPR art. 33) and what is still missing, to out/STACK/breach/ID/
(notices.json and one text file per notice). The notices are always written, because OUS-6.a wants
the DPO and the trust told at once even when not everything is known. Exit 0 every notice is
complete, 1 a required field is still missing or the record contradicts the stack (each one named;
send the notices and follow up, GDPR art. 33(4)), 2 bad invocation or an unreadable or invalid record.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from dpaguard.errors import DpaGuardError, InputError, Refused, UsageError

MAX_AUDIT_BYTES = 64 << 20


def register(sub: Any) -> None:
    parser = sub.add_parser("breach", help="produce the breach notices the agreements require (ECG-8, OUS-6.a)",
                            description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stack", required=True, help="stack name: stacks/Pulumi.NAME.yaml")
    parser.add_argument("--incident", required=True, metavar="FILE.yaml", help="the incident record")
    parser.add_argument("--audit-log", metavar="FILE", help="a copy of the gate audit log to cite as evidence")
    parser.add_argument("--at", metavar="TIME", help="the time the initial notice goes out (default: now)")
    parser.add_argument("--out", metavar="DIR", help="where to write (default out/STACK/breach/ID)")
    parser.add_argument("--root", metavar="DIR", help="the Pulumi project (default: found from here)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from dpaguard.breach import incident as incident_mod
    from dpaguard.breach import notice
    from dpaguard.engine import plan, stackfiles
    from dpaguard.files import atomic_write
    from dpaguard.offboard.targets import resolve
    from dpaguard.project import find_root

    at = _at(args.at)
    root = find_root(args.root)
    project = stackfiles.load_project(root)
    cfg = plan.load_stack_config(root, stackfiles.load_stack(project, args.stack), project)
    incident = incident_mod.load(Path(args.incident), at)
    stores_of = {c.id: {f"{x.account}/{x.name}" for x in resolve(cfg, c.id).containers} for c in cfg.controllers}
    evidence = None
    if args.audit_log:
        from dpaguard.files import read_bounded

        copy = read_bounded(Path(args.audit_log), MAX_AUDIT_BYTES, "audit log")  # once: label and counts agree
        evidence = _evidence(copy, incident, _authenticity(root, args.stack, copy))
    result = notice.build(cfg, incident, stores_of, at, evidence)

    out = Path(args.out) if args.out else root / "out" / args.stack / "breach" / incident.id
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is not a folder")
    atomic_write(out / "notices.json", json.dumps(result, indent=1, ensure_ascii=False).encode() + b"\n",
                 mode=0o644, make_parents=True)
    for n in result["notices"]:
        name = re.sub(r"[^A-Za-z0-9.@_-]", "_", f"{n['kind'].replace(' ', '-')}-{n['to']}")
        atomic_write(out / f"{name}.txt", notice.render_text(n, incident.id).encode(), mode=0o644)
    recipients = sorted({n["to"] for n in result["notices"]})
    print(f"breach {incident.id}: {len(result['notices'])} notice(s) for {', '.join(recipients)} in {out}")
    if not result["complete"]:
        gaps = []
        if result["final_missing"]:
            gaps.append("missing ECG-8 field(s): " + ", ".join(result["final_missing"]))
        gaps += result["inconsistencies"]
        raise Refused(f"breach {incident.id}: notices written but incomplete: {'; '.join(gaps)}; send them now "
                      "and follow up with an update to the record (GDPR art. 33(4))")
    return 0


def _at(value: str | None) -> dt.datetime:
    if value is None:
        return dt.datetime.now(dt.UTC)
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--at {value[:60]!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise UsageError("--at needs a time zone (e.g. Z)")
    return parsed.astimezone(dt.UTC)


def _authenticity(root: Path, stack: str, copy: bytes) -> str:
    """How far the copy is the stack's authentic audit log: its HMAC chain under gate.auditKeyFile,
    and where it stands against the live log's checkpoint (gate.auditCheckpoints).

    A notice goes to the controller and may reach Datatilsynet, so figures from a file anyone could
    have written are labelled as such, an older copy is called older (not cut), and entries beyond
    what the checkpoint vouches for are not passed off as verified.
    """
    from dpaguard.gate import audit
    from dpaguard.gate.stack import audit_key, load_trust

    try:
        trust = load_trust(root, stack)
        result = audit.verify_copy(copy, audit_key(trust), log_path=trust.gate.audit_log,
                                   checkpoints=trust.gate.audit_checkpoints)
    except DpaGuardError as exc:
        return f"NOT verified: {exc.message[:200]}"
    chain, seq = result.chain, result.checkpoint_seq
    if not chain.ok:
        return f"NOT verified: line {chain.line}: {chain.fault}: {chain.detail[:160]}"
    held = f"the HMAC chain of its {chain.entries} entries holds under the stack's audit key"
    if seq is None:
        return f"NOT verified as complete: {held}, but the stack's log has no checkpoint to compare it with"
    if result.agrees is None:
        return (f"verified up to seq {chain.head_seq}: {held}; the stack's log has since reached seq {seq} (its "
                f"checkpoint), so entries {chain.head_seq + 1}..{seq} are not in this copy")
    if not result.agrees:
        return f"NOT verified: entry seq {seq} differs from the one the stack's checkpoint records"
    if chain.head_seq > seq:
        return (f"verified up to seq {seq}, the stack's checkpoint; entries {seq + 1}..{chain.head_seq} go beyond it "
                "and are NOT verified")
    return f"verified: {held}, up to the entry its checkpoint records (seq {seq})"


def _evidence(copy: bytes, incident: Any, source: str) -> dict[str, Any]:
    """Gate decisions in the log since a day before the incident occurred (or was found), by decision.

    A copy that is not verified may hold damaged lines: they are counted apart, never a reason to
    hold back the notice (the 72-hour clock runs regardless)."""
    lines = copy.decode("utf-8", errors="replace").splitlines()
    occurred = incident.phases[-1].values.get("occurred")
    since = (dt.datetime.fromisoformat(occurred) if occurred else incident.found) - dt.timedelta(days=1)
    counts: dict[str, int] = {}
    damaged = 0
    for line in lines:
        try:
            entry = json.loads(line)
            ts = dt.datetime.fromisoformat(entry["ts"])
            event = entry["event"]
            if ts.tzinfo is None:
                raise ValueError("naive time")
        except (ValueError, KeyError, TypeError, RecursionError):
            damaged += 1
            continue
        if ts < since or not isinstance(event, dict):
            continue
        key = f"{event.get('action', '?')} {event.get('decision', '?')}"
        counts[key] = counts.get(key, 0) + 1
    extra = {"unreadable lines": damaged} if damaged else {}
    return {"source": source, "window": f"since {since.isoformat()}", **dict(sorted(counts.items())), **extra}
