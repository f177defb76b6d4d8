"""Run the pinned checkov as a subprocess, offline and quietly, and read its JSON report.

checkov lives in its own environment (`.tools/checkov`, built by `./dev setup` from
tools/checkov/requirements.txt): checkov 3.3.x pins `packaging` below what pulumi needs, so
it is never imported here, only run.

Offline, verified in the checkov 3.3.30 source (docs/checkov.md has the references):
- `--skip-download` stops the guideline/metadata download from the vendor API (otherwise
  tried on every run, printing a long traceback when offline); `BC_SKIP_MAPPING=TRUE` is
  the same switch as an environment variable (checkov/main.py) and is set too.
- `CKV_SKIP_PACKAGE_UPDATE_CHECK=true` stops the PyPI version query made when checkov's
  banner module is imported, i.e. on every invocation (common/util/banner.py).
- The environment is built from scratch: checkov reads BC_API_KEY, PRISMA_API_URL and
  CKV_* settings (frameworks, checks, skips) from it, and `.checkov.yaml` from the working
  directory and HOME, so both point at a fresh temporary directory.
No variable `CKV_NO_GUIDE` exists in this version.

Output: `-o json --compact --soft-fail`; stdout is parsed, stderr (graph warnings about
`dependsOn` expressions, parameters without defaults) is kept for error messages only.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dpaguard.errors import InputError

CHECKOV = Path(".tools") / "checkov" / "bin" / "checkov"
PINNED = "3.3.30"

OFFLINE_ENV = {
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
    "BC_SKIP_MAPPING": "TRUE",
    "ANSI_COLORS_DISABLED": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
}
OFFLINE_FLAGS = ("--skip-download", "-o", "json", "--compact", "--soft-fail")
# A run far past anything the shipped stacks need (seconds) still ends.
TIMEOUT_SECONDS = 1800


class CheckovError(InputError):
    """checkov is missing or failed to produce a report (exit 2)."""


@dataclass
class Report:
    """One framework's part of checkov's JSON output."""

    check_type: str
    passed: list[dict[str, Any]]
    failed: list[dict[str, Any]]
    skipped: list[dict[str, Any]]
    parsing_errors: list[str]
    resource_count: int

    @property
    def records(self) -> list[dict[str, Any]]:
        return self.failed + self.passed + self.skipped


@dataclass
class Run:
    reports: list[Report]
    seconds: float
    """Wall-clock time of the checkov process."""
    command: list[str]
    stderr: str = ""
    cpu_seconds: float = 0.0
    """User + system CPU time of checkov and its children (steadier than wall time on a busy machine)."""
    version: str = PINNED
    extra: dict[str, Any] = field(default_factory=dict)

    def report(self, check_type: str) -> Report:
        for r in self.reports:
            if r.check_type == check_type:
                return r
        return Report(check_type, [], [], [], [], 0)

    @property
    def parsing_errors(self) -> list[str]:
        return [e for r in self.reports for e in r.parsing_errors]


CHECKOUT = Path(__file__).resolve().parents[2]
"""The checkout dpaguard runs from, whose ./dev set up .tools/checkov."""


def locate(root: Path) -> Path:
    """checkov of the project at `root`, else of dpaguard's own checkout (scanning another directory)."""
    for base in dict.fromkeys((root, CHECKOUT)):
        path = base / CHECKOV
        if path.is_file() and os.access(path, os.X_OK):
            return path
    raise CheckovError(f"checkov not found at {root / CHECKOV}; run ./dev setup")


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "SYSTEMROOT")}
    env.update(OFFLINE_ENV)
    env["HOME"] = str(home)
    env["TMPDIR"] = str(home)
    return env


def run(root: Path, args: Sequence[str], *, workdir: Path | None = None) -> Run:
    """checkov ARGS (plus the offline flags) in `workdir` (a fresh temporary directory by default)."""
    binary = locate(root)
    with tempfile.TemporaryDirectory(prefix="dpaguard-checkov-") as tmp:
        cwd = workdir or Path(tmp)
        command = [str(binary), *args, *OFFLINE_FLAGS]
        started = time.perf_counter()
        cpu_before = _children_cpu()
        try:
            done = subprocess.run(command, cwd=cwd, env=environment(Path(tmp)), capture_output=True, text=True,
                                  timeout=TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            raise CheckovError(f"checkov did not finish within {TIMEOUT_SECONDS} s") from None
        except OSError as exc:
            raise CheckovError(f"cannot run checkov at {binary}: {exc.strerror or exc}") from None
        seconds = time.perf_counter() - started
        cpu = _children_cpu() - cpu_before
    reports = parse(done.stdout, done.returncode, done.stderr)
    return Run(reports=reports, seconds=seconds, command=command, stderr=done.stderr, cpu_seconds=cpu)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def parse(stdout: str, returncode: int = 0, stderr: str = "") -> list[Report]:
    """checkov's `-o json` document: one object per framework, or a list of them."""
    try:
        document = json.loads(stdout) if stdout.strip() else None
    except json.JSONDecodeError:
        document = None
    if document is None or returncode not in (0, 1):
        raise CheckovError(f"checkov failed (exit {returncode}): {_last_line(stderr) or 'no JSON report on stdout'}")
    documents = document if isinstance(document, list) else [document]
    reports = []
    for doc in documents:
        if not isinstance(doc, dict):
            continue
        if "results" not in doc:
            # checkov's shape when a framework found nothing to scan: a bare summary
            reports.append(Report(str(doc.get("check_type", "")), [], [], [], [], int(doc.get("resource_count", 0) or 0)))
            continue
        results = doc.get("results") or {}
        summary = doc.get("summary") or {}
        reports.append(Report(
            check_type=str(doc.get("check_type", "")),
            passed=list(results.get("passed_checks") or []),
            failed=list(results.get("failed_checks") or []),
            skipped=list(results.get("skipped_checks") or []),
            parsing_errors=list(results.get("parsing_errors") or []),
            resource_count=int(summary.get("resource_count", 0) or 0),
        ))
    return reports


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def arm_scan(root: Path, directory: Path, *, external_checks: Path, skip: Sequence[str]) -> Run:
    """The ARM framework over every template in `directory`: built-in checks (minus `skip`) and ours."""
    args = ["--framework", "arm", "-d", str(directory), "--external-checks-dir", str(external_checks)]
    if skip:
        args += ["--skip-check", ",".join(skip)]
    return run(root, args)


def file_scan(root: Path, files: Sequence[Path], frameworks: Sequence[str]) -> Run:
    args = ["--framework", *frameworks]
    for f in files:
        args += ["-f", str(f)]
    return run(root, args)


def version(root: Path) -> str:
    binary = locate(root)
    with tempfile.TemporaryDirectory(prefix="dpaguard-checkov-") as tmp:
        done = subprocess.run([str(binary), "--version"], cwd=tmp, env=environment(Path(tmp)), capture_output=True,
                              text=True, timeout=300, check=False)
    return done.stdout.strip() or "?"
