"""`dpaguard plan`: run the stack's program offline and describe what it would create.

The plan document (`plan.json`, described by `dpaguard/schemas/plan.schema.json`) holds,
per resource, the `RegisterResource` request as the SDK sent it, plus the stack outputs
and the policy register derived from the stack config.
"""

from __future__ import annotations

import copy
import json
import runpy
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from dpaguard import __version__
from dpaguard.engine import runner, stackfiles
from dpaguard.engine.packages import import_package
from dpaguard.errors import InputError

PLAN_VERSION = 1
STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class PlanResult:
    document: dict[str, Any]
    stack_file: stackfiles.StackFile
    log: list[tuple[str, str]]


def load_stack_config(root: Path, stack_file: stackfiles.StackFile, project: stackfiles.Project) -> Any:
    """The stack's validated `modules.config.StackConfig`; a bad value is an InputError `file: key: reason`."""
    config = config_module(root)
    try:
        return config.load(stackfiles.project_config(stack_file, project), stack_file.name)
    except config.ConfigError as exc:
        raise InputError(f"{stack_file.display_path(root)}: {project.name}:{exc.keys}: {exc.message}") from None


def config_module(root: Path) -> Any:
    """The Pulumi program's `modules.config` module (the one place config is read and validated)."""
    # The program imports `modules` from its own directory, as under the real CLI.
    import_package(root, "modules")
    from modules import config

    return config


def _invokes(cfg: Any) -> dict[str, dict[str, Any]]:
    """Plausible answers for the invokes a program may make, from the stack's own config."""
    client = {
        "clientId": "00000000-0000-0000-0000-000000000000",
        "objectId": "00000000-0000-0000-0000-000000000000",
        "subscriptionId": cfg.subscription_id,
        "tenantId": cfg.tenant_id,
    }
    return {
        "azure-native:authorization:getClientConfig": client,
        "azuread:index/getClientConfig:getClientConfig": {k: client[k] for k in ("clientId", "objectId", "tenantId")},
    }


def build_plan(root: Path, stack: str) -> PlanResult:
    root = root.resolve()
    project = stackfiles.load_project(root)
    stack_file = stackfiles.load_stack(project, stack)
    cfg = load_stack_config(root, stack_file, project)
    program = root / "__main__.py"
    if not program.is_file():
        raise InputError(f"{program}: the Pulumi program is missing")
    try:
        run = runner.run_program(
            lambda: runpy.run_path(str(program), run_name="__main__"),
            project=project.name,
            stack=stack,
            config=stack_file.config,
            invokes=_invokes(cfg),
        )
    except runner.UnknownInvoke as exc:
        raise InputError(f"{program.name}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - a failing program is reported in one line
        detail = str(exc).splitlines()[0] if str(exc) else ""
        raise InputError(f"{program.name} failed for stack {stack}: {type(exc).__name__}: {detail}") from None
    document = {
        "planVersion": PLAN_VERSION,
        "generator": f"dpaguard {__version__} offline engine (pulumi mocks, preview)",
        "project": project.name,
        "stack": stack,
        "stackFile": stack_file.display_path(root),
        "preview": True,
        "resources": [r.to_json() for r in run.resources],
        "outputs": run.outputs,
        "register": cfg.policy_register(),
    }
    validate_plan(document)
    return PlanResult(document=document, stack_file=stack_file, log=run.log)


@lru_cache(maxsize=1)
def plan_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(resources.files("dpaguard").joinpath("schemas/plan.schema.json").read_text())
    return schema


@lru_cache(maxsize=1)
def _compiled_plan_schema() -> Any:
    """plan.schema.json compiled to Python by fastjsonschema (draft 7 code; the schema uses only
    keywords that mean the same in 2020-12), never filling in defaults."""
    import fastjsonschema

    # a copy: compiling rewrites `$ref`s in place, and jsonschema must read the schema as written
    return fastjsonschema.compile(copy.deepcopy(plan_schema()), use_default=False, use_formats=False)


def validate_plan(document: dict[str, Any]) -> None:
    """InputError naming the first place where `document` is not a plan.

    jsonschema (the reference implementation) decides and words the error; the compiled schema
    only answers first, since a plan of 4 000 resources takes it 0.1 s and jsonschema 0.4 s.
    tests/engine/test_plan_schema_engines.py holds both to the same verdicts.
    """
    import fastjsonschema
    import jsonschema

    try:
        _compiled_plan_schema()(document)
        return
    except fastjsonschema.JsonSchemaException:
        pass
    errors = sorted(jsonschema.Draft202012Validator(plan_schema()).iter_errors(document), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(root)"
        raise InputError(f"plan does not match plan.schema.json at {where}: {first.message}")


def write_json_atomic(path: Path, document: Any) -> None:
    """Write the whole file or nothing: a crash never leaves half a plan behind.

    One line and exit 2 (InputError) for a directory in the way, a file where a directory must
    be, or an unwritable place: the CLI's one atomic-write helper, `dpaguard.files`.
    """
    from dpaguard.files import write_json

    write_json(path, document, mode=0o600, make_parents=True)


def render_tree(document: dict[str, Any]) -> str:
    """A short tree: each component under the stack, with its resources counted by type."""
    resources_ = [r for r in document["resources"] if r["type"] != STACK_TYPE]
    by_urn = {r["urn"]: r for r in resources_}

    def component_of(res: dict[str, Any]) -> dict[str, Any] | None:
        parent = by_urn.get(res.get("parent") or "")
        while parent is not None and by_urn.get(parent.get("parent") or "") is not None:
            parent = by_urn[parent["parent"]]
        return parent

    counts: dict[str, Counter[str]] = {}
    top: list[dict[str, Any]] = []
    for res in resources_:
        owner = component_of(res)
        if owner is None:
            top.append(res)
            counts.setdefault(res["urn"], Counter())
        else:
            counts.setdefault(owner["urn"], Counter())[res["type"]] += 1
    custom = sum(1 for r in resources_ if r["custom"])
    lines = [f"{document['stack']}: {custom} resources in {len(top)} components (offline preview)"]
    for i, comp in enumerate(top):
        last = i == len(top) - 1
        lines.append(f"{'└─' if last else '├─'} {comp['name']}  {comp['type']}")
        items = sorted(counts[comp["urn"]].items())
        for j, (type_, n) in enumerate(items):
            branch = "   " if last else "│  "
            lines.append(f"{branch}{'└─' if j == len(items) - 1 else '├─'} {n:>4} × {type_}")
    return "\n".join(lines)
