"""The plan model: a resource as the engine holds it during a preview (inputs AND outputs).

The two halves go to different policy calls, as in the real engine
(pulumi/pulumi `pkg/resource/deploy/step_generator.go`): `Analyze` (resource policies) gets the
resource's inputs before the step runs; `AnalyzeStack` (stack policies) gets every resource's
outputs (`v.Outputs`) plus `parent`, `dependencies` and `propertyDependencies`, once, at the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

STACK_TYPE = "pulumi:pulumi:Stack"

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The wire sentinel of a value unknown during preview (pulumi `sdk/go/common/resource/plugin/rpc.go`
UnknownStringValue; pulumi.runtime.rpc.UNKNOWN in the Python SDK)."""


@dataclass(frozen=True)
class Resource:
    """One resource of a plan or a `pulumi preview --json` step, in the wire (JSON) form.

    inputs: what the program registered (camelCase keys, UNKNOWN sentinel, secret objects).
    outputs: what the engine holds as the resource's outputs after the step (for a create in
      preview: the provider's preview outputs, see `dpaguard.engine.preview.preview_outputs`);
      None where nothing says (then the evaluator derives them from the inputs).
    property_dependencies: input property -> URNs of the resources its value came from.
    """

    urn: str
    type: str
    name: str
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any] | None = None
    parent: str | None = None
    provider: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    custom: bool = True
    protect: bool = False
    id: str | None = None
