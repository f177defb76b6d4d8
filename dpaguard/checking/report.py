"""Report formats of `dpaguard check`: text, json, sarif (GitHub code scanning), junit.

All four are built from one `Evaluation`; docs/policies.md describes each. Violations
(mandatory or advisory) and "can't decide during preview" notes are kept apart everywhere:
the JSON `violations` list holds only violations, notes go to `notes`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

from dpaguard import __version__
from dpaguard.checking.evaluate import Evaluation, Finding
from policies.clauses import CLAUSES
from policies.lib import clauses_of

FORMATS = ("text", "json", "sarif", "junit")
TOOL_NAME = "dpa-guard"
INFORMATION_URI = "https://github.com/dpa-guard/dpa-guard"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

# GitHub code scanning reads `security-severity` (0.0-10.0) on rules tagged "security":
# over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
DEFAULT_SECURITY_SEVERITY = "5.0"

_ORDER = {("violation", "mandatory"): 0, ("violation", "advisory"): 1, ("unknown", "advisory"): 2}


@dataclass(frozen=True)
class ReportContext:
    """What a report says about the input besides the findings."""

    source: str
    stack: str | None = None
    artifact_uri: str = "Pulumi.yaml"
    """The file results point at (the stack file, relative to the project root)."""
    stack_text: str | None = None
    """The stack file's text, to point a result at the line of its controller; None: line 1."""


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: _ORDER.get((f.kind, f.enforcement), 3))


def label(finding: Finding) -> str:
    if finding.kind == "unknown":
        return "UNKNOWN"
    return finding.enforcement.upper()


def resource_name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1] if "::" in urn else urn


def _finding_json(f: Finding) -> dict[str, Any]:
    return {
        "policy": f.policy,
        "clauses": list(f.clauses),
        "enforcement": f.enforcement,
        "severity": f.severity,
        "urn": f.urn,
        "type": f.type,
        "message": f.message,
    }


def summary(evaluation: Evaluation, ctx: ReportContext) -> dict[str, Any]:
    return {**evaluation.summary(), "source": ctx.source, "stack": ctx.stack}


def summary_line(evaluation: Evaluation, ctx: ReportContext) -> str:
    s = evaluation.summary()
    verdict = "FAILED" if s["mandatory"] else "passed"
    who = f"{ctx.stack}: " if ctx.stack else ""
    return (f"dpa-guard {who}{verdict}: {s['mandatory']} mandatory violation(s), {s['advisory']} advisory, "
            f"{s['unknown']} can't-decide note(s); {s['resources']} resources, {s['policies']} policies "
            f"[{ctx.source}]")


# ------------------------------------------------------------------------- text


def finding_line(f: Finding) -> str:
    prefix = f"[{', '.join(f.clauses)}]"
    # The pack's messages start with the same prefix (policies/lib.py builds it from the metadata,
    # as the CLI shows it); the line already has it in front.
    message = f.message[len(prefix):].lstrip() if f.message.startswith(prefix + " ") else f.message
    return f"{label(f):<9} {prefix} {f.policy}  {resource_name(f.urn)}: {message}"


def render_text(evaluation: Evaluation, ctx: ReportContext, *, notes: bool = True) -> str:
    lines = [finding_line(f) for f in ordered(evaluation.findings) if notes or f.kind != "unknown"]
    lines.append(summary_line(evaluation, ctx))
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------- json


