"""Read what `dpaguard check` evaluates: a `dpaguard plan` document or `pulumi preview --json` output.

Two shapes are accepted (docs/policies.md, "Input"):

* plan.json from `dpaguard plan`: `planVersion`, `resources[]`, `register`, ... as described by
  `dpaguard/schemas/plan.schema.json`, validated against it.
* the document `pulumi preview --json` prints (Pulumi's `display.PreviewDigest`): `steps[]`,
  each `{op, urn, newState: {type, urn, custom, parent, provider, inputs, outputs, ...}}`,
  beside `config`, `diagnostics`, `changeSummary`, `duration`. Secrets appear as the string
  "[secret]" and unknown values as the engine's unknown sentinel; both reach the policies as
  "can't decide during preview" notes. Steps that remove or only read a resource are skipped.

Every failure is an `InputError` with one line naming the file and what is wrong.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dpaguard.checking.evaluate import Resource
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
            parent=res.get("parent") or None,
            provider=res.get("provider") or None,
            dependencies=tuple(res.get("dependencies") or ()),
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
        register=dict(register) if register is not None else document["register"],
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
        resources.append(Resource(
            urn=urn,
            type=type_,
            name=parts[3],
            inputs=_wire_object(inputs, where + " inputs"),
            parent=_opt_str(state.get("parent")),
            provider=_opt_str(state.get("provider")),
            dependencies=tuple(deps),
            custom=custom,
            protect=state.get("protect") is True,
        ))
    if not stack_urn and stack is not None:
        stack_urn = f"urn:pulumi:{stack}::{project}::{STACK_TYPE}::{project}-{stack}"
    described = f"stack {stack}" if stack else "no resources"
    source = f"pulumi preview --json of {described} ({name})"
    if register is not None:
        source += ", register from --register"
    else:
        warnings.append(f"{name}: no --register given: policies that check the stack register "
                        "(controllers, declarations, contacts) report \"can't decide\" notes")
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


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# ------------------------------------------------------------------------- register


def load_register(path: str | Path) -> dict[str, Any]:
    """A register from a policy-config.json written by `dpaguard plan`, or a bare register object."""
    name = str(path)
    document = read_json(path, "register")
    register = register_from_document(document, name=name)
    from dpaguard.engine.plan import plan_schema

    import jsonschema

    schema = plan_schema()["properties"]["register"]
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(register), key=lambda e: list(e.path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(root)"
        raise InputError(f"{name}: not a stack register at {where}: {_one_line(errors[0].message)[:200]}")
    return register


def register_from_document(document: Any, *, name: str) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise InputError(f"{name}: JSON {_json_type(document)}, expected a policy-config.json or a register object")
    if "controllers" in document or "agreements" in document:
        return document
    registers = [v["register"] for v in document.values() if isinstance(v, dict) and isinstance(v.get("register"), dict)]
    if not registers:
        raise InputError(f"{name}: neither a policy-config.json from `dpaguard plan` ({{policy: {{register: ...}}}}) "
                         "nor a register (an object with agreements and controllers)")
    if any(r != registers[0] for r in registers[1:]):
        raise InputError(f"{name}: the policies in this policy-config.json are given different registers")
    return registers[0]


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
    return _wire(value, where, 0)


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
        return value
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
    return {k: _wire(v, where, depth + 1) for k, v in value.items()}
