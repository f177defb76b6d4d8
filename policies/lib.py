"""What every policy file shares: clause metadata, total property access, the register.

A policy file defines one validator and one module-level policy object built with
`resource_policy(...)` or `stack_policy(...)`. Those set the enforcement level, severity,
remediation, the compliance framework (the first clause id as `reference`) and one
`clause:<id>` tag per clause the control serves, so every report can name all of them.

Totality: validators read inputs only through `get`/`get_str`/... below. A value that is
unknown during preview (or shown as "[secret]" in `pulumi preview --json`) raises
`UnknownValueError`, which the analyzer (and `dpaguard check`) turns into an ADVISORY
"can't be known during preview" note instead of a silent pass. Wrong types read as absent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
    _DictProxy,
    _ListProxy,
)

from policies.clauses import CLAUSES, agreement_of

SECRET_MARKER = "[secret]"
MISSING: Any = object()
DOCS_URL = "https://github.com/dpa-guard/dpa-guard/blob/main/docs/clauses.md"

REGISTER_SCHEMA = PolicyConfigSchema(
    properties={
        "register": {
            "type": "object",
            "description": "Facts from the stack config (written by `dpaguard plan` to out/STACK/policy-config.json).",
        }
    }
)

FRAMEWORKS = {
    "OUS": "Databehandleravtale Kvalitetslaboratorium for psykoterapi, OUS",
    "ECG": "Databehandleravtale Appsens AS (ECG247)",
}


# ------------------------------------------------------------------ construction


def _metadata(name: str, clauses: Sequence[str], area: str) -> dict[str, Any]:
    if not clauses:
        raise ValueError(f"policy {name} cites no clause")
    for clause in clauses:
        if clause not in CLAUSES:
            raise ValueError(f"policy {name} cites unknown clause {clause!r}")
    primary = clauses[0]
    return {
        "framework": PolicyComplianceFramework(
            name=FRAMEWORKS[agreement_of(primary)],
            version="1",
            reference=primary,
            specification=CLAUSES[primary],
        ),
        "tags": [f"clause:{c}" for c in clauses] + [f"area:{area}"],
        "url": f"{DOCS_URL}#{name}",
    }


def _policy(cls, *, name: str, clauses: Sequence[str], area: str, description: str, remediation: str,
            validate: Callable[..., None], severity: Severity, enforcement: EnforcementLevel,
            uses_register: bool):
    return cls(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=enforcement,
        severity=severity,
        remediation_steps=remediation,
        config_schema=REGISTER_SCHEMA if uses_register else None,
        **_metadata(name, clauses, area),
    )


def resource_policy(
    *,
    name: str,
    clauses: Sequence[str],
    area: str,
    description: str,
    remediation: str,
    validate: Callable[[ResourceValidationArgs, Callable[..., None]], None],
    severity: Severity = Severity.HIGH,
    enforcement: EnforcementLevel = EnforcementLevel.MANDATORY,
    uses_register: bool = False,
) -> ResourceValidationPolicy:
    return _policy(ResourceValidationPolicy, name=name, clauses=clauses, area=area, description=description,
                   remediation=remediation, validate=validate, severity=severity, enforcement=enforcement,
                   uses_register=uses_register)


def stack_policy(
    *,
    name: str,
    clauses: Sequence[str],
    area: str,
    description: str,
    remediation: str,
    validate: Callable[[StackValidationArgs, Callable[..., None]], None],
    severity: Severity = Severity.HIGH,
    enforcement: EnforcementLevel = EnforcementLevel.MANDATORY,
    uses_register: bool = False,
) -> StackValidationPolicy:
    return _policy(StackValidationPolicy, name=name, clauses=clauses, area=area, description=description,
                   remediation=remediation, validate=validate, severity=severity, enforcement=enforcement,
                   uses_register=uses_register)


def clauses_of(policy) -> list[str]:
    """Every clause id a policy serves, primary first."""
    return [t.split(":", 1)[1] for t in (policy.tags or []) if t.startswith("clause:")]


# ------------------------------------------------------------------ total access


# Unknown sentinels of pulumi_policy.proxy, and the "[secret]" of `pulumi preview --json`.
_UNDECIDABLE = frozenset({
    UNKNOWN_BOOLEAN_VALUE, UNKNOWN_NUMBER_VALUE, UNKNOWN_STRING_VALUE, UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE, UNKNOWN_ARCHIVE_VALUE, UNKNOWN_OBJECT_VALUE, SECRET_MARKER,
})


def _undecidable(value: str, container: Any, steps: Sequence[Any]) -> UnknownValueError:
    """The error for an unknown or "[secret]" `value` reached from `container` by `steps`.

    A proxy knows its path from the resource's root, so the note names the whole path;
    a plain container only the steps walked from where the caller started.
    """
    acc = getattr(container, "_DictProxy__props_acc", None)
    if acc is None:
        acc = getattr(container, "_ListProxy__props_acc", None)
    if acc is not None:
        where = [*acc, str(steps[-1])]
    else:
        where = [str(s) for s in steps]
    return UnknownValueError(UNKNOWN_STRING_VALUE if value == SECRET_MARKER else value, where)


def _step(current: Any, step: Any, default: Any) -> Any:
    """current[step] for a mapping (str step) or a sequence (other step), else `default` (MISSING)."""
    kind = type(current)
    # Fast paths for what policies see: the proxies' own containers are read directly
    # (`["__target"]` is the proxies' documented escape, used by pulumi_policy's serialiser).
    if kind is _DictProxy or kind is dict:
        if not isinstance(step, str):
            return default
        target = current["__target"] if kind is _DictProxy else current
        try:
            return target.get(step, default)
        except TypeError:
            return default
    if kind is _ListProxy or kind is list:
        if isinstance(step, str):
            return default
        target = current["__target"] if kind is _ListProxy else current
        try:
            return target[step]
        except (IndexError, TypeError):
            return default
    if isinstance(step, str):
        if not isinstance(current, Mapping):
            return default
        try:
            if step not in current:
                return default
            return current[step]
        except UnknownValueError:
            raise
        except (KeyError, TypeError):
            return default
    if not isinstance(current, Sequence) or isinstance(current, (str, bytes)):
        return default
    try:
        return current[step]
    except UnknownValueError:
        raise
    except (IndexError, TypeError):
        return default


def get(props: Any, *path: Any, default: Any = None) -> Any:
    """The value at `path`, or `default` if any step is missing or of the wrong shape.

    Raises UnknownValueError when a step is unknown or a "[secret]" placeholder, so the
    caller's verdict becomes an advisory note instead of a guess.
    """
    current = props
    for depth, step in enumerate(path):
        parent = current
        current = _step(parent, step, MISSING)
        if current is MISSING:
            return default
        if isinstance(current, str) and current in _UNDECIDABLE:
            raise _undecidable(current, parent, path[: depth + 1])
    return current


def get_str(props: Any, *path: Any) -> str | None:
    value = get(props, *path)
    return value if isinstance(value, str) else None


def get_bool(props: Any, *path: Any) -> bool | None:
    value = get(props, *path)
    return value if isinstance(value, bool) else None


def get_number(props: Any, *path: Any) -> float | None:
    value = get(props, *path)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def get_list(props: Any, *path: Any) -> list[Any]:
    """A list (empty if absent or not a list); an unknown element raises like any unknown."""
    value = get(props, *path)
    kind = type(value)
    if kind is _ListProxy or kind is list:
        items = value["__target"] if kind is _ListProxy else value
        try:
            clean = _UNDECIDABLE.isdisjoint(items)
        except TypeError:  # an unhashable element (a dict, a list): look at each
            clean = not any(isinstance(v, str) and v in _UNDECIDABLE for v in items)
        if not clean:
            i, bad = next((i, v) for i, v in enumerate(items) if isinstance(v, str) and v in _UNDECIDABLE)
            raise _undecidable(bad, value, [*path, i])
        return list(items)
    if not isinstance(value, Sequence) or isinstance(value, (str, bytes)):
        return []
    return [get(value, i) for i in range(len(value))]


def get_strs(props: Any, *path: Any) -> list[str]:
    items = get_list(props, *path)
    if not items or set(map(type, items)) == {str}:
        return items
    return [v for v in items if isinstance(v, str)]


def get_map(props: Any, *path: Any) -> Mapping[str, Any]:
    value = get(props, *path)
    return value if isinstance(value, Mapping) else {}


def lower(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) else None


# ------------------------------------------------------------------ register


def register_of(args: Any) -> Mapping[str, Any]:
    """The stack register from the policy config; unknown (advisory) if it was not provided."""
    try:
        config = args.get_config() or {}
    except Exception:  # noqa: BLE001 - a policy without config support sees no register
        config = {}
    register = config.get("register") if isinstance(config, Mapping) else None
    if not isinstance(register, Mapping):
        raise UnknownValueError(UNKNOWN_STRING_VALUE, ["register (policy-pack config; see dpaguard plan)"])
    return register


def parse_date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def of_type(resources: Iterable[Any], *types: str) -> list[Any]:
    return [r for r in resources if getattr(r, "resource_type", None) in types]


@lru_cache(maxsize=1024)
def _kind_words(resource_type: str) -> str:
    kind = resource_type.rsplit(":", 1)[-1]
    return "".join(f" {c.lower()}" if c.isupper() else c for c in kind).strip()


def describe(resource_type: str, name: str) -> str:
    """`storage account 'ousklrec'`-style label from a type token and a Pulumi name."""
    return f"{_kind_words(resource_type)} '{name}'"
