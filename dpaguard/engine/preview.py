"""What a provider returns as a new resource's outputs during `pulumi preview`.

azure-native (pulumi/pulumi-azure-native `provider/pkg/provider/provider.go`, `Create` with
`req.GetPreview()`: `k.converter.PreviewOutputs(inputs, res.Response)`; the rule itself in
`provider/pkg/convert/previewOutputs.go`): for every RESPONSE property of the resource, the input
of the same SDK name converted to the output shape (a scalar of the declared type kept, an object
of a `#/types/` type converted property by property, arrays item by item, maps value by value,
`Any` and oneOf objects kept as given), anything else computed (unknown). So path parameters
(`resourceGroupName`, `accountName`, `scope`, ...: inputs that are no response property) are
absent, and `id`, `name`, `etag`, provisioning states are unknown.

The response properties are read from the installed SDK: the resource class's output getters
(`@pulumi.getter(name=...)` on `pulumi.Output[...]` properties) and, for nested objects, the
`...Response` output types' getters, with their annotations as the types. `id` is a response
property of every azure-native resource (it is in real state outputs, e.g.
pulumi-azure-native `provider/pkg/provider/testdata/recorded/.../stack.json`) but the SDK keeps
it on `CustomResource`, so it is added here. Limitation: `const` response properties (a few
discriminators) are unknown here where the provider would return the constant.

azuread and other Terraform-bridged providers (pulumi-terraform-bridge plans a create: inputs
kept, computed attributes unknown): every input kept; every other output getter, and `id`, unknown.

Other custom resources (provider resources, unknown packages): outputs = inputs, which is what
the engine stores for provider resources (see the `pulumi:providers:azure-native` state above).
"""

from __future__ import annotations

import importlib
import sys
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

import pulumi

from dpaguard.engine.model import UNKNOWN

# Signatures of pulumi's wire format (pulumi `sdk/go/common/resource/properties.go`).
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"

# Packages whose SDK this module knows how to read, and how their preview outputs are made.
_NATIVE = "azure-native"
_BRIDGED = {"azuread": "pulumi_azuread"}


@dataclass(frozen=True)
class _Shape:
    """The output shape of one property: kind in scalar | any | array | map | object | oneof | unknown."""

    kind: str
    scalar: type | None = None
    item: _Shape | None = None
    properties: Mapping[str, _Shape] | None = None


_COMPUTED = _Shape("unknown")


