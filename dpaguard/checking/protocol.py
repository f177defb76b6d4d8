"""The Analyzer requests the Pulumi engine sends a policy pack, built from a plan.

Shared by `dpaguard check` (which hands them to pulumi_policy's servicer in process) and
tests/fidelity (which sends them over gRPC to the pack started as the CLI starts it), so both
see exactly the same bytes.

Sources (pulumi/pulumi):
* `pkg/resource/deploy/step_generator.go`: `analyzeAll` sends `Analyze` once per registered
  resource (custom or not) with its INPUTS before the step runs; `AnalyzeResources` sends
  `AnalyzeStack` once with every resource of `news` and its OUTPUTS, `Parent`, `Dependencies`,
  `PropertyDependencies`.
* `pkg/resource/plugin/analyzer_plugin.go`: properties marshalled with KeepUnknowns, KeepSecrets,
  SkipInternalKeys (keys starting with `__` dropped); property dependencies without URNs skipped;
  `Configure` sends {policy: {enforcementLevel, properties}}.
* `pkg/resource/analyzer/config.go`: `ReconcilePolicyPackConfig` - every policy of the pack's
  `GetAnalyzerInfo` gets its default level and schema defaults, then the `--policy-pack-config`
  file applies (`all` first), then each policy's config is validated against its schema; a
  validation error stops `pulumi preview` before anything runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from dpaguard.engine.model import Resource
from dpaguard.engine.preview import preview_outputs
from dpaguard.errors import UsageError

_LEVELS = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}
LEVEL_NAMES = {v: k for k, v in _LEVELS.items()}

SEVERITY_NAMES = {
    analyzer_pb2.POLICY_SEVERITY_UNSPECIFIED: "unspecified",
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}


class PolicyConfigError(UsageError):
    """The policy-pack config does not validate: the CLI refuses to run the pack (exit 2 here)."""


def _struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    """`value` (JSON data) as a protobuf Struct: the same message `json_format.ParseDict` builds
    (tests/checking/test_protocol.py compares them), through protobuf's own `Struct.update`."""
    out = struct_pb2.Struct()
    out.update({k: v for k, v in value.items() if not k.startswith("__")})
    return out


def outputs_of(resource: Resource) -> Mapping[str, Any]:
    """The outputs the engine holds for `resource`: recorded ones, else a new resource's preview outputs."""
    if resource.outputs is not None:
        return resource.outputs
    if resource.custom:
        return preview_outputs(resource.type, resource.inputs)
    return {}


def _options(resource: Resource) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(protect=resource.protect, parent=resource.parent or "")


def provider_of(resource: Resource, by_urn: Mapping[str, Resource]) -> analyzer_pb2.AnalyzerProviderResource | None:
    """The resource's provider as the engine describes it to the analyzer: type, urn, name and its INPUTS
    (step_generator.go getProviderResource; analyzer_plugin.go marshalProvider). The reference is `URN::ID`."""
    if not resource.provider:
        return None
    provider = by_urn.get(resource.provider.rsplit("::", 1)[0])
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(type=provider.type, properties=_struct(provider.inputs),
                                                 urn=provider.urn, name=provider.name)


def analyze_request(resource: Resource,
                    provider: analyzer_pb2.AnalyzerProviderResource | None = None) -> analyzer_pb2.AnalyzeRequest:
    """`Analyze` for one resource: its inputs (step_generator.go analyzeAll), and its provider if known."""
    return analyzer_pb2.AnalyzeRequest(
        type=resource.type, properties=_struct(resource.inputs), urn=resource.urn, name=resource.name,
        options=_options(resource), provider=provider,
    )


