"""How long `dpaguard evidence` takes to build the package for a big stack (a benchmark: it prints, never asserts).

The stack is an ECG stack with --controllers physicians, generated as bench/plan_scale.py does
(`make_project`) and planned once with `build_plan` (planning is measured by plan_scale.py, not
here). Then, --runs times each, medians printed:

  collect   reading the plan, CrossGuard on it, the access review, the topology, the clauses and
            the audit log (everything but checkov)
  render    evidence.html + assessment-results.json + access-review.json, written
  checkov   one checkov run over the plan's ARM template (once, unless --no-checkov): the part
            `--checkov-report` lets a pipeline share with `dpaguard scan`

    .venv/bin/python bench/evidence.py [--controllers 1000] [--runs 3] [--no-checkov]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--controllers", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-checkov", action="store_true")
    args = parser.parse_args()

    from plan_scale import make_project

    from dpaguard.checking.inputs import read_json
    from dpaguard.engine.plan import build_plan, write_json_atomic
    from dpaguard.evidence import engines
    from dpaguard.evidence.build import Options, collect
    from dpaguard.evidence.package import write

    with tempfile.TemporaryDirectory(prefix="dpaguard-bench-evidence-") as tmp_name:
        tmp = Path(tmp_name)
        project = tmp / "project"
        project.mkdir()
        stack = make_project(project, args.controllers)
        started = time.perf_counter()
        document = build_plan(project, stack).document
        plan_seconds = time.perf_counter() - started
        plan = tmp / "plan.json"
        write_json_atomic(plan, document)
        resources = sum(1 for r in document["resources"] if r["custom"])
        print(f"{args.controllers} controllers: {resources} resources, planned in {plan_seconds:.1f} s "
              f"(not part of the figures below)")

        opts = Options(root=project, stack=stack, plan=plan, skip_checkov=True,
                       agreements=str(ROOT.parent / "shared" / "agreements"), today=dt.date(2026, 12, 1),
                       generated="2026-12-01T12:00:00Z", commit="bench")
        collects, renders = [], []
        size = 0
        for i in range(args.runs):
            started = time.perf_counter()
            evidence = collect(opts)
            collects.append(time.perf_counter() - started)
            started = time.perf_counter()
            written = write(evidence, tmp / f"out{i}")
            renders.append(time.perf_counter() - started)
            size = written.html.stat().st_size
        checkov = None
        if not args.no_checkov:
            checked = engines.read_plan(read_json(plan, "plan"), plan.name, document["register"])
            started = time.perf_counter()
            run = engines.run_checkov(ROOT, checked)
            checkov = time.perf_counter() - started
            print(f"checkov: {len(run.results)} results")
        c, r = statistics.median(collects), statistics.median(renders)
        print(f"collect (CrossGuard, access review, topology, clauses, audit): median {c:.2f} s of {args.runs}")
        print(f"render + write (html {size / 1e6:.1f} MB, OSCAL, review JSON): median {r:.2f} s of {args.runs}")
        total = c + r + (checkov or 0.0)
        if checkov is not None:
            print(f"checkov run (once): {checkov:.1f} s")
        print(f"package for {args.controllers} controllers: {total:.1f} s"
              + ("" if checkov is not None else " (without checkov)"))


if __name__ == "__main__":
    main()
