"""Entra ID (azuread) inputs have no ARM form: check them against pulumi_azuread's own input types.

The installed provider SDK is the contract: `azuread:index/group:Group` is `pulumi_azuread.GroupArgs`,
whose properties carry their wire names (`pulumi.getter(name=...)` sets `_pulumi_name`) and whose
annotations name the nested `...Args` input types. A key the SDK does not know, a missing required
input, or a value of the wrong kind is a problem.
"""

from __future__ import annotations

import collections.abc
import inspect
import typing
from functools import cache
from typing import Any, ForwardRef

import pulumi_azuread

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's unknown sentinel (pulumi/sdk/python/lib/pulumi/runtime/rpc.py)
SCALARS = {str: (str,), bool: (bool,), float: (int, float), int: (int, float)}


def args_class(token: str) -> type | None:
    """`azuread:index/group:Group` -> pulumi_azuread.GroupArgs."""
    if not token.startswith("azuread:"):
        return None
    cls = getattr(pulumi_azuread, token.rsplit(":", 1)[-1] + "Args", None)
    return cls if isinstance(cls, type) else None


@cache
def fields(cls: type) -> dict[str, tuple[str, Any]]:
    """wire name -> (python name, annotation) of an input type."""
    out: dict[str, tuple[str, Any]] = {}
    for name, member in vars(cls).items():
        if isinstance(member, property) and member.fget is not None and hasattr(member.fget, "_pulumi_name"):
            out[member.fget._pulumi_name] = (name, member.fget.__annotations__.get("return"))
    return out


@cache
def required(cls: type) -> frozenset[str]:
    params = inspect.signature(cls.__init__).parameters  # type: ignore[misc]
    names = {p.name for p in params.values() if p.default is inspect.Parameter.empty and p.name != "__self__"}
    return frozenset(wire for wire, (py, _) in fields(cls).items() if py in names)


def _kinds(annotation: Any) -> list[Any]:
    """The concrete shapes an annotation allows, without Input/Awaitable/Output/None wrappers."""
    if annotation is None or annotation is type(None):
        return []
    if isinstance(annotation, ForwardRef):
        name = annotation.__forward_arg__
        if name.startswith("Output"):
            return []
        cls = getattr(pulumi_azuread, name, None)
        return [cls] if cls is not None else [name]
    if isinstance(annotation, str):
        return _kinds(ForwardRef(annotation))
    origin = typing.get_origin(annotation)
    if origin is typing.Union:
        return [k for a in typing.get_args(annotation) for k in _kinds(a)]
    if origin is collections.abc.Awaitable:
        return []
    if origin in (collections.abc.Sequence, list):
        return [("list", typing.get_args(annotation)[0])]
    if origin in (collections.abc.Mapping, dict):
        return [("map", typing.get_args(annotation)[1])]
    return [annotation]


def _fits(value: Any, annotation: Any, path: str, out: list[str]) -> None:
    if value == UNKNOWN:
        return  # computed by another resource: its type is the provider's business
    kinds = _kinds(annotation)
    for kind in kinds:
        if isinstance(kind, type) and fields(kind):
            if isinstance(value, dict):
                out.extend(problems_of(kind, value, path))
                return
        elif isinstance(kind, tuple) and kind[0] == "list" and isinstance(value, list):
            for i, item in enumerate(value):
                _fits(item, kind[1], f"{path}[{i}]", out)
            return
        elif isinstance(kind, tuple) and kind[0] == "map" and isinstance(value, dict):
            for k, item in value.items():
                _fits(item, kind[1], f"{path}.{k}", out)
            return
        elif kind in SCALARS and isinstance(value, SCALARS[kind]) and not (kind is not bool and isinstance(value, bool)):
            return
        elif kind is typing.Any:
            return
    if any(isinstance(k, tuple) and k[0] == "list" for k in kinds) and not isinstance(value, list):
        out.append(f"{path}: {value!r} is not a list")
    else:
        out.append(f"{path}: {value!r} is none of {kinds}")


def problems_of(cls: type, inputs: dict[str, Any], path: str = "") -> list[str]:
    def at(key: str) -> str:
        return f"{path}.{key}" if path else key

    known = fields(cls)
    out = [f"{at(k)}: not an input of {cls.__name__}" for k in inputs if k not in known and k != "__defaults"]
    out += [f"{at(k)}: required by {cls.__name__}, missing" for k in sorted(required(cls)) if k not in inputs]
    for key, value in inputs.items():
        if key in known:
            _fits(value, known[key][1], at(key), out)
    return out


def problems(token: str, inputs: dict[str, Any]) -> list[str]:
    cls = args_class(token)
    if cls is None:
        return [f"{token}: no input type in pulumi_azuread"]
    return [f"{token}: {p}" for p in problems_of(cls, inputs)]