def render_json(evaluation: Evaluation, ctx: ReportContext) -> str:
    found = ordered(evaluation.findings)
    document = {
        "violations": [_finding_json(f) for f in found if f.kind == "violation"],
        "notes": [_finding_json(f) for f in found if f.kind != "violation"],
        "summary": summary(evaluation, ctx),
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------------- sarif


class StackFileLines:
    """Line numbers in a stack file where a controller or a principal is declared."""

    _ID = re.compile(r"^\s*-?\s*(?:id|objectId)\s*:\s*['\"]?([A-Za-z0-9][A-Za-z0-9._-]*)['\"]?\s*(?:#.*)?$")
    _KEY = re.compile(r"^\s{0,4}([A-Za-z0-9_-]+:[A-Za-z0-9_]+)\s*:")

    def __init__(self, text: str | None):
        self.ids: dict[str, int] = {}
        self.keys: dict[str, int] = {}
        for number, line in enumerate((text or "").splitlines(), start=1):
            m = self._ID.match(line)
            if m:
                self.ids.setdefault(m.group(1), number)
                continue
            k = self._KEY.match(line)
            if k:
                self.keys.setdefault(k.group(1).split(":", 1)[1], number)
        self._longest_first = sorted(self.ids, key=len, reverse=True)

    # Which top-level config key a resource type comes from, when no controller names it.
    _TYPE_KEYS = (
        ("azuread:", "access"),
        ("network:VirtualNetworkGateway", "vpn"),
        ("network:PublicIPAddress", "vpn"),
        ("azure-native:network:", "network"),
        ("operationalinsights", "audit"),
        ("insights:", "audit"),
        ("monitor:", "audit"),
        ("authorization:", "staff"),
        ("storage:", "controllers"),
    )

    def line_of(self, finding: Finding) -> int:
        haystack = f"{resource_name(finding.urn)} {finding.message}"
        for ident in self._longest_first:
            if ident in haystack:
                return self.ids[ident]
        for fragment, key in self._TYPE_KEYS:
            if fragment in finding.type and key in self.keys:
                return self.keys[key]
        return 1


def _security_severity(policy: Any) -> str:
    severity = getattr(policy.severity, "value", None)
    return SECURITY_SEVERITY.get(severity or "", DEFAULT_SECURITY_SEVERITY)


def _level_of(policy: Any) -> str:
    value = getattr(policy.enforcement_level, "value", "mandatory")
    return "warning" if value == "advisory" else "error"


def _rule(policy: Any) -> dict[str, Any]:
    clauses = clauses_of(policy)
    cited = "; ".join(f"{c}: {CLAUSES.get(c, '')}" for c in clauses)
    remediation = policy.remediation_steps or "(no remediation given)"
    rule: dict[str, Any] = {
        "id": policy.name,
        "name": policy.name,
        "shortDescription": {"text": policy.description},
        "fullDescription": {"text": f"{policy.description} Clauses: {cited}."},
        "help": {
            "text": f"Remediation: {remediation} Clauses: {', '.join(clauses)}.",
            "markdown": f"**Remediation**: {remediation}\n\n**Clauses**: "
            + ", ".join(f"`{c}` ({CLAUSES.get(c, '')})" for c in clauses),
        },
        "defaultConfiguration": {"level": _level_of(policy)},
        "properties": {
            "tags": ["security", *(policy.tags or [])],
            "security-severity": _security_severity(policy),
            "precision": "very-high",
        },
    }
    if policy.url:
        rule["helpUri"] = policy.url
    return rule


def _sarif_level(f: Finding) -> str:
    if f.kind == "unknown":
        return "note"
    return "error" if f.enforcement == "mandatory" else "warning"


def render_sarif(evaluation: Evaluation, policies: Sequence[Any], ctx: ReportContext) -> str:
    rules = [_rule(p) for p in policies]
    index = {p.name: i for i, p in enumerate(policies)}
    lines = StackFileLines(ctx.stack_text)
    results = []
    for f in ordered(evaluation.findings):
        result: dict[str, Any] = {
            "ruleId": f.policy,
            "level": _sarif_level(f),
            "message": {"text": f.message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": ctx.artifact_uri},
                    "region": {"startLine": lines.line_of(f)},
                },
                "logicalLocations": [{"name": resource_name(f.urn), "fullyQualifiedName": f.urn, "kind": "resource"}],
            }],
            # Every finding points into the same stack file; without its own fingerprint,
            # code scanning would fold findings on different resources into one alert.
            "partialFingerprints": {
                "dpaGuardFinding/v1": hashlib.sha256(f"{f.policy}\n{f.urn}\n{f.kind}\n{f.message}".encode()).hexdigest()
            },
            "properties": {
                "clauses": list(f.clauses),
                "enforcement": f.enforcement,
                "severity": f.severity,
                "kind": f.kind,
                "resourceType": f.type,
            },
        }
        if f.policy in index:
            result["ruleIndex"] = index[f.policy]
        results.append(result)
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": TOOL_NAME,
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "automationDetails": {"id": f"dpa-guard/{ctx.stack or 'stack'}/"},
            "invocations": [{"executionSuccessful": True}],
            "results": results,
            "properties": {"summary": summary(evaluation, ctx)},
        }],
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------------- junit


def render_junit(evaluation: Evaluation, ctx: ReportContext) -> str:
    """One testcase per (policy, resource) evaluated; a stack policy's findings on a resource add one."""
    by_pair: dict[tuple[str, str], list[Finding]] = {}
    for f in evaluation.findings:
        by_pair.setdefault((f.policy, f.urn), []).append(f)
    skipped = {(p, u): reason for p, u, reason in evaluation.not_applicable}
    pairs = list(dict.fromkeys([*evaluation.evaluated, *by_pair]))

    suite = ET.Element("testsuite", name=_xml_safe(f"{TOOL_NAME}: {ctx.stack or 'stack'}"))
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="source", value=_xml_safe(ctx.source))
    failures = skips = 0
    for policy, urn in pairs:
        case = ET.SubElement(suite, "testcase", classname=_xml_safe(policy), name=_xml_safe(urn or "(stack)"))
        found = by_pair.get((policy, urn), [])
        mandatory = [f for f in found if f.kind == "violation" and f.enforcement == "mandatory"]
        others = [f for f in found if f not in mandatory]
        if mandatory:
            failures += 1
            failure = ET.SubElement(case, "failure", message=_xml_safe(mandatory[0].message), type="mandatory")
            failure.text = _xml_safe("\n".join(finding_line(f) for f in mandatory))
        elif (policy, urn) in skipped and not found:
            skips += 1
            ET.SubElement(case, "skipped", message=_xml_safe(skipped[(policy, urn)] or "not applicable"))
        if others:
            case_props = ET.SubElement(case, "properties")
            for f in others:
                ET.SubElement(case_props, "property", name=label(f).lower(), value=_xml_safe(f.message))
            out = ET.SubElement(case, "system-out")
            out.text = _xml_safe("\n".join(finding_line(f) for f in others))
    suite.set("tests", str(len(pairs)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skips))
    root = ET.Element("testsuites", name=TOOL_NAME, tests=str(len(pairs)), failures=str(failures),
                      errors="0", skipped=str(skips))
    root.append(suite)
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot carry control characters at all, escaped or not."""
    return _XML_INVALID.sub("\ufffd", text)


# ------------------------------------------------------------------------- dispatch


def render(fmt: str, evaluation: Evaluation, policies: Sequence[Any], ctx: ReportContext) -> str:
    if fmt == "text":
        return render_text(evaluation, ctx)
    if fmt == "json":
        return render_json(evaluation, ctx)
    if fmt == "sarif":
        return render_sarif(evaluation, policies, ctx)
    if fmt == "junit":
        return render_junit(evaluation, ctx)
    raise ValueError(f"unknown format {fmt!r}")