def analyze_stack_request(resources: Iterable[Resource]) -> analyzer_pb2.AnalyzeStackRequest:
    """`AnalyzeStack` for the whole stack: outputs, parent, dependencies (step_generator.go AnalyzeResources)."""
    everything = list(resources)
    by_urn = {r.urn: r for r in everything}
    items = []
    for r in everything:
        property_dependencies = {
            k: analyzer_pb2.AnalyzerPropertyDependencies(urns=list(v))
            for k, v in r.property_dependencies.items() if v
        }
        items.append(analyzer_pb2.AnalyzerResource(
            type=r.type, properties=_struct(outputs_of(r)), urn=r.urn, name=r.name, options=_options(r),
            provider=provider_of(r, by_urn), parent=r.parent or "", dependencies=list(r.dependencies),
            propertyDependencies=property_dependencies,
        ))
    return analyzer_pb2.AnalyzeStackRequest(resources=items)


def configure_request(info: analyzer_pb2.AnalyzerInfo,
                      config: Mapping[str, Any] | None) -> analyzer_pb2.ConfigureAnalyzerRequest:
    """`Configure` as `pulumi preview --policy-pack-config FILE` sends it (FILE parsed into `config`).

    Raises PolicyConfigError, naming every failing policy, where the CLI would stop with
    "validating policy config for PACK: ...".
    """
    import jsonschema

    result: dict[str, tuple[str, dict[str, Any] | None]] = {}
    for policy in info.policies:
        props: dict[str, Any] | None = None
        schema = json_format.MessageToDict(policy.configSchema.properties)
        for key, prop in schema.items():
            if isinstance(prop, dict) and "default" in prop:
                props = props or {}
                props[key] = prop["default"]
        result[policy.name] = (LEVEL_NAMES.get(policy.enforcementLevel, "advisory"), props)
    given = dict(config or {})
    everything = given.get("all")
    if isinstance(everything, (str, dict)):
        level = everything if isinstance(everything, str) else everything.get("enforcementLevel")
        if level in _LEVELS:
            result = {k: (str(level), v[1]) for k, v in result.items()}
    for name, value in given.items():
        level, props = result.get(name, ("", None))
        if isinstance(value, str):
            value = {"enforcementLevel": value}
        if not isinstance(value, dict):
            raise PolicyConfigError(f"policy config for {name}: expected an object or an enforcement level")
        if value.get("enforcementLevel") in _LEVELS:
            level = str(value["enforcementLevel"])
        extra = {k: v for k, v in value.items() if k != "enforcementLevel"}
        if extra:
            props = {**(props or {}), **extra}
        result[name] = (level, props)

    errors: list[str] = []
    # Every policy that reads the register has the same schema and the same register object: a
    # (schema, values) pair is validated once and its messages given to each policy that has it.
    validated: dict[tuple[str, tuple[tuple[str, int], ...]], list[str]] = {}
    for policy in info.policies:
        if not policy.HasField("configSchema"):
            continue
        schema = {"type": "object", "properties": json_format.MessageToDict(policy.configSchema.properties)}
        if policy.configSchema.required:
            schema["required"] = list(policy.configSchema.required)
        document = result.get(policy.name, ("", None))[1] or {}
        key = (json.dumps(schema, sort_keys=True), tuple((k, id(v)) for k, v in document.items()))
        if key not in validated:
            validated[key] = [error.message for error in jsonschema.Draft7Validator(schema).iter_errors(document)]
        errors.extend(f"{policy.name}: {message}" for message in validated[key])
    if errors:
        errors.sort()
        raise PolicyConfigError(f"validating policy config for {info.name}: {'; '.join(errors)[:400]}")

    request = analyzer_pb2.ConfigureAnalyzerRequest()
    # Every policy that reads the register is given the same register object: convert it once.
    converted: dict[tuple[tuple[str, int], ...], struct_pb2.Struct] = {}
    for name, (level, props) in result.items():
        entry = request.policyConfig[name]
        entry.enforcementLevel = _LEVELS.get(level, analyzer_pb2.ADVISORY)
        if props:
            key = tuple((k, id(v)) for k, v in props.items())
            if key not in converted:
                converted[key] = _struct(props)
            entry.properties.CopyFrom(converted[key])
    return request
