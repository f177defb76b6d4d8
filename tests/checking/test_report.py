"""Report details: line lookup in the stack file, severity mapping, XML safety."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from dpaguard.checking.evaluate import Evaluation, Finding
from dpaguard.checking.report import ReportContext, StackFileLines, _security_severity, render_junit, render_text

STACK_TEXT = """config:
  dpa-guard:prefix: ecg247
  dpa-guard:vpn:
    sku: VpnGw2AZ
  dpa-guard:controllers:
  - id: dr-lie-bergen
    name: Dr. Oskar Lie
  - id: 'dr-lie-bergen-2'
  dpa-guard:staff:
  - objectId: 1d29390a-a4c9-55bb-9c19-b5a8a7ed7bdf
"""


def finding(urn: str, type_: str = "azure-native:storage:BlobContainer", message: str = "m", **kw) -> Finding:
    return Finding(policy=kw.get("policy", "p"), clauses=("OUS-2",), enforcement=kw.get("enforcement", "mandatory"),
                   severity="high", urn=urn, type=type_, message=message, kind=kw.get("kind", "violation"))


@pytest.mark.parametrize(("name", "type_", "message", "line"), [
    ("ecg-dr-lie-bergen", "azure-native:storage:BlobContainer", "m", 6),
    ("ecg-dr-lie-bergen-2", "azure-native:storage:BlobContainer", "m", 8),  # longest id wins
    ("ra-x", "azure-native:authorization:RoleAssignment", "principal 1d29390a-a4c9-55bb-9c19-b5a8a7ed7bdf", 10),
    ("vpngw-ecg247", "azure-native:network:VirtualNetworkGateway", "m", 3),
    ("something", "azure-native:keyvault:Vault", "m", 1),
])
def test_stack_file_line(name, type_, message, line):
    lines = StackFileLines(STACK_TEXT)
    assert lines.line_of(finding(f"urn:pulumi:s::p::{type_}::{name}", type_, message)) == line


def test_no_stack_text_means_line_1():
    assert StackFileLines(None).line_of(finding("urn:pulumi:s::p::t::dr-lie-bergen")) == 1


@pytest.mark.parametrize(("severity", "score"), [("critical", 9.5), ("high", 8.0), ("medium", 5.5), ("low", 3.0)])
def test_security_severity_bands(severity, score):
    from pulumi_policy import Severity

    class P:
        pass

    p = P()
    p.severity = Severity(severity)
    value = _security_severity(p)
    assert isinstance(value, str) and float(value) == score


def test_text_orders_mandatory_advisory_notes():
    ev = Evaluation(findings=[
        finding("urn:a::n1", kind="unknown", enforcement="advisory"),
        finding("urn:a::n2", enforcement="advisory"),
        finding("urn:a::n3"),
    ], resources=3, policies=1)
    lines = render_text(ev, ReportContext(source="s", stack="x")).splitlines()
    assert [line.split()[0] for line in lines[:3]] == ["MANDATORY", "ADVISORY", "UNKNOWN"]
    assert "n3: m" in lines[0]


def test_junit_survives_control_characters():
    ev = Evaluation(findings=[finding("urn:a::n1", message="bad \x00\x1b char")], evaluated=[("p", "urn:a::n1")])
    root = ET.fromstring(render_junit(ev, ReportContext(source="s\x07")))
    assert root.find("testsuite/testcase/failure") is not None
