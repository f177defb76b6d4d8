"""The access review: who can reach each controller's data, through what, since and until when.

Read from the plan (what the deployment grants: role assignments and PIM eligibilities on
scopes, the Entra groups they name, the members of those groups) and joined with the stack
config (who those members are, their confidentiality declarations, the controllers'
agreement dates). The plan correlates by URN, not by object id: in a preview, group object
ids are unknown, so an assignment's `principalId` and a membership's `groupObjectId` are
followed through `propertyDependencies` (recorded by the engine for each input that came from
another resource's output; pulumi/pulumi sdk/proto/resource.proto, `RegisterResourceRequest.
propertyDependencies`; a `pulumi preview --json` step carries them in `newState`, an
`apitype.ResourceV3`: pkg/backend/display/json.go `PreviewStep.NewState`,
sdk/go/common/apitype/core.go `ResourceV3.PropertyDependencies`).

Flags that must be acted on (`act`): a member without a confidentiality declaration (OUS-7),
access with no end or an end after the agreement's (OUS-8 five-year cap, ECG end dates), an
agreement that has ended while its data or grants remain (OUS-9, ECG-11), an end within
`SOON_DAYS`, a PIM eligibility without expiry (OUS-6.2), a break-glass account holding data
access. Notes (`note`) inform: staff waiting for a declaration, who is not granted anything.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

SOON_DAYS = 30

GROUP = "azuread:index/group:Group"
MEMBER = "azuread:index/groupMember:GroupMember"
ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
# PIM eligibility: the schedule resource the program uses, and the request form of the same grant.
ELIGIBILITY = frozenset({"azure-native:authorization:PimRoleEligibilitySchedule",
                         "azure-native:authorization:RoleEligibilityScheduleRequest"})
CONTAINER = "azure-native:storage:BlobContainer"

# ABAC conditions bound a grant in time with `@Environment[UtcNow] DateTimeLessThan '...'`
# (Microsoft Learn, "Azure role assignment condition format and syntax", environment attributes).
_SCOPE = re.compile(
    r"^/subscriptions/[^/]+(?:/resourceGroups/(?P<rg>[^/]+)"
    r"(?:/providers/Microsoft\.Storage/storageAccounts/(?P<account>[^/]+)"
    r"(?:/blobServices/default/containers/(?P<container>[^/]+))?)?)?",
    re.IGNORECASE,
)
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T.*)?$")


@dataclass(frozen=True)
class Member:
    object_id: str
    name: str
    declaration: dt.date | None
    break_glass: bool = False


@dataclass(frozen=True)
class Grant:
    kind: str
    """assignment | eligible (PIM)"""
    principal: str
    """The group's display name (or the principal id when it is not a group of the plan)."""
    role: str
    scope: str
    """Shortened: account/container, account, or resource group."""
    controllers: tuple[str, ...]
    since: dt.date | None
    until: dt.date | None
    """The end the grant itself carries (ABAC condition, PIM schedule end); None: none in the plan."""
    expiry: str
    """How the grant ends, in words."""
    members: tuple[Member, ...]
    urn: str


@dataclass(frozen=True)
class ControllerAccess:
    id: str
    name: str
    agreement: str
    signed: dt.date
    ends: dt.date | None
    """Last day access may exist (OUS-8 cap or the agreement's end); None: while the agreement runs."""
    containers: tuple[str, ...]


@dataclass(frozen=True)
class Flag:
    severity: str
    """act | note"""
    clause: str
    controller: str
    who: str
    what: str
    violation: bool = False
    """The clause is broken now (an agreement ended with data or grants left, a grant outliving the
    agreement), not merely something to attend to: the evidence page shows the clause violated."""


