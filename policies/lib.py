"""What every policy file shares: clause metadata, total property access, the register.

A policy file defines one validator and one module-level policy object built with
`resource_policy(...)` or `stack_policy(...)`. Those set the enforcement level, severity,
remediation, the compliance framework (the first clause id as `reference`) and one
`clause:<id>` tag per clause the control serves, so every report can name all of them.

Totality: validators read inputs only through `get`/`get_str`/... below. A value that is
unknown during preview (or shown as "[secret]" in `pulumi preview --json`) raises
`UnknownValueError`. pulumi_policy's servicer would turn that into an ADVISORY "can't run
during preview" note; the constructors here wrap every validator (`_guarded`) so that in a
MANDATORY policy it becomes a mandatory violation naming the clause and the value instead
(fail closed), in the real CLI and offline alike. The same holds for a missing register.
Wrong types read as absent.

Every message gets its `[clause, ...]` prefix from the policy's own metadata here; policy
files never type clause ids in messages. Versioned azure-native type tokens are read as
their base type (`base_type`) before a validator sees them.
"""

from __future__ import annotations

import datetime as dt
import re
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


class MissingRegister(UnknownValueError):
    """The policy needs the register and the pack was started without `--policy-pack-config`."""

    HOW = (
        "run `dpaguard plan --stack STACK` and pass `--policy-pack-config out/STACK/policy-config.json` to "
        "`pulumi preview`/`pulumi up` (or `--register` to `dpaguard check`)"
    )
    """What to do about a missing or stale register (a register from before a key existed)."""
    INSTRUCTION = f"the stack register is missing, so this clause can't be checked: {HOW}"

    def __init__(self) -> None:
        super().__init__(UNKNOWN_STRING_VALUE, ["register"])
        self.message = self.INSTRUCTION


_VERSIONED = re.compile(r"^azure-native:(?P<module>[A-Za-z0-9]+)/v[0-9A-Za-z]+:(?P<kind>[A-Za-z0-9_]+)$")


@lru_cache(maxsize=4096)
def base_type(resource_type: str) -> str:
    """`azure-native:storage/v20230101:StorageAccount` -> `azure-native:storage:StorageAccount`: every
    policy applies to every API version (pulumi-azure-native publishes each type once per version)."""
    if not isinstance(resource_type, str) or "/v" not in resource_type:
        return resource_type
    match = _VERSIONED.match(resource_type)
    return f"azure-native:{match.group('module')}:{match.group('kind')}" if match else resource_type


def _normalise_types(args: Any, stack: bool) -> None:
    if stack:
        for r in getattr(args, "resources", None) or ():
            kind = getattr(r, "resource_type", None)
            if isinstance(kind, str) and "/v" in kind:
                r.resource_type = base_type(kind)
    else:
        kind = getattr(args, "resource_type", None)
        if isinstance(kind, str) and "/v" in kind:
            args.resource_type = base_type(kind)


def prefix_of(clauses: Sequence[str]) -> str:
    """The `[OUS-x, ECG-y] ` every violation message of a policy starts with."""
    return f"[{', '.join(clauses)}] "


def _guarded(validate: Callable[..., Any], clauses: Sequence[str], enforcement: EnforcementLevel,
             stack: bool) -> Callable[..., None]:
    """`validate` with the clause prefix on every message, type tokens normalised, and, in a
    mandatory policy, an undecidable value (unknown, "[secret]", or no register) reported as a
    mandatory violation instead of pulumi_policy's advisory "can't run during preview" note."""
    prefix = prefix_of(clauses)
    fail_closed = enforcement in (EnforcementLevel.MANDATORY, EnforcementLevel.REMEDIATE)

    def guarded(args: Any, report_violation: Callable[..., None]) -> None:
        def report(message: str, urn: str | None = None) -> None:
            if urn:
                report_violation(prefix + message, urn)
            else:
                report_violation(prefix + message)

        _normalise_types(args, stack)
        try:
            validate(args, report)
        except MissingRegister as exc:
            if not fail_closed:
                raise
            report(exc.message)
        except UnknownValueError as exc:
            if not fail_closed:
                raise
            report(f"undecidable: {undecidable_reason(exc)}; a mandatory clause does not pass on a value nobody "
                   "can see: give the value in the program, or run the check where it is known (after `pulumi up`, "
                   "or on a plan without secrets)")

    guarded.__name__ = getattr(validate, "__name__", "validate")
    guarded.__doc__ = getattr(validate, "__doc__", None)
    guarded.__wrapped__ = validate  # type: ignore[attr-defined]
    return guarded


def undecidable_reason(exc: UnknownValueError) -> str:
    message = exc.message or "a value can't be known"
    if getattr(exc, "secret", False):
        return f"{message} (secret: the real analyzer sees it in clear, preview JSON does not)"
    return message


def _policy(cls, *, name: str, clauses: Sequence[str], area: str, description: str, remediation: str,
            validate: Callable[..., None], severity: Severity, enforcement: EnforcementLevel,
            uses_register: bool):
    return cls(
        name=name,
        description=description,
        validate=_guarded(validate, clauses, enforcement, stack=cls is StackValidationPolicy),
        enforcement_level=enforcement,
        severity=severity,
        remediation_steps=remediation,
        config_schema=REGISTER_SCHEMA if uses_register else None,
        **_metadata(name, clauses, area),
    )


