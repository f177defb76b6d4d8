"""Who must be told, what each notice must say, and the clock the controller faces.

Recipients, from the stack config only (register contacts in stacks/*.yaml):
- OUS controllers (OUS-6.a: "at once" to the OUS data protection officer and the submitting trust):
  the stack's `audit.dpoEmail` and the controller's `contact`;
- ECG controllers (ECG-8: "in writing without undue delay"): the physician, the controller's `contact`.

Content: the ECG-8 fields, which are GDPR art. 33(3)(a)-(d); OUS-6.a names no content, so OUS
notices carry the same fields (the trust needs them for its own art. 33 notice).

Clock: GDPR art. 33(2) obliges the processor to notify the controller without undue delay after
becoming aware; art. 33(1) gives the controller 72 hours from becoming aware to notify the
supervisory authority (Datatilsynet). The controller is aware once its processor has told it
(EDPB Guidelines 9/2022 on personal data breach notification under GDPR, para. on processor
obligations), so each notice shows the processor's delay since `found` and the controller's
deadline counted from the notice's own time. Art. 33(4) allows the information in phases: each
update of the record yields a follow-up notice with the complete picture and what changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from dpaguard.breach.incident import FIELDS, Incident, missing
from dpaguard.errors import InputError

CONTROLLER_CLOCK = dt.timedelta(hours=72)


@dataclass(frozen=True)
class Recipient:
    address: str
    role: str
    agreement: str
    clause: str
    controllers: tuple[str, ...]


def recipients(cfg: Any, controllers: tuple[str, ...]) -> list[Recipient]:
    by_id = {c.id: c for c in cfg.controllers}
    found: dict[tuple[str, str], list[str]] = {}
    roles: dict[tuple[str, str], tuple[str, str, str]] = {}
    for cid in controllers:
        c = by_id[cid]
        if c.agreement == "OUS":
            key = (cfg.audit.dpo_email, "OUS")
            roles[key] = ("OUS data protection officer", "OUS", "OUS-6.a")
            found.setdefault(key, []).append(cid)
            key = (c.contact, "OUS")
            roles.setdefault(key, (f"submitting trust (controller): {c.name}", "OUS", "OUS-6.a"))
        else:
            key = (c.contact, "ECG")
            roles.setdefault(key, (f"treating physician (controller): {c.name}", "ECG", "ECG-8"))
        found.setdefault(key, []).append(cid)
    return [Recipient(addr, *roles[(addr, agr)], tuple(dict.fromkeys(cids)))
            for (addr, agr), cids in sorted(found.items())]


def affected(cfg: Any, incident: Incident, stores_of: dict[str, set[str]]) -> tuple[tuple[str, ...], list[str]]:
    """The controllers to notify, and the inconsistencies found (each one named, never resolved by guessing)."""
    known = {c.id for c in cfg.controllers}
    unknown = [c for c in incident.controllers if c not in known]
    if unknown:
        raise InputError(f"incident {incident.id}: controller(s) {', '.join(unknown)} not in stack {cfg.stack}")
    owner = {store: cid for cid, stores in stores_of.items() for store in stores}
    problems = []
    for store in incident.stores:
        if store not in owner and store not in {s.split("/")[0] for s in owner}:
            raise InputError(f"incident {incident.id}: store {store!r} is not one the stack names "
                             "(ACCOUNT/CONTAINER or ACCOUNT)")
        holders = {owner[store]} if store in owner else {cid for s, cid in owner.items() if s.split("/")[0] == store}
        for cid in sorted(holders - set(incident.controllers)):
            problems.append(f"store {store} holds data of controller {cid}, who is not listed under controllers")
    return incident.controllers, problems


def clock(found: dt.datetime, at: dt.datetime, first: dt.datetime) -> dict[str, str]:
    """`first` is when the initial notice went out: the controller's 72 hours run from it, follow-ups or not."""
    return {
        "processor_aware": found.isoformat(),
        "notice_time": at.isoformat(),
        "processor_delay": _hours(at - found),
        "controller_aware": first.isoformat(),
        "controller_deadline": (first + CONTROLLER_CLOCK).isoformat(),
        "rule": "GDPR art. 33(1): the controller notifies Datatilsynet without undue delay and where feasible within "
                "72 hours of becoming aware, i.e. of this notice; art. 33(2): the processor notifies the controller "
                "without undue delay",
    }


