"""Read what `dpaguard check` evaluates: a `dpaguard plan` document or `pulumi preview --json` output.

Two shapes are accepted (docs/policies.md, "Input"):

* plan.json from `dpaguard plan`: `planVersion`, `resources[]`, `register`, ... as described by
  `dpaguard/schemas/plan.schema.json`, validated against it.
* the document `pulumi preview --json` prints (pulumi/pulumi `pkg/display/json.go` PreviewDigest,
  filled by `pkg/backend/display/json.go` ShowPreviewDigest): `steps[]`, each `{op, urn, provider,
  oldState, newState, diffReasons, replaceReasons, detailedDiff}` with states in the apitype
  ResourceV3 shape (`type, urn, custom, id, parent, provider, inputs, outputs, dependencies,
  propertyDependencies, ...`), beside `config`, `diagnostics`, `changeSummary`, `duration`.
  Secrets appear as the string "[secret]" (json.go `massagePropertyValue`).

  Unchanged resources are steps of op `same`, shown only with `--show-sames`
  (`pkg/backend/display/display.go` shouldShow; the root stack is always shown). A preview of an
  existing stack without them would hide most of the stack from the stack policies, so a document
  whose `changeSummary.same` counts more resources than it has `same` steps is refused (exit 2).
  Outputs, as the engine holds them when AnalyzeStack runs: for `same`, the stored outputs
  (oldState; `pkg/resource/deploy/step.go` SameStep copies old.Outputs); for other steps, the
  newState's outputs where the digest caught them, else the provider's preview outputs derived
  from the new inputs (`dpaguard.engine.preview`): the digest keeps a pointer to the live state
  (`pkg/engine/events.go` makeStepEventStateMetadata), whose outputs are nil until the step ran
  (`step_generator.go` builds the new state with `Outputs: nil`). Steps that remove or only read a
  resource are skipped.

Every failure is an `InputError` with one line naming the file and what is wrong.
"""

from __future__ import annotations

import json
import math
import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dpaguard.engine.model import Resource
from dpaguard.errors import InputError

# Far above any real plan (ecg247 ~1 MiB; a generated 1000-controller stack ~6 MB), low enough
# that a wrong file (a disk image, /dev/zero) fails fast instead of filling memory.
MAX_INPUT_BYTES = 512 * 1024 * 1024
# Real ARM properties nest fewer than 15 levels; the cap keeps the recursive deserialiser and
# proxies of pulumi_policy far from Python's recursion limit.
MAX_DEPTH = 64

STACK_TYPE = "pulumi:pulumi:Stack"

# Steps whose resource will not exist (or is not managed) after the update: nothing to check.
# Any other op with a newState is checked, so a newer CLI's new op is checked, not dropped.
SKIPPED_OPS = frozenset({
    "delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace",
    "read", "read-replacement", "read-discard", "discard-read", "refresh",
})

# Steps that always describe the resource as it will be: one without newState is malformed.
NEEDS_STATE = frozenset({"create", "same", "update", "create-replacement", "import", "import-replacement"})

# Signatures of pulumi's wire format (sdk/go/common/resource/properties.go).
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
_ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
SECRET_MARKER = "[secret]"


@dataclass(frozen=True)
class CheckInput:
    resources: list[Resource]
    register: dict[str, Any] | None
    stack_urn: str
    source: str
    """What was read, for reports: `plan.json of stack ecg247 (dpaguard plan)`."""
    kind: str
    """plan | preview"""
    stack: str | None = None
    project: str | None = None
    stack_file: str | None = None
    """The stack file relative to the project root, when the input names it (plan.json)."""
    warnings: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------- files


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def read_json(path: str | Path, what: str = "input") -> Any:
    """The parsed JSON of `path` (`-` = stdin), at most MAX_INPUT_BYTES, or one-line InputError."""
    name = str(path)
    try:
        if name == "-":
            name = "<stdin>"
            data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        else:
            p = Path(path)
            if p.is_dir():
                raise InputError(f"{name}: is a directory, not a {what} file")
            with p.open("rb") as fh:
                info = os.fstat(fh.fileno())
                if stat.S_ISREG(info.st_mode) and info.st_size > MAX_INPUT_BYTES:
                    raise InputError(f"{name}: {info.st_size // (1024 * 1024)} MiB, larger than "
                                     f"{MAX_INPUT_BYTES // (1024 * 1024)} MiB; not a {what} file")
                data = fh.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{name}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB; not a {what} file")
    if not data.strip():
        raise InputError(f"{name}: empty; expected a JSON {what}")
    try:
        # bytes: json detects UTF-8 (with or without BOM), UTF-16 and UTF-32, as PowerShell writes them
        return json.loads(data)
    except json.JSONDecodeError as exc:
        hint = ""
        if exc.pos == 0:
            hint = " (does it start with CLI text? `pulumi preview --json` writes only JSON to stdout)"
        raise InputError(f"{name}: not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}{hint}") from None
    except UnicodeDecodeError:
        raise InputError(f"{name}: not JSON: not UTF-8/16/32 text") from None
    except RecursionError:
        raise InputError(f"{name}: not usable JSON: nested too deeply") from None