# Said of every stack policy (pulumi/pulumi `pkg/resource/deploy/deployment_executor.go` calls
# AnalyzeStack once the steps have run; pulumi_policy `policy.py`: stack policies get outputs).
AFTER_DEPLOY = ("Stack policy (reads outputs): `pulumi preview` reports it before anything changes, but in "
                "`pulumi up` it runs only after the steps are applied, so it cannot block them.")


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
    return _policy(StackValidationPolicy, name=name, clauses=clauses, area=area,
                   description=f"{description} {AFTER_DEPLOY}",
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
    error = UnknownValueError(UNKNOWN_STRING_VALUE if value == SECRET_MARKER else value, where)
    if value == SECRET_MARKER:
        error.secret = True  # type: ignore[attr-defined]
        error.message = f"value at .{'.'.join(where)} is \"[secret]\" in the plan"
    return error


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


def get_or_absent(props: Any, *path: Any, default: Any = None) -> Any:
    """`get`, reading an unknown value as absent. Only for a stack policy's OUTPUTS where that is
    safe: azure-native leaves every optional response property the program did not set unknown in
    preview, so an unknown there either was not set (absent) or only makes the verdict stricter
    (a shorter deletion age ignored), or a resource policy has already refused the input. Each
    caller says which; a secret is still undecidable."""
    try:
        return get(props, *path, default=default)
    except UnknownValueError as exc:
        if getattr(exc, "secret", False):
            raise
        return default


_UNKNOWNS = _UNDECIDABLE - {SECRET_MARKER}


def drop_unknown_keys(value: Any) -> Any:
    """A plain copy of `value` without the object keys whose whole value is unknown: in a stack
    policy's preview outputs those are the optional properties the program did not set (azure-native
    and azuread give every unset output as unknown). Unknown list elements and "[secret]" stay, so
    reading them still raises. Only sound where a resource policy refuses an unknown (Output-derived)
    value of the same property on the inputs; each caller names it."""
    kind = type(value)
    if kind is _DictProxy or isinstance(value, Mapping):
        target = value["__target"] if kind is _DictProxy else value
        return {k: drop_unknown_keys(v) for k, v in target.items()
                if not (isinstance(v, str) and v in _UNKNOWNS)}
    if kind is _ListProxy or (isinstance(value, Sequence) and not isinstance(value, (str, bytes))):
        target = value["__target"] if kind is _ListProxy else value
        return [drop_unknown_keys(v) for v in target]
    return value


def unknown_keys(value: Any, path: tuple[str, ...] = ()) -> list[str]:
    """Paths (dotted) of the object keys in `value` whose whole value is unknown (see drop_unknown_keys)."""
    kind = type(value)
    found: list[str] = []
    if kind is _DictProxy or isinstance(value, Mapping):
        target = value["__target"] if kind is _DictProxy else value
        for k, v in target.items():
            if isinstance(v, str) and v in _UNKNOWNS:
                found.append(".".join((*path, str(k))))
            else:
                found.extend(unknown_keys(v, (*path, str(k))))
    elif kind is _ListProxy or (isinstance(value, Sequence) and not isinstance(value, (str, bytes))):
        target = value["__target"] if kind is _ListProxy else value
        for i, v in enumerate(target):
            found.extend(unknown_keys(v, (*path, str(i))))
    return found


def get_str_or_absent(props: Any, *path: Any) -> str | None:
    """`get_or_absent` for a string: see there for when an unknown may read as absent."""
    value = get_or_absent(props, *path)
    return value if isinstance(value, str) else None


def is_set(props: Any, *path: Any) -> bool:
    """Whether `path` holds a value (unknown and "[secret]" count as set) that is not None or ""."""
    current = props
    for step in path:
        current = _step(current, step, MISSING)
        if current is MISSING:
            return False
    return current not in (None, "")


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


_INDEXES: dict[Callable[[Any], Any], tuple[Any, Any]] = {}


def indexed(value: Any, build: Callable[[Any], Any]) -> Any:
    """`build(value)`, built once while `value` is the same object: the servicer hands every resource
    and policy of one evaluation the same register (thousands of controllers and principals), so an
    index of it is built once per register, not once per resource or grant. `build` must be a
    module-level function (it is the key); holding `value` keeps its identity unique."""
    held = _INDEXES.get(build)
    if held is None or held[0] is not value:
        held = _INDEXES[build] = (value, build(value))
    return held[1]


def register_of(args: Any) -> Mapping[str, Any]:
    """The stack register from the policy config; MissingRegister (a mandatory violation in a
    mandatory policy, see `_guarded`) if the pack was started without it."""
    try:
        config = args.get_config() or {}
    except Exception:  # noqa: BLE001 - a policy without config support sees no register
        config = {}
    register = config.get("register") if isinstance(config, Mapping) else None
    if not isinstance(register, Mapping):
        raise MissingRegister()
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
