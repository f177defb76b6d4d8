"""The offline engine: runs the Pulumi program under mocks and turns what it registers into a plan.

Public: `Resource` (the plan model), `preview_outputs` (a provider's outputs for a new resource in
preview), `UNKNOWN` (the wire sentinel of an unknown value), `STACK_TYPE`.
"""

from dpaguard.engine.model import STACK_TYPE, UNKNOWN, Resource
from dpaguard.engine.preview import preview_outputs

__all__ = ["STACK_TYPE", "UNKNOWN", "Resource", "preview_outputs"]