@dataclass
class Review:
    stack: str
    today: dt.date
    controllers: list[ControllerAccess]
    grants: list[Grant]
    break_glass: list[Member]
    pending: list[Member]
    """Staff on record without a declaration (granted nothing)."""
    flags: list[Flag] = field(default_factory=list)
    _index: dict[str, list[Grant]] | None = field(default=None, repr=False, compare=False)
    _indexed: int = field(default=-1, repr=False, compare=False)

    @property
    def must_act(self) -> list[Flag]:
        return [f for f in self.flags if f.severity == "act"]

    def grants_of(self, controller: str) -> list[Grant]:
        if self._index is None or self._indexed != len(self.grants):
            index: dict[str, list[Grant]] = {}
            for g in sorted(self.grants, key=lambda g: (g.kind, g.principal, g.role, g.scope)):
                for c in g.controllers:
                    index.setdefault(c, []).append(g)
            self._index, self._indexed = index, len(self.grants)
        return list(self._index.get(controller, []))

    def to_json(self) -> dict[str, Any]:
        def member(m: Member) -> dict[str, Any]:
            return {"objectId": m.object_id, "name": m.name,
                    "declaration": m.declaration.isoformat() if m.declaration else None, "breakGlass": m.break_glass}

        return {
            "stack": self.stack,
            "today": self.today.isoformat(),
            "controllers": [{"id": c.id, "name": c.name, "agreement": c.agreement, "signed": c.signed.isoformat(),
                             "accessEnds": c.ends.isoformat() if c.ends else None, "containers": list(c.containers)}
                            for c in self.controllers],
            "grants": [{"kind": g.kind, "principal": g.principal, "role": g.role, "scope": g.scope,
                        "controllers": list(g.controllers), "since": g.since.isoformat() if g.since else None,
                        "until": g.until.isoformat() if g.until else None, "expiry": g.expiry,
                        "members": [member(m) for m in g.members]} for g in self.grants],
            "breakGlass": [member(m) for m in self.break_glass],
            "pendingDeclarations": [member(m) for m in self.pending],
            "flags": [{"severity": f.severity, "clause": f.clause, "controller": f.controller, "who": f.who,
                       "what": f.what, "violation": f.violation} for f in self.flags],
            "mustAct": len(self.must_act),
        }


# ----------------------------------------------------------------------------- plan reading