def preview_outputs(type_token: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The outputs a provider returns for a NEW resource of `type_token` with `inputs` in preview.

    Both in wire (JSON) form: unknown values are the UNKNOWN sentinel, secrets the signature object.
    """
    package = type_token.split(":", 1)[0]
    if package == _NATIVE:
        properties = _native_properties(_base_token(type_token))
        if properties is not None:
            return _preview_object(inputs, properties)
        return {k: v for k, v in inputs.items()}
    if package in _BRIDGED:
        names = _bridged_outputs(type_token)
        outputs = {k: v for k, v in inputs.items()}
        for name in names:
            outputs.setdefault(name, UNKNOWN)
        outputs.setdefault("id", UNKNOWN)
        return outputs
    return {k: v for k, v in inputs.items()}


def _base_token(type_token: str) -> str:
    """`azure-native:storage/v20230101:StorageAccount` -> `azure-native:storage:StorageAccount`."""
    parts = type_token.split(":")
    if len(parts) == 3 and "/" in parts[1]:
        return f"{parts[0]}:{parts[1].split('/', 1)[0]}:{parts[2]}"
    return type_token


# ------------------------------------------------------------------ the rule of previewOutputs.go


def _preview_object(inputs: Mapping[str, Any], properties: Mapping[str, _Shape]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, shape in properties.items():
        if name in inputs:
            result[name] = _preview_value(inputs[name], shape)
        else:
            result[name] = UNKNOWN
    return result


def _preview_value(value: Any, shape: _Shape) -> Any:
    if isinstance(value, dict) and value.get(_SIG_KEY) == _SECRET_SIG and "value" in value:
        # The provider sees the plain value; the engine keeps the output of a secret input secret.
        return {_SIG_KEY: _SECRET_SIG, "value": _preview_value(value["value"], shape)}
    if value == UNKNOWN:
        return UNKNOWN
    kind = shape.kind
    if kind == "scalar":
        if shape.scalar is bool and isinstance(value, bool):
            return value
        if shape.scalar in (int, float) and isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        if shape.scalar is str and isinstance(value, str):
            return value
        return UNKNOWN
    if kind == "array" and isinstance(value, list):
        item = shape.item or _COMPUTED
        return [_preview_value(v, item) for v in value]
    if kind == "object" and isinstance(value, dict) and shape.properties is not None:
        return _preview_object(value, shape.properties)
    if kind == "map" and isinstance(value, dict):
        item = shape.item or _COMPUTED
        return {k: _preview_value(v, item) for k, v in value.items()}
    if kind == "oneof" and isinstance(value, dict):
        return value
    if kind == "any":
        return value
    return UNKNOWN


# ------------------------------------------------------------------ reading the installed SDK


@cache
def _native_properties(type_token: str) -> Mapping[str, _Shape] | None:
    _, module_part, class_name = type_token.split(":")
    module = _import(f"pulumi_azure_native.{module_part.replace('/', '.')}")
    cls = getattr(module, class_name, None) if module is not None else None
    if not isinstance(cls, type) or not issubclass(cls, pulumi.CustomResource):
        return None
    properties = dict(_getters(cls))
    properties.setdefault("id", _Shape("scalar", str))
    return properties


@cache
def _bridged_outputs(type_token: str) -> tuple[str, ...]:
    package, _, class_name = type_token.split(":")
    module = _import(_BRIDGED[package])
    cls = getattr(module, class_name, None) if module is not None else None
    if not isinstance(cls, type):
        return ()
    return tuple(_getters(cls))


def _import(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _getters(cls: type) -> dict[str, _Shape]:
    """Pulumi name -> shape of every `@pulumi.getter` property of `cls` (outputs of a resource or output type)."""
    found: dict[str, _Shape] = {}
    module = sys.modules.get(cls.__module__)
    for klass in reversed(cls.__mro__):
        for attr in vars(klass).values():
            fget = getattr(attr, "fget", None) if isinstance(attr, property) else None
            name = getattr(fget, "_pulumi_name", None)
            if fget is None or not isinstance(name, str):
                continue
            annotation = getattr(fget, "__annotations__", {}).get("return", Any)
            found[name] = _shape(annotation, module, 0)
    return found


def _shape(annotation: Any, module: ModuleType | None, depth: int) -> _Shape:
    if depth > 24:
        return _Shape("any")
    if isinstance(annotation, str):
        annotation = typing.ForwardRef(annotation)
    if isinstance(annotation, typing.ForwardRef):
        resolved = _resolve(annotation.__forward_arg__, module)
        if resolved is None:
            return _COMPUTED
        annotation = resolved
    if annotation is Any:
        return _Shape("any")
    if annotation in (str, bool, int, float):
        return _Shape("scalar", annotation)
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is pulumi.Output or (isinstance(origin, type) and issubclass(origin, pulumi.Output)):
        return _shape(args[0], module, depth + 1) if args else _Shape("any")
    if origin is typing.Union:
        members = [a for a in args if a is not type(None)]
        if len(members) == 1:
            return _shape(members[0], module, depth + 1)
        return _Shape("oneof")
    if origin is not None and isinstance(origin, type) and issubclass(origin, Mapping):
        return _Shape("map", item=_shape(args[1], module, depth + 1) if len(args) == 2 else _Shape("any"))
    if origin is not None and isinstance(origin, type) and issubclass(origin, Sequence) and origin is not str:
        return _Shape("array", item=_shape(args[0], module, depth + 1) if args else _Shape("any"))
    if isinstance(annotation, type) and getattr(annotation, "_pulumi_output_type", False):
        return _object_shape(annotation)
    return _COMPUTED


def _resolve(dotted: str, module: ModuleType | None) -> Any:
    if module is None:
        return None
    parts = dotted.split(".")
    current: Any = vars(module).get(parts[0])
    if current is None:
        current = getattr(vars(module).get("_builtins"), parts[0], None) if parts[0] in ("str", "bool", "int", "float") else None
    for part in parts[1:]:
        current = getattr(current, part, None)
    return current


@cache
def _object_shape(cls: type) -> _Shape:
    return _Shape("object", properties=_LazyProperties(cls))


class _LazyProperties(Mapping[str, _Shape]):
    """An output type's properties, read when a value of that type is first converted."""

    def __init__(self, cls: type):
        self._cls = cls
        self._found: dict[str, _Shape] | None = None

    def _all(self) -> dict[str, _Shape]:
        if self._found is None:
            self._found = _getters(self._cls)
        return self._found

    def __getitem__(self, key: str) -> _Shape:
        return self._all()[key]

    def __iter__(self) -> typing.Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())
