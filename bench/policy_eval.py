"""How long the full policy pack takes on big plans (a benchmark: it prints, never asserts).

Sizes: ECG stacks with --controllers physicians (default 10, 100, 1000), generated the way
bench/plan_scale.py does (`make_project`: one reader and a retention class per physician) and
planned once each with `build_plan`: real plans, so the resource-type mix is the shipped one.
A ~10 000-resource plan is made by replicating the largest real plan's resources under renamed
URNs (--replicate-to): planning that many controllers offline takes minutes, and the pack's cost
depends on resource count and type mix, which replication keeps. Replicas carry the same Azure
names, so stack policies that correlate by name do more matching than in any real stack: a
pessimistic figure.

For each plan the pack is evaluated --runs times (reading inputs into Resources included, JSON
parsing and planning not); printed: controllers, resources, median seconds, resources/second,
and the checkov column (see `checkov_seconds`).

    .venv/bin/python bench/policy_eval.py [--controllers 10,100,1000] [--replicate-to 10000] [--runs 3]

Goal (issue 3): the full pack on a 1000-controller plan in under 5 s.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

GOAL_SECONDS = 5.0
GOAL_CONTROLLERS = 1000


def checkov_seconds(document: dict[str, Any], workdir: Path, runs: int) -> float | None:
    """Median seconds checkov needs for the same plan, or None where it is not measured.

    Hook for the checkov comparison (tools/checkov): write what checkov scans for `document`
    under `workdir`, run it `runs` times in .tools/checkov, return the median. The column is
    checkov's total (start-up included); bench/checkov_eval.py splits start-up from scan and
    prints the ratios.
    """
    from checkov_eval import measure

    return measure(document, workdir, runs)["total"]


def plan_controllers(tmp: Path, controllers: int) -> dict[str, Any]:
    from plan_scale import make_project

    from dpaguard.engine.plan import build_plan

    project = tmp / f"p{controllers}"
    project.mkdir()
    stack = make_project(project, controllers)
    return build_plan(project, stack).document


def replicate(document: dict[str, Any], target: int) -> dict[str, Any]:
    """`document` with its custom resources copied under renamed URNs until there are >= target."""
    out = copy.deepcopy(document)
    originals = [r for r in document["resources"] if r["custom"]]
    if not originals:
        return out
    copies = -(-target // len(originals)) - 1
    for k in range(1, copies + 1):
        suffix = f"-r{k}"
        renamed = {r["urn"]: r["urn"] + suffix for r in originals}
        for r in originals:
            clone = copy.deepcopy(r)
            clone["urn"] = renamed[r["urn"]]
            clone["name"] = r["name"] + suffix
            clone["dependencies"] = [renamed.get(d, d) for d in r["dependencies"]]
            out["resources"].append(clone)
    return out


def time_pack(document: dict[str, Any], runs: int) -> tuple[int, float, dict[str, Any]]:
    from dpaguard.checking.evaluate import evaluate
    from dpaguard.checking.inputs import from_plan
    from policies.pack import POLICIES

    seconds = []
    evaluation = None
    for _ in range(runs):
        start = time.perf_counter()
        checked = from_plan(document, name="bench", validate=False)
        evaluation = evaluate(POLICIES, checked.resources, register=checked.register, stack_urn=checked.stack_urn)
        seconds.append(time.perf_counter() - start)
    assert evaluation is not None
    return evaluation.resources, statistics.median(seconds), evaluation.summary()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--controllers", default="10,100,1000", help="comma-separated physician counts")
    parser.add_argument("--replicate-to", type=int, default=10000, help="resources of the replicated plan (0: none)")
    parser.add_argument("--runs", type=int, default=3, help="evaluations per plan (median; at least 3)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    runs = max(3, args.runs)
    sizes = [int(s) for s in args.controllers.split(",") if s.strip()]

    from policies.pack import POLICIES

    rows = []
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        largest: tuple[int, dict[str, Any]] | None = None
        for n in sizes:
            started = time.perf_counter()
            document = plan_controllers(tmp, n)
            planned = time.perf_counter() - started
            resources, seconds, summary = time_pack(document, runs)
            rows.append({"plan": f"{n} controllers", "controllers": n, "resources": resources, "seconds": seconds,
                         "planSeconds": planned, "mandatory": summary["mandatory"], "unknown": summary["unknown"],
                         "checkovSeconds": checkov_seconds(document, tmp / f"checkov{n}", runs)})
            if largest is None or n > largest[0]:
                largest = (n, document)
        if args.replicate_to and largest is not None:
            document = replicate(largest[1], args.replicate_to)
            resources, seconds, summary = time_pack(document, runs)
            rows.append({"plan": f"{largest[0]} controllers replicated", "controllers": None, "resources": resources,
                         "seconds": seconds, "planSeconds": None, "mandatory": summary["mandatory"],
                         "unknown": summary["unknown"],
                         "checkovSeconds": checkov_seconds(document, tmp / "checkov-replicated", runs)})

    if args.json:
        print(json.dumps({"policies": len(POLICIES), "runs": runs, "rows": rows}, indent=1))
    else:
        print(f"{len(POLICIES)} policies, median of {runs} runs")
        print(f"{'plan':<30} {'resources':>9} {'seconds':>8} {'res/s':>8} {'checkov s':>9} {'mandatory':>9} {'plan s':>7}")
        for r in rows:
            checkov = "-" if r["checkovSeconds"] is None else f"{r['checkovSeconds']:.2f}"
            plan_s = "-" if r["planSeconds"] is None else f"{r['planSeconds']:.1f}"
            print(f"{r['plan']:<30} {r['resources']:>9} {r['seconds']:>8.3f} {r['resources'] / r['seconds']:>8.0f} "
                  f"{checkov:>9} {r['mandatory']:>9} {plan_s:>7}")
    goal = next((r for r in rows if r["controllers"] == GOAL_CONTROLLERS), None)
    if goal is not None:
        verdict = "meets" if goal["seconds"] < GOAL_SECONDS else "MISSES"
        print(f"goal: full pack on a {GOAL_CONTROLLERS}-controller plan in < {GOAL_SECONDS:.0f} s: "
              f"{goal['seconds']:.2f} s, {verdict} it", file=sys.stderr if args.json else sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
