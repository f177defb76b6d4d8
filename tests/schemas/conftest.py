"""Plans and ARM templates made the way an operator makes them: `dpaguard plan`, then `dpaguard arm`, into tmp_path."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_STACKS = ("ous-kvalitetslab", "ecg247")
BENCH_CONTROLLERS = 3


def plan_and_render(root: Path, stack: str, out: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(plan.json, ARM template) of `stack` in project `root`, both written under `out`."""
    from dpaguard.cli import main  # the operator's entry point, exit codes and all

    assert main(["plan", "--root", str(root), "--stack", stack, "--out", str(out), "--no-check", "--quiet"]) == 0
    template = out / "template.json"
    assert main(["arm", str(out / "plan.json"), "--root", str(root), "-o", str(template)]) == 0
    return (json.loads((out / "plan.json").read_text(encoding="utf-8")),
            json.loads(template.read_text(encoding="utf-8")))


# The shipped stacks run the Virtual WAN secured hub (`dpa-guard:egress`); their variants without
# it (`<shipped>-vnetgw`) plan the VNet gateway of modules/vpn.py, which must validate too.
VNETGW_STACKS = tuple(f"{s}-vnetgw" for s in SHIPPED_STACKS)


def make_vnetgw_project(tmp: Path) -> None:
    """A copy of the project whose stacks `<shipped>-vnetgw` are the shipped stacks without `egress`."""
    import shutil

    import yaml

    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, tmp / name)
    (tmp / "modules").symlink_to(ROOT / "modules")
    (tmp / "stacks").mkdir()
    for stack in SHIPPED_STACKS:
        doc = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
        assert doc["config"].pop("dpa-guard:egress", None) is not None, f"{stack} ships without egress"
        (tmp / "stacks" / f"Pulumi.{stack}-vnetgw.yaml").write_text(yaml.safe_dump(doc, sort_keys=False),
                                                                    encoding="utf-8")


def _bench_module() -> Any:
    # bench/ is a folder of scripts, not a package: load the generator the benchmark itself uses.
    spec = importlib.util.spec_from_file_location("plan_scale", ROOT / "bench" / "plan_scale.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], tuple[dict[str, Any], dict[str, Any]]]:
    """planned(stack) -> (plan, template); "bench" is the scale benchmark's generated ECG stack,
    "<shipped>-vnetgw" a shipped stack without its secured hub (VNETGW_STACKS)."""
    cache: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}

    def get(stack: str) -> tuple[dict[str, Any], dict[str, Any]]:
        if stack not in cache:
            out = tmp_path_factory.mktemp(stack)
            if stack == "bench":
                project = tmp_path_factory.mktemp("bench-project")
                name = _bench_module().make_project(project, BENCH_CONTROLLERS)
                cache[stack] = plan_and_render(project, name, out)
            elif stack in VNETGW_STACKS:
                project = tmp_path_factory.mktemp("vnetgw-project")
                make_vnetgw_project(project)
                cache[stack] = plan_and_render(project, stack, out)
            else:
                cache[stack] = plan_and_render(ROOT, stack, out)
        return cache[stack]

    return get