def load_input(path: str | Path, *, register_path: str | Path | None = None) -> CheckInput:
    """Read a plan.json or `pulumi preview --json` file; `register_path` supplies or replaces the register."""
    name = "<stdin>" if str(path) == "-" else str(path)
    document = read_json(path, "plan")
    register = load_register(register_path) if register_path is not None else None
    return from_document(document, name=name, register=register)


def from_document(document: Any, *, name: str, register: Mapping[str, Any] | None = None) -> CheckInput:
    if not isinstance(document, dict):
        raise InputError(f"{name}: JSON {_json_type(document)}, but neither a dpaguard plan (an object with "
                         "planVersion and resources) nor `pulumi preview --json` output (an object with steps)")
    if "planVersion" in document or ("resources" in document and "steps" not in document):
        return from_plan(document, name=name, register=register)
    if "steps" in document or "changeSummary" in document:
        return from_preview(document, name=name, register=register)
    keys = ", ".join(sorted(document)[:6]) or "none"
    raise InputError(f"{name}: JSON object, but neither a dpaguard plan (planVersion, resources) nor "
                     f"`pulumi preview --json` output (steps); its keys: {keys}")


# ------------------------------------------------------------------------- plan.json


def from_plan(document: dict[str, Any], *, name: str, register: Mapping[str, Any] | None = None,
              validate: bool = True) -> CheckInput:
    if validate:
        from dpaguard.engine.plan import validate_plan

        try:
            validate_plan(document)
        except InputError as exc:
            raise InputError(f"{name}: {_one_line(exc.message)}") from None
    resources: list[Resource] = []
    stack_urn = ""
    for i, res in enumerate(document["resources"]):
        where = f"{name}: resources[{i}] ({res.get('urn', '?')})"
        if res["type"] == STACK_TYPE:
            stack_urn = res["urn"]
        resources.append(Resource(
            urn=res["urn"],
            type=res["type"],
            name=res["name"],
            inputs=_wire_object(res["inputs"], where + " inputs"),
            # Plans written before outputs were recorded: None, so the evaluator derives them
            # (dpaguard.checking.protocol.outputs_of) as the offline engine now records them.
            outputs=_wire_object(res["outputs"], where + " outputs") if "outputs" in res else None,
            parent=res.get("parent") or None,
            provider=res.get("provider") or None,
            dependencies=tuple(res.get("dependencies") or ()),
            property_dependencies={k: tuple(v) for k, v in (res.get("propertyDependencies") or {}).items()},
            custom=bool(res["custom"]),
            protect=bool(res.get("protect", False)),
        ))
    project, stack = document["project"], document["stack"]
    if not stack_urn:
        stack_urn = f"urn:pulumi:{stack}::{project}::{STACK_TYPE}::{project}-{stack}"
    source = f"plan.json of stack {stack} ({name})"
    if register is not None:
        source += ", register from --register"
    return CheckInput(
        resources=resources,
        register=dict(register) if register is not None else _wire_object(document["register"], f"{name}: register"),
        stack_urn=stack_urn,
        source=source,
        kind="plan",
        stack=stack,
        project=project,
        stack_file=document.get("stackFile") or None,
    )


# ------------------------------------------------------------------------- preview JSON


def _urn_parts(urn: str) -> tuple[str, str, str, str] | None:
    """(stack, project, type chain, name) of `urn:pulumi:STACK::PROJECT::TYPE$TYPE::NAME`."""
    if not urn.startswith("urn:pulumi:"):
        return None
    parts = urn[len("urn:pulumi:"):].split("::", 3)
    if len(parts) != 4 or not all(parts):
        return None
    return parts[0], parts[1], parts[2], parts[3]


