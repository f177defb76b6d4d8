"""The policy step of `dpaguard plan`: evaluate the fresh plan, write what the real CLI and CI need."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def check_after_plan(document: dict[str, Any], out_dir: Path, *, quiet: bool, root: Path | None = None) -> int:
    """Evaluate `document` (a validated plan) against the pack; write DIR/policy-config.json and DIR/check.sarif.

    policy-config.json is the `--policy-pack-config` for `pulumi preview --policy-pack policies`;
    check.sarif is the full report (notes included). Prints mandatory violations always,
    advisory ones unless `quiet`, the count of can't-decide notes, and a summary line.
    Returns 1 if a mandatory policy failed, else 0.
    """
    from dpaguard.checking.pack import ensure_importable

    ensure_importable(root)
    from dpaguard.checking.evaluate import evaluate
    from dpaguard.checking.inputs import from_plan
    from dpaguard.checking.report import ReportContext, finding_line, ordered, render_sarif, summary_line
    from dpaguard.engine.plan import write_json_atomic
    from dpaguard.files import write_report
    from policies.pack import POLICIES, policy_config

    checked = from_plan(document, name="plan", validate=False)
    evaluation = evaluate(POLICIES, checked.resources, register=checked.register, stack_urn=checked.stack_urn)

    config_path = out_dir / "policy-config.json"
    sarif_path = out_dir / "check.sarif"
    write_json_atomic(config_path, policy_config(document["register"]))
    ctx = ReportContext(source=f"plan of stack {checked.stack}", stack=checked.stack,
                        artifact_uri=checked.stack_file or "Pulumi.yaml", stack_text=_stack_text(document, root))
    write_report(sarif_path, render_sarif(evaluation, POLICIES, ctx))

    for finding in ordered(evaluation.findings):
        if finding.kind != "violation" or (quiet and finding.enforcement != "mandatory"):
            continue
        print(finding_line(finding))
    if evaluation.unknowns:
        print(f"{len(evaluation.unknowns)} can't-decide note(s) (values unknown during preview): "
              f"see {_shown(sarif_path)} or `dpaguard check {_shown(out_dir / 'plan.json')}`")
    print(summary_line(evaluation, ctx))
    print(f"wrote {_shown(config_path)} (pulumi preview --policy-pack policies "
          f"--policy-pack-config {_shown(config_path)})")
    print(f"wrote {_shown(sarif_path)}")
    return 1 if evaluation.mandatory else 0


def _stack_text(document: dict[str, Any], root: Path | None) -> str | None:
    """The stack file's text (to point SARIF results at a controller's line), if it can be read."""
    stack_file = document.get("stackFile")
    if not stack_file:
        return None
    from dpaguard.errors import DpaGuardError
    from dpaguard.project import find_root

    try:
        return ((root or find_root(None)) / str(stack_file)).read_text(encoding="utf-8")
    except (DpaGuardError, OSError, UnicodeDecodeError):
        return None


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
