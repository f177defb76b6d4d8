"""Render the azure-native resources of a plan as one ARM template.

The template is a subscription deployment (`subscriptionDeploymentTemplate.json`), because a
plan spans resource groups, creates them, and defines roles and policy assignments at the
subscription: resource groups and subscription-level resources sit at the top, and each
resource group's resources sit in a nested deployment (`Microsoft.Resources/deployments`
with `resourceGroup`, inner expression scope). Extension resources (role assignments,
diagnostic settings, PIM eligibility) go into the deployment of the resource group their
scope lies in, with ARM's relative `scope`.

Values the plan cannot know yet (the engine's unknown sentinel) become properties of the
`unknownValues` object parameter, secrets properties of the `secretValues` secureObject
parameter (their values are never written), each key described in the parameter's metadata;
literal strings that look like ARM expressions are escaped (`[[`). The template stays valid
and says honestly what is missing. Resources without an ARM form
(Entra ID groups, Conditional Access) are listed in `metadata.skipped` with the reason.

`dependsOn` follows the plan's dependencies: inside a deployment with `resourceId`/
`extensionResourceId`, across containers as deployment-to-deployment (or top-level) order.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dpaguard import __version__
from dpaguard.arm import sdk
from dpaguard.arm.catalog import (
    DEPLOYMENT_TOKEN,
    SUBRESOURCE_KEYS,
    TYPES,
    ArmType,
    base_token,
    skip_reason,
    versioned,
)

if TYPE_CHECKING:  # rendering needs no policy engine: any object with these fields will do
    from dpaguard.engine import Resource

SUBSCRIPTION_SCHEMA = "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
GROUP_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
CONTENT_VERSION = "1.0.0.0"

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SECRET_MARKER = "[secret]"
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"

# Fixed order of an ARM resource's top-level fields (the `properties` object comes last).
_FIELD_ORDER = ("type", "apiVersion", "name", "scope", "resourceGroup", "location", "extendedLocation", "zones",
                "sku", "kind", "identity", "plan", "etag", "managedBy", "tags", "dependsOn", "properties")

_SCOPE = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)(?:/resourceGroups/(?P<rg>[^/]+)(?:/providers/(?P<rest>.+?))?)?/?$",
    re.IGNORECASE,
)
_DEPLOYMENT_NAME_MAX = 64


# ------------------------------------------------------------------------------- values


# Values the plan does not hold are properties of two object parameters: one for values unknown
# until deployment, one (secureObject) for secrets. Nested deployments receive them under other
# names, so an inner reference never names an outer parameter: checkov's ARM graph links every
# string naming a template parameter and re-parses a JSONPath per link (seconds per hundred),
# which per-value parameters made the dominant cost of a scan.
OUTER = {"unknown": "unknownValues", "secret": "secretValues"}
INNER = {"unknown": "unknowns", "secret": "secrets"}
OUTER_TYPE = {"unknown": "object", "secret": "secureObject"}
OUTER_DESCRIPTION = {
    "unknown": "Values the plan could not know (computed by other resources, e.g. Entra ID group object ids): "
               "one property per key of metadata.keys.",
    "secret": "Secrets of the plan, never written to the template: one property per key of metadata.keys.",
}


@dataclass(frozen=True)
class Param:
    """A value the plan does not hold: a property of the unknown-values or secret-values parameter."""

    name: str
    kind: str = "unknown"

    def ref(self) -> str:
        return f"parameters('{OUTER[self.kind]}').{self.name}"

    def expression(self) -> str:
        return f"[{self.ref()}]"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _escape(text: str) -> str:
    # ARM reads "[...]" as an expression; "[[" keeps a literal.
    return "[" + text if text.startswith("[") and text.endswith("]") else text


def _ident(text: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", text)
    ident = "".join(w[:1].upper() + w[1:] for w in words) or "Value"
    ident = ident[0].lower() + ident[1:]
    return ident if ident[0].isalpha() else f"v{ident}"


class _Params:
    def __init__(self) -> None:
        self.keys: dict[str, dict[str, str]] = {"unknown": {}, "secret": {}}

    def new(self, urn: str, label: str, path: str, kind: str) -> Param:
        digest = hashlib.sha256(f"{urn}\n{path}".encode()).hexdigest()[:8]
        name = f"{_ident(path.rsplit('.', 1)[-1].split('[', 1)[0])}_{digest}"
        group = "unknown" if kind == "unknown" else "secret"
        what = "unknown until deployment" if group == "unknown" else "a secret (never written here)"
        self.keys[group][name] = f"{path} of {label}: {what}"
        return Param(name, group)

    def declarations(self) -> dict[str, dict[str, Any]]:
        return {OUTER[g]: {"type": OUTER_TYPE[g], "metadata": {"description": OUTER_DESCRIPTION[g],
                                                               "keys": dict(sorted(keys.items()))}}
                for g, keys in self.keys.items() if keys}


@dataclass
class _Ctx:
    params: _Params
    urn: str
    label: str


def _placeholder(value: Any, ctx: _Ctx, path: str) -> Param | None:
    """The parameter standing for `value`, if the plan holds no usable value there."""
    if value == UNKNOWN:
        return ctx.params.new(ctx.urn, ctx.label, path, "unknown")
    if value == SECRET_MARKER:
        return ctx.params.new(ctx.urn, ctx.label, path, "secret")
    if isinstance(value, Mapping) and value.get(_SIG_KEY) == _SECRET_SIG:
        inner = value.get("value")
        return ctx.params.new(ctx.urn, ctx.label, path,
                              "secret-object" if isinstance(inner, (Mapping, list)) else "secret")
    return None


def _value(value: Any, ctx: _Ctx, path: str) -> Any:
    """A wire value as an ARM template value (a parameter reference where the plan has no usable value)."""
    param = _placeholder(value, ctx, path) if isinstance(value, (str, Mapping)) else None
    if param is not None:
        return param.expression()
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        # protobuf Struct carries every number as a double; ARM integers must be integers
        return int(value) if value.is_integer() else value
    if isinstance(value, Mapping):
        return {k: _value(v, ctx, f"{path}.{k}" if path else k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_value(v, ctx, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


# ------------------------------------------------------------------------------- shape


def _walk(node: Any, steps: list[str]) -> list[Any]:
    """The containers at `steps` (`a`, `b[]`) below `node`; missing steps yield nothing."""
    current = [node]
    for step in steps:
        many = step.endswith("[]")
        key = step[:-2] if many else step
        nxt: list[Any] = []
        for item in current:
            if isinstance(item, dict) and key in item:
                value = item[key]
                if many:
                    nxt.extend(v for v in value if isinstance(v, dict)) if isinstance(value, list) else None
                else:
                    nxt.append(value)
        current = nxt
    return current


def _rename(props: dict[str, Any], path: str, new: str) -> None:
    *parents, old = path.split(".")
    for holder in _walk(props, parents):
        if isinstance(holder, dict) and old in holder:
            # keep the key's position: ARM readers diff templates by eye
            items = [(new if k == old else k, v) for k, v in holder.items()]
            holder.clear()
            holder.update(items)


def _unflatten(props: dict[str, Any], path: str) -> None:
    steps = path.split(".")
    *parents, last = steps
    many = last.endswith("[]")
    key = last[:-2] if many else last
    for holder in _walk(props, parents):
        if not isinstance(holder, dict) or key not in holder:
            continue
        items = holder[key] if many else [holder[key]]
        if not isinstance(items, list):
            continue
        for item in items:
            if not isinstance(item, dict) or "properties" in item:
                continue
            kept = {k: v for k, v in item.items() if k in SUBRESOURCE_KEYS}
            inner = {k: v for k, v in item.items() if k not in SUBRESOURCE_KEYS}
            item.clear()
            item.update(kept)
            if inner:
                item["properties"] = inner


def arm_shape(token: str, inputs: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(top-level fields, properties) of a resource, still as wire values."""
    spec = TYPES[token]
    skip = spec.path_inputs() | {"id"}
    top: dict[str, Any] = {}
    props: dict[str, Any] = {}
    for key, value in inputs.items():
        if key in skip:
            continue
        if key in spec.top_level:
            top[key] = value
        elif spec.nested_properties and key == "properties" and isinstance(value, Mapping):
            props.update(value)
        else:
            props[key] = value
    props = json.loads(json.dumps(props))  # a private copy: the plan's inputs stay untouched
    for path, new in spec.renames:
        _rename(props, path, new)
    for path in spec.subresources:
        _unflatten(props, path)
    props.update(spec.fixed)
    return top, props