def from_preview(document: dict[str, Any], *, name: str, register: Mapping[str, Any] | None = None) -> CheckInput:
    steps = document.get("steps", [])
    if steps is None:
        steps = []
    if not isinstance(steps, list):
        raise InputError(f"{name}: `steps` is JSON {_json_type(steps)}, expected an array of preview steps")
    warnings: list[str] = []
    diagnostics = document.get("diagnostics")
    if isinstance(diagnostics, list):
        errors = [d for d in diagnostics if isinstance(d, dict) and d.get("severity") == "error"]
        if errors:
            first = _one_line(str(errors[0].get("message", "")))[:160]
            warnings.append(f"{name}: the preview reported {len(errors)} error(s), so its steps may be "
                            f"incomplete; first: {first}")

    vouched = _require_sames(steps, document.get("changeSummary"), name)
    resources: list[Resource] = []
    seen: set[str] = set()
    stack_urn = ""
    stack = project = None
    for i, step in enumerate(steps):
        where = f"{name}: steps[{i}]"
        if not isinstance(step, dict):
            raise InputError(f"{where}: JSON {_json_type(step)}, expected a step object with op and urn")
        op = step.get("op")
        if not isinstance(op, str) or not op:
            raise InputError(f"{where}: no `op` (expected create, same, update, replace, delete, ...)")
        if op in SKIPPED_OPS:
            continue
        state = step.get("newState")
        step_urn = step.get("urn")
        if state is None:
            if op in NEEDS_STATE:
                raise InputError(f"{where} ({step_urn}): a {op} step without newState")
            # e.g. a `replace` step that carries only oldState: its `create-replacement`
            # step brings the new state.
            continue
        if not isinstance(state, dict):
            raise InputError(f"{where} ({step_urn}): newState is JSON {_json_type(state)}, expected an object")
        urn = state.get("urn", step_urn)
        type_ = state.get("type")
        if not isinstance(urn, str) or not urn:
            raise InputError(f"{where}: newState has no urn")
        parts = _urn_parts(urn)
        if parts is None:
            raise InputError(f"{where}: urn {urn[:120]!r} is not a Pulumi URN (urn:pulumi:STACK::PROJECT::TYPE::NAME)")
        if not isinstance(type_, str) or not type_:
            raise InputError(f"{where} ({urn}): newState has no type")
        where = f"{where} ({urn})"
        if urn in seen:
            # a replacement shows the same new state twice (`create-replacement` and `replace`)
            continue
        seen.add(urn)
        if type_ == STACK_TYPE:
            stack_urn = urn
        stack, project = parts[0], parts[1]
        inputs = state.get("inputs", {})
        if inputs is None:
            inputs = {}
        if not isinstance(inputs, dict):
            raise InputError(f"{where}: newState.inputs is JSON {_json_type(inputs)}, expected an object")
        custom = state.get("custom", True)
        if not isinstance(custom, bool):
            raise InputError(f"{where}: newState.custom is JSON {_json_type(custom)}, expected true or false")
        deps = state.get("dependencies") or []
        if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
            raise InputError(f"{where}: newState.dependencies is not an array of URNs")
        property_deps = state.get("propertyDependencies") or {}
        if not isinstance(property_deps, dict) or not all(
                isinstance(v, list) and all(isinstance(d, str) for d in v) for v in property_deps.values()):
            raise InputError(f"{where}: newState.propertyDependencies is not an object of URN arrays")
        outputs = _step_outputs(op, step, state, custom, where)
        resources.append(Resource(
            urn=urn,
            type=type_,
            name=parts[3],
            inputs=_wire_object(inputs, where + " inputs"),
            outputs=outputs,
            parent=_opt_str(state.get("parent")),
            provider=_opt_str(state.get("provider")),
            dependencies=tuple(deps),
            property_dependencies={str(k): tuple(v) for k, v in property_deps.items()},
            custom=custom,
            protect=state.get("protect") is True,
            id=_opt_str(state.get("id")),
        ))
    if not vouched:
        _require_referenced(resources, steps, name)
    if not stack_urn and stack is not None:
        stack_urn = f"urn:pulumi:{stack}::{project}::{STACK_TYPE}::{project}-{stack}"
    described = f"stack {stack}" if stack else "no resources"
    source = f"pulumi preview --json of {described} ({name})"
    if register is not None:
        source += ", register from --register"
    else:
        warnings.append(f"{name}: no --register given: policies that check the stack register "
                        "(controllers, declarations, contacts) fail as the CLI does without --policy-pack-config")
    return CheckInput(
        resources=resources,
        register=dict(register) if register is not None else None,
        stack_urn=stack_urn,
        source=source,
        kind="preview",
        stack=stack,
        project=project,
        warnings=warnings,
    )


