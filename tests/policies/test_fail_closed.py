"""The pack fails closed: no configuration, secret or unknown turns a mandatory clause into a pass.

pulumi_policy's servicer reports an UnknownValueError as an ADVISORY "can't run during preview"
note (pulumi_policy/policy.py, `_PolicyAnalyzerServicer.Analyze`/`AnalyzeStack`); the policy
constructors of policies/lib.py wrap every validator so that a mandatory policy reports a
mandatory violation instead, naming its clauses and the undecidable value, and build every
message's `[clause, ...]` prefix from the metadata. These tests go through the servicer
(dpaguard.checking.evaluate) as the engine does.
"""

from __future__ import annotations

import copy

import pytest
from pulumi_policy import EnforcementLevel

from dpaguard.checking.inputs import from_plan
from policies.lib import resource_policy, stack_policy
from policies.pack import POLICIES
from tests.policies.helpers import resource, run
from tests.policies.plans import shipped_plan

INSTRUCTION = "--policy-pack-config out/STACK/policy-config.json"


def _reads(path):
    def validate(args, report_violation):
        props = args.props if hasattr(args, "props") else args.resources[0].props
        from policies.lib import get

        get(props, *path)
        report_violation("decided")
    return validate


def _policy(kind, validate, enforcement=EnforcementLevel.MANDATORY):
    build = resource_policy if kind == "resource" else stack_policy
    return build(name="test-fail-closed", clauses=("OUS-6.1.a", "ECG-7"), area="test", description="d",
                 remediation="r", validate=validate, enforcement=enforcement)


STORE = resource("azure-native:storage:StorageAccount", "acct", {"location": "norwayeast", "kind": "StorageV2"})


@pytest.mark.parametrize("kind", ["resource", "stack"])
def test_prefix_comes_from_the_metadata(kind):
    (finding,) = run(_policy(kind, _reads(("location",))), STORE).findings
    assert finding.message == "[OUS-6.1.a, ECG-7] decided"
    assert finding.clauses == ("OUS-6.1.a", "ECG-7")


@pytest.mark.parametrize("kind", ["resource", "stack"])
@pytest.mark.parametrize(("value", "said"), [("04da6b54-80e4-46f7-96ec-b56ff0331ba9", "can't be known"),
                                             ("[secret]", "secret")])
def test_undecidable_value_is_a_mandatory_violation_naming_clause_and_value(kind, value, said):
    store = resource(STORE.type, "acct", {"location": "norwayeast", "kind": value})
    evaluation = run(_policy(kind, _reads(("kind",))), store)
    (finding,) = evaluation.findings
    assert finding.kind == "violation" and finding.enforcement == "mandatory"
    assert finding.message.startswith("[OUS-6.1.a, ECG-7] undecidable: ")
    assert ".kind" in finding.message and said in finding.message
    assert not evaluation.unknowns


def test_an_advisory_policy_keeps_pulumi_policys_note():
    store = resource(STORE.type, "acct", {"location": "norwayeast", "kind": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"})
    evaluation = run(_policy("resource", _reads(("kind",)), EnforcementLevel.ADVISORY), store)
    assert not evaluation.mandatory and len(evaluation.unknowns) == 1


@pytest.fixture(scope="module", params=["ous-kvalitetslab", "ecg247"])
def without_config(request):
    from dpaguard.checking.evaluate import evaluate

    document = shipped_plan(request.param)
    if isinstance(document, str):
        pytest.fail(f"cannot plan {request.param}: {document}")
    checked = from_plan(copy.deepcopy(document), name="x", validate=False)
    return evaluate(POLICIES, checked.resources, register=None, stack_urn=checked.stack_urn)


def test_forgotten_policy_pack_config_is_mandatory_and_says_how(without_config):
    """`pulumi preview --policy-pack policies` without --policy-pack-config: nothing passes quietly."""
    assert not without_config.unknowns, "an advisory can't-run note: the pack did not fail closed"
    missing = [f for f in without_config.findings if "register is missing" in f.message]
    assert missing and all(f.enforcement == "mandatory" and INSTRUCTION in f.message for f in missing)
    needs_register = {p.name for p in POLICIES if p.config_schema is not None}
    assert {f.policy for f in missing} <= needs_register
    # the records only the register holds: contacts, controllers, consent, sub-processors, end dates
    assert {"audit-breach-alerts-reach-contacts", "governance-controller-isolation", "governance-sub-processors-eea",
            "rbac-access-ends-with-agreement"} <= {f.policy for f in missing}


def test_what_the_agreements_fix_needs_no_register(without_config):
    """Norway, TLS 1.2 and the allowed-locations policy are the pack's own facts."""
    reported = {f.policy for f in without_config.findings}
    assert not reported & {"location-in-norway", "location-geo-replica-in-norway", "location-allowed-locations-assigned",
                           "location-allowed-locations-enforced", "storage-tls-https-only",
                           "network-vpn-forced-tunnel", "network-vpn-no-internet-breakout"}


def test_an_account_abroad_fails_without_the_register():
    from policies.location.in_norway import POLICY

    abroad = resource("azure-native:storage:StorageAccount", "acct", {"location": "westeurope"})
    (finding,) = run(POLICY, abroad).mandatory
    assert finding.message.startswith("[ECG-6, ECG-10, OUS-6.1.b] ") and "westeurope" in finding.message