# ------------------------------------------------------------------------------- placement


@dataclass
class Rendered:
    """One rendered plan resource: where it is in the template and what it came from."""

    urn: str
    token: str
    pulumi_name: str
    arm_type: str
    body: dict[str, Any]
    segments: list[Any]
    """Name segments (str or Param)."""
    container: str | None
    """The nested deployment it is in, or None at the top (subscription level)."""
    scope: str | None = None
    """Relative (in a deployment) or literal scope of an extension resource."""
    line: int = 0
    """1-based line of the resource's opening brace in the written template."""

    @property
    def arm_name(self) -> str:
        return "/".join(s if isinstance(s, str) else f"[{s.name}]" for s in self.segments)

    @property
    def key(self) -> str:
        """Checkov's resource id: `type.name` (name as written in the template)."""
        return f"{self.arm_type}.{self.body['name']}"


@dataclass(frozen=True)
class Skipped:
    urn: str
    token: str
    name: str
    reason: str


@dataclass
class Template:
    document: dict[str, Any]
    resources: list[Rendered]
    skipped: list[Skipped]
    deployments: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The template as written to disk; also fills each resource's `line`."""
        text = json.dumps(self.document, indent=1, ensure_ascii=False) + "\n"
        _locate(text, self)
        return text

    def by_line(self) -> dict[int, Rendered]:
        return {r.line: r for r in self.resources}