def raw_resources(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """urn, type, inputs, propertyDependencies, dependencies of each resource of a plan.json or preview JSON.

    The document has been read by dpaguard.checking already (shape errors are reported there);
    this only picks the fields it needs and skips anything odd.
    """
    out: list[dict[str, Any]] = []
    if isinstance(document.get("resources"), list):
        states: Iterable[Any] = document["resources"]
    else:
        states = (s.get("newState") for s in document.get("steps") or [] if isinstance(s, dict))
    for state in states:
        if not isinstance(state, dict) or not isinstance(state.get("urn"), str):
            continue
        inputs = state.get("inputs")
        deps = state.get("propertyDependencies")
        out.append({
            "urn": state["urn"],
            "type": str(state.get("type", "")),
            "inputs": inputs if isinstance(inputs, dict) else {},
            "propertyDependencies": deps if isinstance(deps, dict) else {},
            "dependencies": [d for d in state.get("dependencies") or [] if isinstance(d, str)],
        })
    return out


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _source(res: Mapping[str, Any], prop: str, types: set[str] | frozenset[str], by_urn: Mapping[str, Any]) -> str | None:
    """The URN of the resource of one of `types` whose output fed `prop` (else a plain dependency of that type)."""
    for urn in res["propertyDependencies"].get(prop) or []:
        if isinstance(urn, str) and by_urn.get(urn, {}).get("type") in types:
            return urn
    candidates = [d for d in res["dependencies"] if by_urn.get(d, {}).get("type") in types]
    return candidates[0] if len(candidates) == 1 else None


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _duration_days(text: str) -> int | None:
    m = _DURATION.match(text)
    if not m or not any(m.groups()[:4]):
        return None
    years, months, weeks, days = (int(g) if g else 0 for g in m.groups()[:4])
    return years * 365 + months * 30 + weeks * 7 + days


def _short_scope(scope: str) -> str:
    m = _SCOPE.match(scope)
    if not m:
        return scope
    if m.group("container"):
        return f"{m.group('account')}/{m.group('container')}"
    if m.group("account"):
        return f"{m.group('account')} (whole account)"
    if m.group("rg"):
        return f"{m.group('rg')} (resource group)"
    return "subscription"


# ----------------------------------------------------------------------------- the review


def review(document: Mapping[str, Any], cfg: Any, today: dt.date) -> Review:
    """The access review of `document` (a plan.json or preview JSON) under stack config `cfg`."""
    resources = raw_resources(document)
    by_urn = {r["urn"]: r for r in resources}
    staff = {s.object_id: s for s in cfg.staff}
    break_glass = set(cfg.access.break_glass)
    controllers = {c.id: c for c in cfg.controllers}

    def person(object_id: str) -> Member:
        s = staff.get(object_id)
        if s is not None:
            return Member(object_id, s.name, s.declaration, object_id in break_glass)
        name = "break-glass account" if object_id in break_glass else "not in the stack's staff register"
        return Member(object_id, name, None, object_id in break_glass)

    members: dict[str, list[Member]] = {}
    for r in resources:
        if r["type"] == MEMBER:
            group = _source(r, "groupObjectId", {GROUP}, by_urn)
            member = _text(r["inputs"].get("memberObjectId"))
            if group and member:
                members.setdefault(group, []).append(person(member))

    containers: dict[tuple[str, str], str] = {}
    """(account, container) -> controller id"""
    controller_containers: dict[str, list[str]] = {}
    groups_of_rg: dict[str, set[str]] = {}
    """resource group (lower case) -> controllers with data in it"""
    for r in resources:
        if r["type"] != CONTAINER:
            continue
        meta = r["inputs"].get("metadata")
        owner = _text(meta.get("dpaguard_controller")) if isinstance(meta, dict) else None
        account, name = _text(r["inputs"].get("accountName")), _text(r["inputs"].get("containerName"))
        if owner and account and name:
            containers[(account.lower(), name.lower())] = owner
            controller_containers.setdefault(owner, []).append(f"{account}/{name}")
            rg = _text(r["inputs"].get("resourceGroupName"))
            groups_of_rg.setdefault((rg or "").lower(), set()).add(owner)

    def covered(scope: str) -> tuple[str, ...]:
        m = _SCOPE.match(scope)
        if not m:
            return ()
        account, container = (m.group("account") or "").lower(), (m.group("container") or "").lower()
        if container:
            owner = containers.get((account, container))
            return (owner,) if owner else ()
        if account:
            return tuple(sorted({c for (a, _), c in containers.items() if a == account}))
        # resource group or subscription: every controller whose data lies below it
        rg = (m.group("rg") or "").lower()
        if not rg:
            return tuple(sorted({c for owners in groups_of_rg.values() for c in owners}))
        return tuple(sorted(groups_of_rg.get(rg, set())))

    role_names = {r["urn"]: _text(r["inputs"].get("roleName")) or r["urn"].rsplit("::", 1)[-1]
                  for r in resources if r["type"] == ROLE_DEFINITION}

    grants: list[Grant] = []
    for r in resources:
        if r["type"] != ASSIGNMENT and r["type"] not in ELIGIBILITY:
            continue
        inputs = r["inputs"]
        scope = _text(inputs.get("scope")) or ""
        group = _source(r, "principalId", {GROUP}, by_urn)
        if group is not None:
            principal = _text(by_urn[group]["inputs"].get("displayName")) or group.rsplit("::", 1)[-1]
            people = tuple(sorted(members.get(group, []), key=lambda m: (m.name, m.object_id)))
        else:
            pid = _text(inputs.get("principalId")) or "?"
            principal = pid
            people = (person(pid),) if inputs.get("principalType") == "User" else ()
        role_def = _source(r, "roleDefinitionId", {ROLE_DEFINITION}, by_urn)
        role = role_names[role_def] if role_def else "built-in role " + str(inputs.get("roleDefinitionId", "?")).rsplit("/", 1)[-1]
        owners = covered(scope)
        signed = [controllers[c].signed for c in owners if c in controllers]
        since = max(signed) if len(owners) == 1 and signed else None
        if r["type"] == ASSIGNMENT:
            data_actions = [a for block in (by_urn[role_def]["inputs"].get("permissions") or [] if role_def else [])
                            if isinstance(block, dict) for a in block.get("dataActions") or [] if isinstance(a, str)]
            until, expiry = _assignment_end(inputs, data_actions)
            kind = "assignment"
        else:
            until, expiry = _eligibility_end(inputs)
            kind = "eligible (PIM)"
        grants.append(Grant(kind, principal, role, _short_scope(scope), owners, since, until, expiry, people, r["urn"]))
    grants.sort(key=lambda g: (g.controllers[:1], g.kind, g.principal, g.role, g.scope))

    ctl = [ControllerAccess(c.id, c.name, c.agreement, c.signed, c.access_ends,
                            tuple(sorted(controller_containers.get(c.id, []))))
           for c in sorted(cfg.controllers, key=lambda c: c.id)]
    out = Review(
        stack=cfg.stack,
        today=today,
        controllers=ctl,
        grants=grants,
        break_glass=[person(b) for b in cfg.access.break_glass],
        pending=sorted((Member(s.object_id, s.name, None) for s in cfg.staff if s.declaration is None),
                       key=lambda m: m.name),
    )
    out.flags = _flags(out)
    return out


def _assignment_end(inputs: Mapping[str, Any], data_actions: Sequence[str]) -> tuple[dt.date | None, str]:
    """When an assignment's ABAC condition ends it, read as the pack reads it (policies.authz
    `parse_time_limit`: the documented shape only; a condition with another OR branch may grant
    access whatever the date says, so it ends nothing), for every data action of its role, in
    condition version 2.0 (the default when none is given: Learn "Role Assignments - Create")."""
    from policies.authz import parse_time_limit, uncovered_actions

    condition = inputs.get("condition")
    if not isinstance(condition, str) or not condition.strip():
        return None, "no end in the plan (removed with the agreement)"
    limit = parse_time_limit(condition)
    until = _date(limit.until) if limit is not None else None
    if limit is None or until is None or inputs.get("conditionVersion") not in (None, "2.0"):
        return None, ("an ABAC condition that is not a recognised time limit, so no end in the plan "
                      "(removed with the agreement)")
    lasting = uncovered_actions(limit, data_actions)
    if lasting:
        return None, (f"ABAC condition until {until} leaves {', '.join(sorted(lasting))} without an end "
                      "(removed with the agreement)")
    return until, f"ABAC condition: until {until}"


def _eligibility_end(inputs: Mapping[str, Any]) -> tuple[dt.date | None, str]:
    """A PIM schedule's end and how it is expressed (scheduleInfo.expiration: type, endDateTime, duration)."""
    info = inputs.get("scheduleInfo")
    expiration = info.get("expiration") if isinstance(info, dict) else None
    start = _date(_text(info.get("startDateTime"))) if isinstance(info, dict) else None
    if not isinstance(expiration, dict):
        return None, "no expiry in the plan"
    kind = _text(expiration.get("type")) or "?"
    end = _date(_text(expiration.get("endDateTime")))
    if kind == "AfterDateTime" and end:
        return end, f"expires {end}"
    duration = _text(expiration.get("duration"))
    if kind == "AfterDuration" and duration:
        days = _duration_days(duration)
        if start and days is not None:
            end = start + dt.timedelta(days=days)
            return end, f"{duration} from {start}: expires {end}"
        return None, f"{duration} after the schedule starts (start set at deployment)"
    if kind == "NoExpiration":
        return None, "never expires"
    return None, f"expiration {kind}"


def _agreement_clause(agreement: str, ous: str, ecg: str) -> str:
    return ous if agreement == "OUS" else ecg


def _flags(review: Review) -> list[Flag]:
    flags: list[Flag] = []
    today = review.today
    by_id = {c.id: c for c in review.controllers}
    for c in review.controllers:
        # grants on this controller's data alone; shared scopes (an account, the data resource group)
        # stay listed but are not this agreement's to revoke
        grants = [g for g in review.grants_of(c.id) if g.controllers == (c.id,)]
        end_clause = _agreement_clause(c.agreement, "OUS-8", "ECG-11")
        if c.ends is not None and c.ends <= today:
            if grants:
                flags.append(Flag("act", end_clause, c.id, ", ".join(sorted({g.principal for g in grants})),
                                  f"the agreement ended {c.ends}, but {len(grants)} grant(s) on its data remain: revoke",
                                  violation=True))
            if c.containers:
                flags.append(Flag("act", _agreement_clause(c.agreement, "OUS-9", "ECG-11"), c.id, "-",
                                  f"the agreement ended {c.ends}; its data ({', '.join(c.containers)}) is still "
                                  "provisioned: run the offboarding runbook (delete, verify, receipt)", violation=True))
        elif c.ends is not None and (c.ends - today).days <= SOON_DAYS:
            flags.append(Flag("act", end_clause, c.id, "-",
                              f"access ends {c.ends}, in {(c.ends - today).days} days: renew the agreement or "
                              "prepare offboarding"))
    for g in review.grants:
        for cid in g.controllers:
            owner = by_id.get(cid)
            if owner is None or owner.ends is None or owner.ends <= today:
                continue
            # A PIM eligibility is a standing right to activate the role, so it must end with the
            # agreement just like an assignment. Shared scopes (resource group, subscription) hold
            # the operators' eligibilities for every controller and are judged by OUS-6.2 instead.
            if g.kind != "assignment" and g.controllers != (cid,):
                continue
            if g.until is None or g.until > owner.ends:
                what = "PIM eligibility for " if g.kind != "assignment" else ""
                flags.append(Flag("act", _agreement_clause(owner.agreement, "OUS-8", "ECG-11"), cid, g.principal,
                                  f"{what}{g.role} on {g.scope} {('until ' + str(g.until)) if g.until else 'has no end'}, "
                                  f"beyond the agreement's end {owner.ends}: the grant outlives the agreement",
                                  violation=True))
        if g.kind != "assignment":
            if g.until is not None and 0 <= (g.until - today).days <= SOON_DAYS:
                flags.append(Flag("act", "OUS-6.2", ",".join(g.controllers) or "-", g.principal,
                                  f"PIM eligibility for {g.role} on {g.scope} expires {g.until}: renew or let lapse"))
            elif g.expiry == "never expires":
                flags.append(Flag("act", "OUS-6.2", ",".join(g.controllers) or "-", g.principal,
                                  f"PIM eligibility for {g.role} on {g.scope} never expires: elevation must be time-bound"))
        for m in g.members:
            agreements = {by_id[c].agreement for c in g.controllers if c in by_id} or {"OUS"}
            clause = "OUS-7" if "OUS" in agreements else "ECG-7"
            where = ", ".join(g.controllers) or g.scope
            if m.declaration is None:
                flags.append(Flag("act", clause, where, f"{m.name} ({m.object_id})",
                                  f"member of {g.principal} ({g.role} on {g.scope}) without a confidentiality "
                                  "declaration on record: remove from the group or record the declaration"))
            elif m.declaration > today:
                flags.append(Flag("act", clause, where, f"{m.name} ({m.object_id})",
                                  f"declaration dated {m.declaration}, after today: not yet valid"))
            if m.break_glass and g.controllers:
                flags.append(Flag("act", "OUS-6.2", where, f"{m.name} ({m.object_id})",
                                  f"break-glass account holds data access through {g.principal}: break-glass "
                                  "accounts are for recovery, not for data"))
    for m in review.pending:
        flags.append(Flag("note", "OUS-7", "-", f"{m.name} ({m.object_id})",
                          "on the staff register without a confidentiality declaration: granted nothing until "
                          "one is recorded"))
    return _dedupe(flags)


def _dedupe(flags: Sequence[Flag]) -> list[Flag]:
    seen: set[Flag] = set()
    out: list[Flag] = []
    for f in flags:
        if f not in seen:
            seen.add(f)
            out.append(f)
    out.sort(key=lambda f: (f.severity != "act", f.controller, f.clause, f.who, f.what))
    return out


def render_text(review: Review) -> str:
    """`dpaguard review`: the flags first, then the grants per controller."""
    lines = [f"access review of stack {review.stack} on {review.today}: {len(review.must_act)} item(s) to act on, "
             f"{len(review.flags) - len(review.must_act)} note(s)"]
    for f in review.flags:
        lines.append(f"{f.severity.upper():<4} [{f.clause}] {f.controller}: {f.who}: {f.what}")
    for c in review.controllers:
        ends = f"access ends {c.ends}" if c.ends else "no end date (while the agreement runs)"
        lines.append(f"{c.id} ({c.agreement}, signed {c.signed}, {ends}): {c.name}")
        for g in review.grants_of(c.id):
            people = ", ".join(f"{m.name} (declaration {m.declaration or 'MISSING'})" for m in g.members) or "no members"
            lines.append(f"  {g.kind:<14} {g.role} on {g.scope} via {g.principal}; {g.expiry}: {people}")
    if review.break_glass:
        lines.append("break-glass accounts (excluded from Conditional Access): "
                     + ", ".join(f"{m.name} ({m.object_id})" for m in review.break_glass))
    return "\n".join(lines) + "\n"