def _hours(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


def build(cfg: Any, incident: Incident, stores_of: dict[str, set[str]], at: dt.datetime,
          evidence: dict[str, Any] | None = None) -> dict[str, Any]:
    controllers, problems = affected(cfg, incident, stores_of)
    notices: list[dict[str, Any]] = []
    for r in recipients(cfg, controllers):
        for number, phase in enumerate(incident.phases):
            values = dict(phase.values)
            source = {}
            if "contact" not in values:
                values["contact"] = cfg.audit.processor_email
                source["contact"] = "stack config audit.processorEmail"
            first = max(at, incident.phases[0].at)
            sent = first if number == 0 else max(first, phase.at)
            gaps = missing(values)
            notices.append({
                "to": r.address,
                "role": r.role,
                "agreement": r.agreement,
                "clause": r.clause,
                "controllers": list(r.controllers),
                "kind": "initial" if number == 0 else f"follow-up {number}",
                "changed": list(phase.changed) if number else [],
                "fields": {name: _field(values, keys) for name, keys in FIELDS.items()},
                "sources": source,
                "occurred": values.get("occurred"),
                "stores": [s for s in incident.stores if _store_of(s, r.controllers, stores_of)],
                "missing": gaps,
                "inconsistencies": problems,
                "clock": clock(incident.found, sent, first),
                "evidence": evidence or {},
            })
    last = [n for n in notices if n["kind"] == ("initial" if len(incident.phases) == 1
                                                 else f"follow-up {len(incident.phases) - 1}")]
    final_missing = sorted({m for n in last for m in n["missing"]})
    return {"incident": incident.id, "stack": cfg.stack, "notices": notices,
            "complete": bool(notices) and not problems and not final_missing,
            "final_missing": final_missing, "inconsistencies": problems}


def _store_of(store: str, controllers: tuple[str, ...], stores_of: dict[str, set[str]]) -> bool:
    return any(store in stores_of.get(c, set()) or store in {s.split("/")[0] for s in stores_of.get(c, set())}
               for c in controllers)


def _field(values: dict[str, Any], keys: tuple[str, ...]) -> Any:
    present = {k: values[k] for k in keys if k in values}
    if not present:
        return None
    return present[keys[0]] if len(keys) == 1 else present


def render_text(notice: dict[str, Any], incident_id: str) -> str:
    lines = [
        f"To: {notice['to']}",
        f"Subject: Personal data breach {incident_id}: {notice['kind']} notice ({notice['agreement']} {notice['clause']})",
        "",
        f"Recipient: {notice['role']}",
        f"Concerns controller(s): {', '.join(notice['controllers'])}",
        f"Stores: {', '.join(notice['stores']) or 'not named'}",
        f"Occurred: {notice['occurred'] or 'not known yet'}",
        f"Processor aware: {notice['clock']['processor_aware']} (this notice {notice['clock']['processor_delay']} later)",
        f"The controller's deadline to notify Datatilsynet: {notice['clock']['controller_deadline']} "
        f"(72 hours, GDPR art. 33(1), from the initial notice at {notice['clock']['controller_aware']})",
        "",
    ]
    if notice["changed"]:
        lines += [f"New or changed since the last notice: {', '.join(notice['changed'])}", ""]
    for name, value in notice["fields"].items():
        if value is None:
            lines.append(f"{name.capitalize()}: MISSING - not known yet; will follow (GDPR art. 33(4))")
        elif isinstance(value, dict):
            lines.append(f"{name.capitalize()}:")
            for key, items in value.items():
                lines += [f"  {key.replace('_', ' ')}:"] + [f"    - {v}" for v in items]
        elif isinstance(value, list):
            lines += [f"{name.capitalize()}:"] + [f"  - {v}" for v in value]
        else:
            lines.append(f"{name.capitalize()}: {value}")
    if notice["missing"]:
        lines += ["", f"Still missing: {', '.join(notice['missing'])}."]
    if notice["inconsistencies"]:
        lines += ["", "Inconsistencies in the incident record (to be resolved):"]
        lines += [f"  - {p}" for p in notice["inconsistencies"]]
    if notice["evidence"]:
        lines += ["", "From the processor's audit log:"] + [f"  - {k}: {v}" for k, v in notice["evidence"].items()]
    return "\n".join(lines) + "\n"