def _name_value(segments: Sequence[Any]) -> str:
    if all(isinstance(s, str) for s in segments):
        return _escape("/".join(segments))
    if len(segments) == 1:
        return str(segments[0].expression())
    parts: list[str] = []
    for i, s in enumerate(segments):
        if i:
            parts.append(_quote("/"))
        parts.append(s.ref() if isinstance(s, Param) else _quote(s))
    return f"[concat({', '.join(parts)})]"


def _ref_args(segments: Sequence[Any]) -> str:
    return ", ".join(s.ref() if isinstance(s, Param) else _quote(s) for s in segments)


def _segments(spec: ArmType, res: Resource, ctx: _Ctx) -> list[Any]:
    if spec.generated_name or (spec.guid_if_absent and res.inputs.get(spec.names[0].key or "") is None):
        return [str(uuid.uuid5(uuid.NAMESPACE_URL, res.urn))]
    out: list[Any] = []
    for seg in spec.names:
        raw = res.inputs.get(seg.key) if seg.key else None
        if raw is None:
            raw = seg.default
        if raw is None:
            raw = UNKNOWN  # a required name the plan lacks: a parameter, not a guess
        param = _placeholder(raw, ctx, seg.key or "name") if isinstance(raw, (str, Mapping)) else None
        out.append(param if param is not None else str(raw))
    return out


def _arm_type(spec: ArmType, res: Resource) -> str:
    def sub(m: re.Match[str]) -> str:
        value = res.inputs.get(m.group(1))
        return value if isinstance(value, str) and value != UNKNOWN else m.group(0)

    return re.sub(r"\{(\w+)\}", sub, spec.arm_type)


