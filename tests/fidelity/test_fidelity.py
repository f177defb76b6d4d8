"""Engine fidelity: the pack under the real analyzer protocol decides exactly as `dpaguard check`.

The pack runs as the CLI runs it (conftest.py: subprocess, gRPC Analyzer); this test sends it the
requests the engine sends for a preview (dpaguard.checking.protocol: Configure, Analyze per
resource with inputs, AnalyzeStack with outputs) and compares, per policy and resource, the
verdicts it answers with the Findings `dpaguard check` reports for the same plan: both shipped
stacks, and every mutation of tests/policies/mutations (read-only here).

The wire side is normalised here, independently of dpaguard/checking/evaluate.py, from what the
servicer documents: a diagnostic's message is the policy description, a newline and the reported
message; "can't run policy '...' ... during preview: REASON" is the advisory note an
UnknownValueError becomes; an empty urn means the resource analyzed (Analyze) or the stack.
"""

from __future__ import annotations

import copy
import importlib
import pkgutil
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2

from dpaguard.checking.evaluate import Evaluation, evaluate, register_config
from dpaguard.checking.inputs import from_plan
from dpaguard.checking.protocol import analyze_request, analyze_stack_request, configure_request, provider_of
from policies.pack import POLICIES
from tests.fidelity.conftest import Analyzer
from tests.policies import mutations as mutations_pkg
from tests.policies.mutations import Mutation
from tests.policies.plans import SHIPPED_STACKS, shipped_plan

Verdicts = dict[tuple[str, str], list[tuple[str, str]]]

_LEVELS = {analyzer_pb2.ADVISORY: "advisory", analyzer_pb2.MANDATORY: "mandatory",
           analyzer_pb2.REMEDIATE: "remediate", analyzer_pb2.DISABLED: "disabled"}


def _mutations() -> list[Mutation]:
    found: list[Mutation] = []
    for info in sorted(pkgutil.iter_modules(mutations_pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{mutations_pkg.__name__}.{info.name}")
        found.extend(getattr(module, "MUTATIONS", []))
    return found


CASES = [pytest.param(None, s, id=f"shipped-{s}") for s in SHIPPED_STACKS] + [
    pytest.param(m, s, id=f"{m.id}-{s}") for m in _mutations() for s in m.stacks
]


def _plan(stack: str) -> dict[str, Any]:
    document = shipped_plan(stack)
    if isinstance(document, str):
        pytest.fail(f"cannot plan stack {stack}: {document}")
    return copy.deepcopy(document)


def _wire_verdicts(analyzer: Analyzer, document: dict[str, Any]) -> tuple[Verdicts, set[tuple[str, str]]]:
    checked = from_plan(document, name="plan", validate=False)
    stub = analyzer.stub
    info = stub.GetAnalyzerInfo(empty_pb2.Empty())
    stub.Configure(configure_request(info, register_config(POLICIES, checked.register)))
    descriptions = {p.name: p.description for p in info.policies}
    verdicts: Verdicts = defaultdict(list)
    not_applicable: set[tuple[str, str]] = set()

    def take(response: Any, default_urn: str) -> None:
        for na in response.not_applicable:
            not_applicable.add((na.policy_name, default_urn))
        for d in response.diagnostics:
            urn = d.urn or default_urn
            if d.message.startswith("can't run policy '") and " during preview: " in d.message:
                verdicts[(d.policyName, urn)].append(("unknown", d.message.split(" during preview: ", 1)[1]))
                continue
            head = descriptions[d.policyName]
            message = d.message[len(head) + 1:] if d.message.startswith(head + "\n") else d.message
            verdicts[(d.policyName, urn)].append((_LEVELS[d.enforcementLevel], message))

    by_urn = {r.urn: r for r in checked.resources}
    for resource in checked.resources:
        take(stub.Analyze(analyze_request(resource, provider_of(resource, by_urn))), resource.urn)
    take(stub.AnalyzeStack(analyze_stack_request(checked.resources)), checked.stack_urn)
    return _sorted(verdicts), not_applicable


def _check_verdicts(document: dict[str, Any]) -> tuple[Verdicts, set[tuple[str, str]], Evaluation]:
    checked = from_plan(document, name="plan", validate=False)
    evaluation = evaluate(POLICIES, checked.resources, register=checked.register, stack_urn=checked.stack_urn)
    verdicts: Verdicts = defaultdict(list)
    for f in evaluation.findings:
        if f.kind == "unknown":
            verdicts[(f.policy, f.urn)].append(("unknown", f.message.removeprefix("can't decide during preview: ")))
        else:
            verdicts[(f.policy, f.urn)].append((f.enforcement, f.message))
    return _sorted(verdicts), {(p, u) for p, u, _ in evaluation.not_applicable}, evaluation


def _sorted(verdicts: Verdicts) -> Verdicts:
    return {k: sorted(v) for k, v in verdicts.items()}


@pytest.mark.parametrize(("mutation", "stack"), CASES)
def test_cli_protocol_and_dpaguard_check_agree(analyzer: Analyzer, mutation: Mutation | None, stack: str) -> None:
    document = _plan(stack)
    if mutation is not None:
        mutation.apply(document)
    # The pack's process works while this one evaluates offline: the wire side runs in a thread
    # that mostly waits for gRPC answers (the two sides share nothing but the plan document).
    with ThreadPoolExecutor(max_workers=1) as pool:
        wire_future = pool.submit(_wire_verdicts, analyzer, copy.deepcopy(document))
        offline, offline_na, evaluation = _check_verdicts(document)
        wire, wire_na = wire_future.result()
    assert wire.keys() == offline.keys(), "policies/resources with a verdict differ"
    for key, found in wire.items():
        assert found == offline[key], f"{key}: verdicts differ"
    assert wire_na == offline_na
    if mutation is not None:
        # the mutation is a real violation under the protocol too (test_mutations checks which policy)
        assert any(level == "mandatory" for found in wire.values() for level, _ in found) or any(
            f.kind == "violation" for f in evaluation.findings)
