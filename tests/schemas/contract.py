"""Azure's own contract: the official ARM template schemas in ../shared/azure-arm-schemas.

Every file is registered under the URL it is published at
(`https://schema.management.azure.com/schemas/<path>`), so the `$ref`s between files resolve
locally with `referencing`; the schemas are JSON Schema draft 4 (README in that folder).

A resource is validated against the one resource definition whose `type` and `apiVersion`
enums name it, in the section for where it is deployed (`subscription_resourceDefinitions`
at the top of a subscription template, `resourceDefinitions` inside a resource-group
deployment, `extension_resourceDefinitions` for extension resources). No definition: the
resource fails (a gap, never a pass).

The README names the places where the published schemas are stricter than the service. Each
is tolerated here narrowly, and nowhere else:
- `properties` required on `Microsoft.Resources/resourceGroups` and
  `Microsoft.Network/privateDnsZones` (only that `required` error, only on those types);
- the `expressionEvaluationOptions.scope` enum spelled `Inner` while ARM accepts any case
  (only that enum, compared case-insensitively);
- a template expression string that matches two branches of a `oneOf` (e.g. `{}` and
  `expression`): accepted when at least one branch matches.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import referencing
from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError
from referencing.jsonschema import DRAFT4

SCHEMAS = Path(__file__).resolve().parents[3] / "shared" / "azure-arm-schemas"
BASE_URL = "https://schema.management.azure.com/schemas/"
EXPRESSION = re.compile(r"^\[([^\[].*)?\]$")  # common/definitions.json#/definitions/expression

# Azure resources of the program that no check against an official schema covers, with the reason
# (used by tests/schemas and tests/arm/test_catalog.py). Not a pass: each stack's skipped set must
# equal this, and each entry must really lack a schema here.
KNOWN_GAPS = {
    # modules/entra_logs.py: a tenant-scope resource (Microsoft.AADIAM/diagnosticSettings). A
    # subscription template cannot create it, and ../shared/azure-arm-schemas holds no AADIAM schema.
    "azure-native:aadiam:DiagnosticSetting": "Microsoft.AADIAM/diagnosticSettings",
}


OVER_STRICT_REQUIRED = {"microsoft.resources/resourcegroups", "microsoft.network/privatednszones"}
CASE_INSENSITIVE_ENUM = ("NotSpecified", "Outer", "Inner")  # ExpressionEvaluationOptions.scope


@dataclass(frozen=True)
class Definition:
    url: str
    """`<file url>#/<section>/<name>`: the JSON pointer of one resource definition."""


def _sections(level: str) -> tuple[str, ...]:
    if level == "subscription":
        return ("subscription_resourceDefinitions", "extension_resourceDefinitions")
    return ("resourceDefinitions", "extension_resourceDefinitions")


@cache
def documents() -> dict[str, dict[str, Any]]:
    if not SCHEMAS.is_dir():
        raise AssertionError(f"the official ARM schemas are missing: {SCHEMAS}")
    return {BASE_URL + p.relative_to(SCHEMAS).as_posix(): json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(SCHEMAS.rglob("*.json"))}


@cache
def registry() -> referencing.Registry:
    return referencing.Registry().with_resources(
        (url, DRAFT4.create_resource(doc)) for url, doc in documents().items()
    )


@cache
def _index() -> dict[tuple[str, str, str], str]:
    """(lowercased type, apiVersion, section) -> definition URL."""
    out: dict[tuple[str, str, str], str] = {}
    for url, doc in documents().items():
        for section, defs in doc.items():
            if not section.endswith("resourceDefinitions") or not isinstance(defs, dict):
                continue
            for name, schema in defs.items():
                props = schema.get("properties", {})
                for arm_type in props.get("type", {}).get("enum", []):
                    for version in props.get("apiVersion", {}).get("enum", []):
                        out[(arm_type.lower(), version, section)] = f"{url}#/{section}/{name}"
    return out


def definition(arm_type: str, api_version: str, level: str) -> str | None:
    """The URL of the schema for `arm_type`@`api_version` deployed at `level` (subscription|resourceGroup)."""
    for section in _sections(level):
        url = _index().get((arm_type.lower(), api_version, section))
        if url is not None:
            return url
    return None


def _one_of(validator: Any, one_of: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if isinstance(instance, str) and EXPRESSION.match(instance):
        # README, known over-strict spot: an expression string may match e.g. `{}` and `expression` at once.
        if any(validator.evolve(schema=branch).is_valid(instance) for branch in one_of):
            return
    yield from Draft4Validator.VALIDATORS["oneOf"](validator, one_of, instance, schema)


def _enum(validator: Any, enums: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if tuple(enums) == CASE_INSENSITIVE_ENUM and isinstance(instance, str):
        # README, known over-strict spot: ARM accepts `inner` in any case.
        if instance.lower() in {e.lower() for e in enums}:
            return
    yield from Draft4Validator.VALIDATORS["enum"](validator, enums, instance, schema)


ArmValidator = jsonschema.validators.extend(Draft4Validator, {"oneOf": _one_of, "enum": _enum})


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    if not error.context:
        yield error
        return
    for sub in error.context:
        yield from _leaves(sub)


def problems(body: dict[str, Any], level: str) -> list[str]:
    """Why `body` (one template resource) breaks its official schema; empty when it validates."""
    url = definition(body.get("type", ""), body.get("apiVersion", ""), level)
    label = f"{body.get('type')}@{body.get('apiVersion')} {body.get('name')!r}"
    if url is None:
        return [f"{label}: no official schema for this type and API version ({level} level)"]
    validator = ArmValidator({"$ref": url}, registry=registry())
    out: list[str] = []
    for error in validator.iter_errors(body):
        if (error.validator == "required" and not error.absolute_path and "'properties'" in error.message
                and str(body.get("type", "")).lower() in OVER_STRICT_REQUIRED):
            continue
        details = sorted({f"{'/'.join(map(str, e.absolute_path))}: {e.message[:160]}" for e in _leaves(error)})
        out.append(f"{label}: {'/'.join(map(str, error.absolute_path))}: {error.message[:160]}"
                   + "".join(f"\n    {d}" for d in details[:8]))
    return out


def template_resources(document: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
    """(resource, level) for every resource of a `dpaguard arm` template, nested deployments included."""
    for body in document.get("resources", []):
        yield body, "subscription"
        if body.get("type") == "Microsoft.Resources/deployments":
            for inner in body["properties"]["template"].get("resources", []):
                yield inner, "resourceGroup"
