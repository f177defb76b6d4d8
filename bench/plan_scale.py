"""How `dpaguard plan` scales with the number of controllers (a benchmark: it prints, never asserts).

Generates ECG stacks with 10, 100 and 1000 physicians (each with a reader and a retention
class), plans each offline in a fresh process (so peak memory is per plan), and prints
resources, seconds (median of --runs), ms per resource and peak RSS. With --aliases it also
plans the smallest size keeping the provider version aliases, to show what dropping them buys.

    .venv/bin/python bench/plan_scale.py [--sizes 10,100,1000] [--runs 3] [--aliases]

Goal (issue 2): 1000 controllers in under 60 s on the 2-core build machine, cost linear.
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def make_project(tmp: Path, controllers: int) -> str:
    """A copy of the project whose only stack has `controllers` ECG physicians."""
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, tmp / name)
    (tmp / "modules").symlink_to(ROOT / "modules")
    (tmp / "stacks").mkdir()
    base = yaml.safe_load((ROOT / "stacks" / "Pulumi.ecg247.yaml").read_text())["config"]
    cfg = copy.deepcopy(base)
    template = base["dpa-guard:controllers"][0]
    ctls, staff = [], []
    for i in range(controllers):
        cid = f"dr-bench-{i:05d}"
        ctls.append(dict(template, id=cid, name=f"Dr. Bench {i}", contact=f"dr{i}@bench.example.no",
                         retentionDays=(365, 730, 1825)[i % 3]))
        staff.append({"objectId": str(uuid.uuid5(uuid.NAMESPACE_URL, cid)), "name": f"Bench {i}", "role": "reader",
                      "controllers": [cid], "confidentialityDeclaration": "2024-01-01"})
    staff += [s for s in base["dpa-guard:staff"] if s["role"] == "operator"]
    staff += [dict(s, controllers=[c["id"] for c in ctls]) for s in base["dpa-guard:staff"] if s["role"] == "uploader"]
    cfg["dpa-guard:controllers"] = ctls
    cfg["dpa-guard:staff"] = staff
    # Enough accounts that each stays under Azure's 100 lifecycle rules.
    cfg["dpa-guard:ecg"] = dict(cfg["dpa-guard:ecg"], accounts=max(1, controllers // 250 + 1))
    stack = f"bench{controllers}"
    (tmp / "stacks" / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": cfg}, sort_keys=False))
    return stack


CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from dpaguard.engine import plan, runner
keep = sys.argv[4] == "keep"
if keep:
    original = runner.run_program
    runner.run_program = lambda *a, **kw: original(*a, keep_aliases=True, **kw)
start = time.perf_counter()
result = plan.build_plan(Path(sys.argv[2]), sys.argv[3])
seconds = time.perf_counter() - start
custom = sum(1 for r in result.document["resources"] if r["custom"])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"resources": custom, "seconds": seconds, "peak_mib": peak}))
"""


def plan_once(project: Path, stack: str, aliases: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(project), stack, aliases],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"planning {stack} failed: {out.stderr.strip().splitlines()[-1:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--aliases", action="store_true", help="also plan the smallest size keeping aliases")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp_dir:
        variants = [(n, "drop") for n in sizes] + ([(sizes[0], "keep")] if args.aliases else [])
        for n, aliases in variants:
            project = Path(tmp_dir) / f"p{n}{aliases}"
            project.mkdir()
            stack = make_project(project, n)
            runs = [plan_once(project, stack, aliases) for _ in range(args.runs)]
            seconds = statistics.median(r["seconds"] for r in runs)
            rows.append((n, aliases, runs[0]["resources"], seconds, max(r["peak_mib"] for r in runs)))
    print(f"{'controllers':>11} {'aliases':>7} {'resources':>9} {'seconds':>8} {'ms/res':>7} {'peak MiB':>8}")
    for n, aliases, res, seconds, peak in rows:
        print(f"{n:>11} {aliases:>7} {res:>9} {seconds:>8.2f} {1000 * seconds / res:>7.2f} {peak:>8.0f}")
    drop = [r for r in rows if r[1] == "drop"]
    if len(drop) >= 2:
        first, last = drop[0], drop[-1]
        print(f"ms/resource ratio {last[0]} vs {first[0]} controllers: "
              f"{(last[3] / last[2]) / (first[3] / first[2]):.2f} (1.00 = linear)")
    keep = [r for r in rows if r[1] == "keep"]
    if keep:
        same = next(r for r in drop if r[0] == keep[0][0])
        print(f"keeping aliases costs {keep[0][3] / same[3]:.1f}x at {same[0]} controllers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
