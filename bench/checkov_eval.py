"""How long checkov takes on the plans bench/policy_eval.py times the CrossGuard pack on (prints, never asserts).

Same plans (bench/policy_eval.py builds them: real ECG plans of 10/100/1000 physicians, and
the largest replicated to ~10 000 resources), rendered with `dpaguard arm` and scanned the way
`dpaguard scan` does (built-in ARM checks minus skips.yaml, plus policies/checkov). Start-up is
checkov on an empty directory with the same flags (imports, check registries, argument
parsing); scan is the rest. Rendering is timed apart. Medians of --runs.

    .venv/bin/python bench/checkov_eval.py [--controllers 10,100,1000] [--replicate-to 10000] [--runs 3]

`measure` is also bench/policy_eval.py's `checkov_seconds` hook (its "checkov s" column).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _checkov_once(directory: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one `dpaguard scan`-style checkov run over `directory`."""
    from dpaguard.arm import checkov
    from dpaguard.arm.checks import catalogue

    checks = catalogue(ROOT)
    run = checkov.arm_scan(ROOT, directory, external_checks=checks.directory, skip=sorted(checks.skips))
    if run.parsing_errors:
        raise SystemExit(f"checkov could not parse {run.parsing_errors}")
    return run.seconds, run.cpu_seconds


def _medians(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


@cache
def startup_seconds(runs: int) -> tuple[float, float]:
    """checkov with the scan's flags on an empty directory: the fixed cost of every invocation (wall, CPU)."""
    with tempfile.TemporaryDirectory(prefix="dpaguard-bench-empty-") as tmp:
        return _medians([_checkov_once(Path(tmp)) for _ in range(runs)])


def render_plan(document: dict[str, Any]):
    from dpaguard.checking.pack import ensure_importable

    ensure_importable(ROOT)
    from dpaguard.arm.render import render
    from dpaguard.checking.inputs import from_plan

    checked = from_plan(document, name="bench", validate=False)
    return render(checked.resources, source="bench")


def measure(document: dict[str, Any], workdir: Path, runs: int) -> dict[str, float]:
    """Render `document`, scan it `runs` times: seconds (medians) for rendering, start-up, scan and total."""
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    template = render_plan(document)
    text = template.text()
    rendered = time.perf_counter() - started
    (workdir / "template.json").write_text(text, encoding="utf-8")
    total, total_cpu = _medians([_checkov_once(workdir) for _ in range(runs)])
    startup, startup_cpu = startup_seconds(runs)
    return {"armResources": len(template.resources), "render": rendered, "startup": startup,
            "scan": max(total - startup, 0.0), "total": total, "startupCpu": startup_cpu,
            "scanCpu": max(total_cpu - startup_cpu, 0.0), "totalCpu": total_cpu, "lines": text.count("\n")}


def main() -> int:
    import policy_eval

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--controllers", default="10,100,1000", help="comma-separated physician counts")
    parser.add_argument("--replicate-to", type=int, default=10000, help="resources of the replicated plan (0: none)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    runs = max(1, args.runs)
    sizes = [int(s) for s in args.controllers.split(",") if s.strip()]

    rows = []
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        plans: list[tuple[str, dict[str, Any]]] = []
        for n in sizes:
            plans.append((f"{n} controllers", policy_eval.plan_controllers(tmp, n)))
        if args.replicate_to and plans:
            largest = max(sizes)
            plans.append((f"{largest} controllers replicated",
                          policy_eval.replicate(plans[sizes.index(largest)][1], args.replicate_to)))
        for label, document in plans:
            resources, crossguard, _ = policy_eval.time_pack(document, max(3, runs))
            m = measure(document, tmp / label.replace(" ", "-"), runs)
            rows.append({"plan": label, "resources": resources, "crossguardSeconds": crossguard, **m,
                         "ratioTotal": m["total"] / crossguard, "ratioScan": m["scan"] / crossguard,
                         "ratioScanCpu": m["scanCpu"] / crossguard})
    if args.json:
        print(json.dumps({"runs": runs, "rows": rows}, indent=1))
        return 0
    print(f"checkov 3.3.30 vs the CrossGuard pack, median of {runs} run(s); checkov start-up measured on an empty "
          "directory with the same flags; wall seconds (CPU seconds of checkov in parentheses)")
    print(f"{'plan':<28} {'resources':>9} {'ARM res':>7} {'CG s':>7} {'render s':>8} {'ckv start':>13} "
          f"{'ckv scan':>13} {'ckv total':>13} {'total/CG':>8} {'scan/CG':>7}")
    for r in rows:
        print(f"{r['plan']:<28} {r['resources']:>9} {r['armResources']:>7} {r['crossguardSeconds']:>7.3f} "
              f"{r['render']:>8.3f} {r['startup']:>6.2f} ({r['startupCpu']:>4.1f}) {r['scan']:>6.2f} "
              f"({r['scanCpu']:>4.1f}) {r['total']:>6.2f} ({r['totalCpu']:>4.1f}) "
              f"{r['ratioTotal']:>7.0f}x {r['ratioScan']:>6.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