def _primary_subscription(resources: Iterable[Resource]) -> str | None:
    counts: dict[str, int] = {}
    for res in resources:
        spec = TYPES.get(base_token(res.type))
        if spec is None or not spec.scope_input:
            continue
        m = _SCOPE.match(str(res.inputs.get(spec.scope_input, "")))
        if m:
            counts[m.group("sub").lower()] = counts.get(m.group("sub").lower(), 0) + 1
    return max(counts, key=lambda s: counts[s]) if counts else None


def render(resources: Iterable[Resource], *, source: str = "") -> Template:
    """The ARM template of every azure-native resource in `resources` (custom resources only)."""
    resources = [r for r in resources if r.custom and not r.type.startswith("pulumi:")]
    params = _Params()
    primary = _primary_subscription(resources)
    rendered: list[Rendered] = []
    skipped: list[Skipped] = []
    notes: list[str] = []
    for res in resources:
        reason = skip_reason(res.type)
        if reason is not None:
            skipped.append(Skipped(res.urn, res.type, res.name, reason))
            continue
        token = base_token(res.type)
        spec = TYPES[token]
        arm_type = _arm_type(spec, res)
        if "{" in arm_type:
            skipped.append(Skipped(res.urn, res.type, res.name, f"its ARM type {arm_type} depends on a value the "
                                   "plan does not know"))
            continue
        ctx = _Ctx(params, res.urn, f"{res.name} ({res.type})")
        top, props = arm_shape(token, res.inputs)
        segments = _segments(spec, res, ctx)
        pinned = versioned(res.type)
        body: dict[str, Any] = {"type": arm_type, "apiVersion": pinned[1] if pinned else sdk.api_version(token),
                                "name": _name_value(segments)}
        container, scope = _place(spec, res, ctx, primary, notes)
        if scope is not None:
            body["scope"] = scope if isinstance(scope, str) else scope.expression()
        for key, value in top.items():
            body[key] = _value(value, ctx, key)
        if props:
            body["properties"] = _value(props, ctx, "properties")
        rendered.append(Rendered(res.urn, res.type, res.name, arm_type, body, segments, container,
                                 scope if isinstance(scope, str) else None))
    document, deployments = _assemble(rendered, resources, params, notes)
    _ordered_fields(rendered)
    document["metadata"] = {
        "generator": f"dpaguard {__version__} (dpaguard arm)",
        "source": source,
        "sdk": sdk.committed()["sdk"],
        "skipped": [{"urn": s.urn, "type": s.token, "reason": s.reason} for s in skipped],
    }
    if notes:
        document["metadata"]["notes"] = notes
    # metadata first: a reader sees what the template is before 5000 lines of resources
    document = {k: document[k] for k in ("$schema", "contentVersion", "metadata", "parameters", "resources")
                if k in document}
    return Template(document, rendered, skipped, deployments, notes)


def _place(spec: ArmType, res: Resource, ctx: _Ctx, primary: str | None,
           notes: list[str]) -> tuple[str | None, str | Param | None]:
    """(resource group or None for the top, scope) of a resource."""
    if spec.level == "subscription":
        return None, None
    if spec.level == "group":
        rg = res.inputs.get("resourceGroupName")
        if not isinstance(rg, str) or rg in (UNKNOWN, SECRET_MARKER):
            return f"param:{ctx.params.new(ctx.urn, ctx.label, 'resourceGroupName', 'unknown').name}", None
        return rg, None
    raw = res.inputs.get(spec.scope_input or "scope")
    if not isinstance(raw, str) or raw in (UNKNOWN, SECRET_MARKER):
        return None, ctx.params.new(ctx.urn, ctx.label, spec.scope_input or "scope", "unknown")
    m = _SCOPE.match(raw)
    if m is None:
        notes.append(f"{res.urn}: scope {raw} is outside any subscription; a subscription deployment "
                     "cannot create it as written")
        return None, raw
    sub, rg, rest = m.group("sub"), m.group("rg"), m.group("rest")
    if primary is not None and sub.lower() != primary:
        notes.append(f"{res.urn}: scope is in subscription {sub}, the template deploys to {primary}")
        return None, raw
    if rg is None:
        return None, None
    return rg, rest


