import pytest

from policies.retention.ecg_lifecycle import POLICY
from tests.policies.helpers import failing_urns, outcome, run
from tests.policies.stores import (
    ECG_ACCOUNT,
    ECG_RG,
    UNKNOWN,
    container,
    ecg_store,
    lifecycle,
    named,
    ous_store,
    register,
    rule,
    without,
)

REGISTER = register(("ECG",))
POLICY_NAME = f"{ECG_ACCOUNT}-lifecycle"
A = named(ecg_store(), "ecg-dr-a").urn
B = named(ecg_store(), "ecg-dr-b").urn


def with_rules(*rules):
    return without(ecg_store(), POLICY_NAME) + [lifecycle(ECG_ACCOUNT, ECG_RG, list(rules))]


CASES = [
    ("pass_one_rule_per_class", ecg_store(), set()),
    # ECG-7S: deleting before the controller's retention ends loses data the controller relies on.
    ("fail_shorter_than_retention", with_rules(rule("all", ["ecg-"], base=100, version=30, snapshot=30)), {A, B}),
    ("fail_extra_rule_deletes_a_early", with_rules(rule("a", ["ecg-dr-a/"], base=365, version=30, snapshot=30),
                                                   rule("b", ["ecg-dr-b/"], base=730, version=30, snapshot=30),
                                                   rule("tidy", ["ecg-dr-a"], base=1, version=30, snapshot=30)),
     {A}),
    ("pass_two_rules_earliest_wins", with_rules(rule("long", ["ecg-"], base=5000, version=30, snapshot=30),
                                                rule("a", ["ecg-dr-a/"], base=365, version=30, snapshot=30),
                                                rule("b", ["ecg-dr-b/"], base=730, version=30, snapshot=30)), set()),
    ("pass_ous_store_is_not_ecg", ous_store(), set()),
    ("fail_no_policy", without(ecg_store(), POLICY_NAME), {A, B}),
    ("fail_a_kept_too_long", with_rules(rule("a", ["ecg-dr-a/"], base=730, version=30, snapshot=30),
                                        rule("b", ["ecg-dr-b/"], base=730, version=30, snapshot=30)), {A}),
    ("fail_b_not_covered", with_rules(rule("a", ["ecg-dr-a/"], base=365, version=30, snapshot=30)), {B}),
    ("fail_versions_forever", with_rules(rule("a", ["ecg-dr-a/"], base=365, version=None, snapshot=30),
                                         rule("b", ["ecg-dr-b/"], base=730, version=30, snapshot=30)), {A}),
    ("fail_append_blobs_escape", with_rules(rule("a", ["ecg-dr-a/"], base=365, version=30, snapshot=30,
                                                 blob_types=("blockBlob",)),
                                            rule("b", ["ecg-dr-b/"], base=730, version=30, snapshot=30)), {A}),
    ("fail_container_without_register_entry",
     ecg_store() + [container("ecg-dr-x", ECG_ACCOUNT, ECG_RG, dpaguard_controller="dr-x")],
     {named(ecg_store() + [container("ecg-dr-x", ECG_ACCOUNT, ECG_RG)], "ecg-dr-x").urn}),
    ("fail_odd_rules", with_rules({"name": 3}), {A, B}),
]


@pytest.mark.parametrize(("case", "resources", "failing"), CASES, ids=[c[0] for c in CASES])
def test_stack(case, resources, failing):
    evaluation = run(POLICY, *resources, register=register(("OUS", "ECG")))
    assert failing_urns(evaluation) == failing, [f.message for f in evaluation.findings]


def test_retention_comes_from_register():
    shorter = register(("ECG",))
    shorter["controllers"]["dr-a"]["retentionDays"] = 100
    assert failing_urns(run(POLICY, *ecg_store(), register=shorter)) == {A}


@pytest.mark.parametrize("value", [UNKNOWN, "[secret]"])
def test_unknown_prefix_is_a_note(value):
    resources = with_rules(rule("a", [value], base=365, version=30, snapshot=30),
                           rule("b", ["ecg-dr-b/"], base=730, version=30, snapshot=30))
    assert outcome(run(POLICY, *resources, register=REGISTER)) == "unknown"


def test_violation_names_clause_resource_and_fix():
    resources = with_rules(rule("b", ["ecg-dr-b/"], base=730, version=30, snapshot=30))
    (finding,) = run(POLICY, *resources, register=REGISTER).mandatory
    assert finding.message.startswith("[ECG-4, ECG-7S]") and "'ecg-dr-a'" in finding.message
    assert "retention of 365 days" in finding.message and "prefixMatch 'ecg-dr-a/'" in finding.message
