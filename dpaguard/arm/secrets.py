"""`dpaguard scan --secrets`: no plaintext secret in the stack files, Pulumi.yaml or CI, and sound workflows.

checkov's `secrets` framework (detect-secrets with checkov's detectors: cloud keys, Azure
storage keys and connection strings, private keys, tokens; no verification call, since
`--skip-download` turns it off) runs over the files listed by `targets`; its
`github_actions` framework runs over `.github/workflows/*.yml` once there are workflows.
Any failed check fails the scan. A finding names file, line and detector, never the value.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from dpaguard import __version__
from dpaguard.arm import checkov

PASSED, FAILED = "passed", "failed"


def targets(root: Path) -> list[Path]:
    """What may hold a secret by mistake: stack config, the project file, CI scripts and workflows."""
    files: list[Path] = []
    stacks = root / "stacks"
    if stacks.is_dir():
        files += sorted(p for p in stacks.rglob("*") if p.is_file())
    if (root / "Pulumi.yaml").is_file():
        files.append(root / "Pulumi.yaml")
    ci = root / ".ci"
    if ci.is_dir():
        files += sorted(p for p in ci.rglob("*") if p.is_file())
    files += workflows(root)
    return files


def workflows(root: Path) -> list[Path]:
    directory = root / ".github" / "workflows"
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in (".yml", ".yaml"))


@dataclass(frozen=True)
class Finding:
    framework: str
    check_id: str
    name: str
    result: str
    file: str
    """Relative to the project root."""
    lines: tuple[int, int]

    def to_json(self) -> dict[str, Any]:
        return {"framework": self.framework, "check": self.check_id, "name": self.name, "result": self.result,
                "file": self.file, "lines": list(self.lines)}


@dataclass
class SecretsScan:
    root: Path
    files: list[str]
    frameworks: list[str]
    findings: list[Finding]
    seconds: float

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if f.result == FAILED]

    def summary(self) -> dict[str, Any]:
        return {"files": len(self.files), "frameworks": self.frameworks, "failed": len(self.failed),
                "passed": sum(1 for f in self.findings if f.result == PASSED),
                "checkovVersion": checkov.PINNED, "checkovSeconds": round(self.seconds, 2),
                "verdict": "failed" if self.failed else "passed"}


def _relative(root: Path, record: dict[str, Any]) -> str:
    raw = str(record.get("file_abs_path") or record.get("file_path") or "")
    path = Path(raw)
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return raw.lstrip("/")


def scan(root: Path, files: list[Path] | None = None) -> SecretsScan:
    files = targets(root) if files is None else files
    frameworks = ["secrets"]
    if any(".github/workflows/" in p.as_posix() for p in files):
        frameworks.append("github_actions")
    run = checkov.file_scan(root, [p.resolve() for p in files], frameworks)
    found: list[Finding] = []
    for report in run.reports:
        for records, result in ((report.failed, FAILED), (report.passed, PASSED)):
            for r in records:
                lines = r.get("file_line_range") or [0, 0]
                found.append(Finding(report.check_type, str(r.get("check_id")), str(r.get("check_name", "")), result,
                                     _relative(root, r), (int(lines[0]), int(lines[-1]))))
    found.sort(key=lambda f: (f.result != FAILED, f.file, f.lines, f.check_id))
    shown = [p.resolve().relative_to(root.resolve()).as_posix() if p.resolve().is_relative_to(root.resolve())
             else str(p) for p in files]
    return SecretsScan(root, shown, frameworks, found, run.seconds)


# ------------------------------------------------------------------------------- formats


def render_text(s: SecretsScan) -> str:
    lines = [f"dpaguard scan --secrets: {len(s.files)} files ({', '.join(s.frameworks)}), "
             f"checkov {checkov.PINNED} in {s.seconds:.1f} s"]
    for f in s.failed:
        lines.append(f"FAILED   {f.check_id:<14} {f.file}:{f.lines[0]}  {f.name}")
    summary = s.summary()
    lines.append(f"dpa-guard scan --secrets: {summary['verdict'].upper() if s.failed else summary['verdict']}: "
                 f"{summary['failed']} failed, {summary['passed']} passed over {', '.join(s.files)}")
    return "\n".join(lines) + "\n"


def render_json(s: SecretsScan) -> str:
    return json.dumps({"summary": s.summary(), "files": s.files, "results": [f.to_json() for f in s.findings]},
                      indent=1, ensure_ascii=False) + "\n"


def render_sarif(s: SecretsScan) -> str:
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for f in s.failed:
        rules.setdefault(f.check_id, {
            "id": f.check_id, "name": f.check_id, "shortDescription": {"text": f.name},
            "defaultConfiguration": {"level": "error"},
            "properties": {"tags": ["security", f"framework:{f.framework}"], "security-severity": "8.0"},
        })
        results.append({
            "ruleId": f.check_id,
            "level": "error",
            "message": {"text": f"{f.name} ({f.file}:{f.lines[0]})"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": f.file},
                                                "region": {"startLine": max(f.lines[0], 1)}}}],
            "partialFingerprints": {"dpaGuardSecrets/v1": hashlib.sha256(
                f"{f.check_id}\n{f.file}\n{f.lines[0]}".encode()).hexdigest()},
        })
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": f"checkov {checkov.PINNED} (via dpa-guard)", "version": __version__,
                                "rules": list(rules.values())}},
            "automationDetails": {"id": "dpa-guard-secrets/"},
            "invocations": [{"executionSuccessful": True}],
            "results": results,
            "properties": {"summary": s.summary(), "files": s.files},
        }],
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def render_junit(s: SecretsScan) -> str:
    suite = ET.Element("testsuite", name="dpa-guard scan --secrets")
    failures = 0
    for f in s.findings:
        case = ET.SubElement(suite, "testcase", classname=f.check_id, name=f"{f.file}:{f.lines[0]}")
        if f.result == FAILED:
            failures += 1
            ET.SubElement(case, "failure", message=f.name, type=f.framework).text = f"{f.file}:{f.lines[0]} {f.name}"
    suite.set("tests", str(len(s.findings)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", "0")
    root = ET.Element("testsuites", name="dpa-guard scan --secrets", tests=str(len(s.findings)),
                      failures=str(failures), errors="0", skipped="0")
    root.append(suite)
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def render(fmt: str, s: SecretsScan) -> str:
    return {"text": render_text, "json": render_json, "sarif": render_sarif, "junit": render_junit}[fmt](s)