def _ordered_fields(rendered: list[Rendered]) -> None:
    for r in rendered:
        ordered = {k: r.body[k] for k in _FIELD_ORDER if k in r.body}
        ordered.update({k: v for k, v in r.body.items() if k not in ordered})
        r.body.clear()
        r.body.update(ordered)


# ------------------------------------------------------------------------------- assembly


def _kinds_in(text: str) -> list[str]:
    return [g for g in ("unknown", "secret") if f"parameters('{OUTER[g]}')" in text]


def _as_inner(node: Any) -> Any:
    """`node` with references to the outer value parameters renamed to the deployment's own."""
    text = json.dumps(node, ensure_ascii=False)
    for g in OUTER:
        text = text.replace(f"parameters('{OUTER[g]}')", f"parameters('{INNER[g]}')")
    return json.loads(text)


def _deployment_name(rg: str, taken: set[str]) -> str:
    base = f"dpaguard-{rg}" if not rg.startswith("param:") else "dpaguard-rg-" + rg.split("_")[-1]
    if len(base) > _DEPLOYMENT_NAME_MAX or not re.fullmatch(r"[-\w.()]+", base):
        base = "dpaguard-rg-" + hashlib.sha256(rg.encode()).hexdigest()[:12]
    name, i = base, 2
    while name in taken:
        name = f"{base[:_DEPLOYMENT_NAME_MAX - 4]}-{i}"
        i += 1
    taken.add(name)
    return name


def _inner_ref(target: Rendered) -> str:
    """A dependsOn entry for `target` from inside its own deployment."""
    if target.scope is None:
        return f"[resourceId({_quote(target.arm_type)}, {_ref_args(target.segments)})]"
    scope_id = f"concat(resourceGroup().id, '/providers/', {_quote(target.scope)})"
    return f"[extensionResourceId({scope_id}, {_quote(target.arm_type)}, {_ref_args(target.segments)})]"


def _top_ref(target: Rendered) -> str:
    """A dependsOn entry for a top-level (subscription) resource."""
    if target.scope is None:
        return f"[subscriptionResourceId({_quote(target.arm_type)}, {_ref_args(target.segments)})]"
    return str(target.body["name"])