def _require_sames(steps: list[Any], summary: Any, name: str) -> bool:
    """Refuse a preview of an existing stack that hides its unchanged resources (no --show-sames).
    True if `changeSummary` counts unchanged resources and the steps show them all; False if it
    vouches for nothing (absent, or no `same`): then `_require_referenced` decides."""
    if not isinstance(summary, dict):
        return False
    expected = summary.get("same", 0)
    if not isinstance(expected, int) or isinstance(expected, bool) or expected <= 0:
        return False
    shown = sum(1 for step in steps if isinstance(step, dict) and step.get("op") == "same")
    if shown < expected:
        raise InputError(f"{name}: the preview hides {expected - shown} of the stack's {expected} unchanged "
                         "resources, so policies would judge part of the stack: rerun "
                         "`pulumi preview --json --show-sames`")
    return True


def _require_referenced(resources: list[Resource], steps: list[Any], name: str) -> None:
    """Refuse a preview whose resources name a parent or dependency that no step shows.

    Used where `changeSummary` vouches for nothing: it is one field a careless edit (or a tool
    that trims the JSON) can drop or zero; the references cannot go without rewriting every state. Without --show-sames the display hides
    every `same` step (pulumi/pulumi pkg/backend/display/display.go, shouldShow), so in a preview
    of an existing stack the unchanged component or Stack a changed resource is parented to, or
    depends on, is missing. A complete preview holds every resource its new states refer to.
    """
    known = {r.urn for r in resources}
    known.update(str(step["urn"]) for step in steps if isinstance(step, dict) and isinstance(step.get("urn"), str))
    for r in resources:
        refs = [("parent", r.parent)] if r.parent else []
        refs += [("dependency", d) for d in r.dependencies]
        refs += [(f"dependency of {prop}", d) for prop, deps in r.property_dependencies.items() for d in deps]
        missing = next(((what, urn) for what, urn in refs if urn not in known), None)
        if missing is not None:
            raise InputError(f"{name}: {r.urn} names {missing[1]} as its {missing[0]}, but no step shows that "
                             "resource, so policies would judge part of the stack: rerun "
                             "`pulumi preview --json --show-sames`")


def _step_outputs(op: str, step: dict[str, Any], state: dict[str, Any], custom: bool,
                  where: str) -> dict[str, Any] | None:
    """The outputs the engine holds for this step's resource when AnalyzeStack runs (see the module doc)."""
    source, key = state, "newState"
    if op == "same" and isinstance(step.get("oldState"), dict):
        source, key = step["oldState"], "oldState"
    outputs = source.get("outputs")
    if outputs is None or (outputs == {} and op != "same" and custom):
        return None if custom else {}
    if not isinstance(outputs, dict):
        raise InputError(f"{where}: {key}.outputs is JSON {_json_type(outputs)}, expected an object")
    return _wire_object(outputs, f"{where} {key}.outputs")


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# ------------------------------------------------------------------------- register


