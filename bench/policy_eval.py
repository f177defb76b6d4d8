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

Side by side (issue 9): on the 1000-controller plan, the WHOLE `dpaguard check plan.json` process
(interpreter start, imports, reading, the pack through pulumi_policy's analyzer servicer, the
report) against checkov's whole process on the plan's ARM rendering (bench/checkov_eval.py
`measure`, start-up included), both timed in this run, medians of --runs, wall and CPU seconds
(CPU of the child processes, from os.wait4). Goal: dpaguard at least 5x faster (CPU).
Beside it, the floor of that path: a whole process doing what `dpaguard check` does with every
validator a no-op (`servicer_floor_seconds`), the least any pack of these policies evaluated
through pulumi_policy's servicer can cost; checkov over the floor is the best ratio attainable.
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
GOAL_RATIO = 5.0


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


def _child_seconds(argv: list[str], cwd: Path) -> tuple[float, float, int]:
    """(wall, CPU, exit code) of one child process, CPU from its own rusage (os.wait4)."""
    import os
    import subprocess

    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, process.returncode


def check_process_seconds(document: dict[str, Any], workdir: Path, runs: int) -> tuple[float, float, float]:
    """Median (wall, CPU) seconds of the whole `python -m dpaguard check plan.json` process, and the
    median CPU seconds of the floor process (`servicer_floor_seconds`) on the same file, the two
    alternated run by run so that a noisy machine weighs on both alike."""
    workdir.mkdir(parents=True, exist_ok=True)
    plan_path = workdir / "plan.json"
    plan_path.write_text(json.dumps(document), encoding="utf-8")
    argv = [sys.executable, "-m", "dpaguard", "check", str(plan_path), "--format", "json",
            "--output", str(workdir / "report.json")]
    samples, floors = [], []
    for _ in range(runs):
        wall, cpu, code = _child_seconds(argv, ROOT)
        if code not in (0, 1):
            raise SystemExit(f"dpaguard check exited {code} on the benchmark plan: {' '.join(argv)}")
        samples.append((wall, cpu))
        floors.append(servicer_floor_seconds(plan_path, 1))
    return (statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples),
            statistics.median(floors))


def silent_pack() -> list[Any]:
    """The pack with every validator replaced by a no-op (pulumi_policy keeps the validator in a
    name-mangled attribute of its policy classes)."""
    from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy

    from policies.pack import POLICIES

    def no_op(args: Any, report_violation: Any) -> None:
        return None

    silent = []
    for policy in POLICIES:
        clone = copy.copy(policy)
        if isinstance(policy, ResourceValidationPolicy):
            clone._ResourceValidationPolicy__validate = no_op
        elif isinstance(policy, StackValidationPolicy):
            clone._StackValidationPolicy__validate = no_op
        silent.append(clone)
    return silent


def floor_process(plan_path: str) -> None:
    """The body of the floor process: what `dpaguard check plan.json` does (imports, reading and
    validating the plan, the servicer), with no-op validators and no report."""
    from dpaguard.checking.evaluate import evaluate
    from dpaguard.checking.inputs import load_input

    checked = load_input(plan_path)
    evaluate(silent_pack(), checked.resources, register=checked.register, stack_urn=checked.stack_urn)


def servicer_floor_seconds(plan_path: Path, runs: int) -> float:
    """Median CPU seconds of a whole process doing what `dpaguard check` does, every validator a
    no-op (`floor_process`): pulumi_policy's servicer's own cost on the plan (Configure, Analyze per
    resource and policy, AnalyzeStack rebuilding the resource graph for every stack policy), with
    start-up, reading and requests. No policy code can make `dpaguard check` cheaper than this.
    A child process, measured like `dpaguard check`, so the bench's own heap does not count."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--floor-process", str(plan_path)]
    samples = []
    for _ in range(runs):
        _wall, cpu, code = _child_seconds(argv, ROOT)
        if code != 0:
            raise SystemExit(f"the floor process exited {code}: {' '.join(argv)}")
        samples.append(cpu)
    return statistics.median(samples)


def side_by_side(document: dict[str, Any], workdir: Path, runs: int) -> dict[str, float]:
    """dpaguard check vs checkov, whole processes, same plan, this run; and the floor of the
    servicer path (the check process with no-op validators) against checkov."""
    from checkov_eval import measure

    check_wall, check_cpu, floor = check_process_seconds(document, workdir / "dpaguard", runs)
    checkov = measure(document, workdir / "checkov", runs)
    return {"checkWall": check_wall, "checkCpu": check_cpu, "checkovWall": checkov["total"],
            "checkovCpu": checkov["totalCpu"], "ratioWall": checkov["total"] / check_wall,
            "ratioCpu": checkov["totalCpu"] / check_cpu, "floorCpu": floor,
            "floorRatioCpu": checkov["totalCpu"] / floor}


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
    if sys.argv[1:2] == ["--floor-process"] and len(sys.argv) == 3:
        floor_process(sys.argv[2])
        return 0
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
    processes: dict[str, float] | None = None
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
            if n == GOAL_CONTROLLERS:
                processes = side_by_side(document, tmp / "processes", runs)
        if args.replicate_to and largest is not None:
            document = replicate(largest[1], args.replicate_to)
            resources, seconds, summary = time_pack(document, runs)
            rows.append({"plan": f"{largest[0]} controllers replicated", "controllers": None, "resources": resources,
                         "seconds": seconds, "planSeconds": None, "mandatory": summary["mandatory"],
                         "unknown": summary["unknown"],
                         "checkovSeconds": checkov_seconds(document, tmp / "checkov-replicated", runs)})

    if args.json:
        print(json.dumps({"policies": len(POLICIES), "runs": runs, "rows": rows, "processes": processes}, indent=1))
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
    if processes is not None:
        verdict = "meets" if processes["ratioCpu"] >= GOAL_RATIO else "MISSES"
        print(f"whole processes on the {GOAL_CONTROLLERS}-controller plan, median of {runs}: dpaguard check "
              f"{processes['checkWall']:.2f} s wall ({processes['checkCpu']:.2f} s CPU), checkov on its ARM rendering "
              f"{processes['checkovWall']:.2f} s wall ({processes['checkovCpu']:.2f} s CPU): "
              f"{processes['ratioWall']:.1f}x wall, {processes['ratioCpu']:.1f}x CPU; goal >= {GOAL_RATIO:.0f}x "
              f"(CPU): {verdict} it", file=sys.stderr if args.json else sys.stdout)
        print(f"floor of the servicer path (a whole `dpaguard check` process with every validator a no-op): "
              f"{processes['floorCpu']:.2f} s CPU, so at most {processes['floorRatioCpu']:.1f}x CPU with free "
              "policies", file=sys.stderr if args.json else sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