def _assemble(rendered: list[Rendered], resources: list[Resource], params: _Params,
              notes: list[str]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    by_urn = {r.urn: r for r in rendered}
    deps_of = {r.urn: r.dependencies for r in resources}
    groups: dict[str, list[Rendered]] = {}
    for r in rendered:
        if r.container is not None:
            groups.setdefault(r.container, []).append(r)
    taken: set[str] = set()
    names = {rg: _deployment_name(rg, taken) for rg in groups}
    rg_resource = {r.segments[0]: r for r in rendered
                   if r.token == "azure-native:resources:ResourceGroup" and isinstance(r.segments[0], str)}

    # container-level order: ("rg", name) or ("top", urn) -> set of refs
    container_deps: dict[str, set[str]] = {rg: set() for rg in groups}
    edges: dict[str, set[str]] = {names[rg]: set() for rg in groups}
    for r in rendered:
        inner: list[str] = []
        for d in deps_of.get(r.urn, ()):
            target = by_urn.get(d)
            if target is None or target is r:
                continue
            here, there = r.container, target.container
            if here is not None and there == here:
                inner.append(_inner_ref(target))
            elif here is None and there is None:
                inner.append(_top_ref(target))
            elif here is None and there is not None:
                inner.append(names[there])
            elif here is not None and there is None:
                if target.token != "azure-native:resources:ResourceGroup":
                    container_deps[here].add(_top_ref(target))
            elif here is not None and there is not None:
                edges[names[here]].add(names[there])
        if inner:
            r.body["dependsOn"] = sorted(set(inner))
    _break_cycles(edges, notes)

    top: list[dict[str, Any]] = [r.body for r in rendered if r.container is None]
    deployments: dict[str, dict[str, Any]] = {}
    for rg, members in groups.items():
        name = names[rg]
        used = _kinds_in(json.dumps([m.body for m in members], ensure_ascii=False))
        if used:
            for m in members:
                renamed = _as_inner(m.body)
                m.body.clear()
                m.body.update(renamed)
        inner_resources = [m.body for m in members]
        rg_value: Any = rg
        if rg.startswith("param:"):
            rg_value = Param(rg.split(":", 1)[1]).expression()
        depends = set(container_deps[rg]) | edges[name]
        if rg in rg_resource:
            depends.add(_top_ref(rg_resource[rg]))
        body: dict[str, Any] = {
            "type": "Microsoft.Resources/deployments",
            "apiVersion": sdk.api_version(DEPLOYMENT_TOKEN),
            "name": name,
            "resourceGroup": rg_value,
        }
        if depends:
            body["dependsOn"] = sorted(depends)
        inner_template: dict[str, Any] = {"$schema": GROUP_SCHEMA, "contentVersion": CONTENT_VERSION}
        if used:
            inner_template["parameters"] = {INNER[g]: {"type": OUTER_TYPE[g]} for g in used}
        inner_template["resources"] = inner_resources
        props: dict[str, Any] = {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"}}
        if used:
            props["parameters"] = {INNER[g]: {"value": f"[parameters('{OUTER[g]}')]"} for g in used}
        props["template"] = inner_template
        body["properties"] = props
        deployments[name] = body
        top.append(body)
    document: dict[str, Any] = {"$schema": SUBSCRIPTION_SCHEMA, "contentVersion": CONTENT_VERSION}
    if params.declarations():
        document["parameters"] = params.declarations()
    document["resources"] = top
    return document, deployments


def _break_cycles(edges: dict[str, set[str]], notes: list[str]) -> None:
    """Deployments order as a DAG; a back edge (possible at this granularity) is dropped and noted."""
    state: dict[str, int] = {}

    def visit(node: str) -> None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                edges[node].discard(nxt)
                notes.append(f"deployment {node} no longer waits for {nxt}: their resources depend on each "
                             "other both ways; deploy twice or split the resource groups")
            elif nxt not in state:
                visit(nxt)
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)


# ------------------------------------------------------------------------------- lines


def _locate(text: str, template: Template) -> None:
    """Set each rendered resource's line: where checkov's records for it start.

    Resources are found in document order by their first lines, which `_FIELD_ORDER` fixes:
    `{`, then `"type"`, `"apiVersion"`, `"name"`.
    """
    lines = text.splitlines()
    by_body = {id(r.body): r for r in template.resources}
    flat: list[dict[str, Any]] = []
    for body in template.document["resources"]:
        flat.append(body)
        if body.get("type") == "Microsoft.Resources/deployments":
            flat.extend(body["properties"]["template"]["resources"])
    position = 0
    for body in flat:
        want_type = f'"type": {json.dumps(body["type"], ensure_ascii=False)},'
        want_name = f'"name": {json.dumps(body["name"], ensure_ascii=False)}'
        while position < len(lines) - 3:
            if (lines[position].strip() == "{" and lines[position + 1].strip() == want_type
                    and lines[position + 3].strip().rstrip(",") == want_name):
                break
            position += 1
        else:
            raise AssertionError(f"rendered resource {body['type']} {body['name']} not found in the template text")
        rendered = by_body.get(id(body))
        if rendered is not None:
            rendered.line = position + 1
        position += 1