def load_register(path: str | Path) -> dict[str, Any]:
    """A register from a policy-config.json written by `dpaguard plan`, or a bare register object."""
    name = str(path)
    document = read_json(path, "register")
    register = _wire_object(register_from_document(document, name=name), name)
    import jsonschema

    from dpaguard.engine.plan import plan_schema

    schema = plan_schema()["properties"]["register"]
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(register), key=lambda e: list(e.path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(root)"
        raise InputError(f"{name}: not a stack register at {where}: {_one_line(errors[0].message)[:200]}")
    return register


WEAK_LEVELS = frozenset({"advisory", "disabled"})
"""Enforcement levels a --policy-pack-config may set that stop a policy from blocking: the engine
reconciles `all` and per-policy levels (pulumi/pulumi pkg/resource/analyzer/config.go) and
pulumi_policy skips a DISABLED policy (policy.py, `_PolicyAnalyzerServicer.Analyze`)."""


def weakened_policies(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(policy or "all", level) for every entry of a policy-config document that lowers a level."""
    found: list[tuple[str, str]] = []
    for policy, value in document.items():
        level = value if isinstance(value, str) else value.get("enforcementLevel") if isinstance(value, dict) else None
        if isinstance(level, str) and level.strip().lower() in WEAK_LEVELS:
            found.append((str(policy), level))
    return sorted(found)


def register_from_document(document: Any, *, name: str) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise InputError(f"{name}: JSON {_json_type(document)}, expected a policy-config.json or a register object")
    if "controllers" in document or "agreements" in document:
        bare: dict[str, Any] = document
        return bare
    weakened = weakened_policies(document)
    if weakened:
        shown = ", ".join(f"{policy}: {level}" for policy, level in weakened[:5])
        more = f" and {len(weakened) - 5} more" if len(weakened) > 5 else ""
        raise InputError(f"{name}: sets enforcementLevel below mandatory ({shown}{more}); as --policy-pack-config "
                         "that switches those clauses off in `pulumi preview`/`pulumi up` (pulumi_policy honours it), "
                         "so it is refused: remove the enforcementLevel entries (`dpaguard plan` writes none)")
    registers = [v["register"] for v in document.values() if isinstance(v, dict) and isinstance(v.get("register"), dict)]
    if not registers:
        raise InputError(f"{name}: neither a policy-config.json from `dpaguard plan` ({{policy: {{register: ...}}}}) "
                         "nor a register (an object with agreements and controllers)")
    if any(r != registers[0] for r in registers[1:]):
        raise InputError(f"{name}: the policies in this policy-config.json are given different registers")
    first: dict[str, Any] = registers[0]
    return first


# ------------------------------------------------------------------------- wire values


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _wire_object(value: dict[str, Any], where: str) -> dict[str, Any]:
    checked: dict[str, Any] = _wire(value, where, 0)
    return checked


def _wire(value: Any, where: str, depth: int) -> Any:
    """`value` made safe for pulumi_policy's deserialiser, or an InputError naming where it is not.

    A secret as the state file writes it (ciphertext, no value) becomes "[secret]", like the
    preview JSON shows it; a signature pulumi_policy would reject is an input error here,
    not an AssertionError inside the evaluator.
    """
    if depth > MAX_DEPTH:
        raise InputError(f"{where}: nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, list):
        return [_wire(v, where, depth + 1) for v in value]
    if not isinstance(value, dict):
        return _scalar(value, where)
    if _SIG_KEY in value:
        sig = value[_SIG_KEY]
        if sig == _SECRET_SIG:
            if "value" not in value:
                return SECRET_MARKER
            return {_SIG_KEY: sig, "value": _wire(value["value"], where, depth + 1)}
        if sig == _ASSET_SIG:
            if not any(isinstance(value.get(k), str) for k in ("path", "text", "uri")):
                raise InputError(f"{where}: an asset without path, text or uri")
            return value
        if sig == _ARCHIVE_SIG:
            assets = value.get("assets")
            if isinstance(assets, dict):
                for key, item in assets.items():
                    if not (isinstance(item, dict) and item.get(_SIG_KEY) in (_ASSET_SIG, _ARCHIVE_SIG)):
                        raise InputError(f"{where}: archive member {str(key)[:60]!r} is not an asset or archive")
                    _wire(item, where, depth + 1)
                return value
            if not any(isinstance(value.get(k), str) for k in ("path", "uri")):
                raise InputError(f"{where}: an archive without assets, path or uri")
            return value
        raise InputError(f"{where}: unknown Pulumi value signature {str(sig)[:40]!r}")
    return {_scalar(k, where): _wire(v, where, depth + 1) for k, v in value.items()}


_LARGEST = sys.float_info.max


def _scalar(value: Any, where: str) -> Any:
    """`value` if a protobuf Struct can carry it (what the engine sends the analyzer is a Struct):
    Python's json reads NaN, Infinity, integers of any size and lone surrogates, which it cannot."""
    kind = type(value)
    if kind is float and not math.isfinite(value):
        raise InputError(f"{where}: {value} is not a JSON number (NaN and Infinity have no protobuf value)")
    if kind is int and not -_LARGEST <= value <= _LARGEST:
        raise InputError(f"{where}: an integer of {len(str(abs(value)))} digits is beyond any protobuf number")
    if kind is str and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InputError(f"{where}: a string with a lone UTF-16 surrogate is not text protobuf can carry") from None
    return value
