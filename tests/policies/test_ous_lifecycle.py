import pytest

from policies.retention.ous_lifecycle import POLICY
from tests.policies.helpers import STACK_URN, failing_urns, fails_closed, outcome, run
from tests.policies.stores import (
    OUS_ACCOUNT,
    OUS_RG,
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

REGISTER = register(("OUS",))
POLICY_NAME = f"{OUS_ACCOUNT}-lifecycle"
ACCOUNT_URN = named(ous_store(), f"acct-{OUS_ACCOUNT}").urn
LIFECYCLE_URN = named(ous_store(), POLICY_NAME).urn


def with_rules(*rules):
    return without(ous_store(), POLICY_NAME) + [lifecycle(OUS_ACCOUNT, OUS_RG, list(rules))]


CASES = [
    ("pass_shipped_rule", ous_store(), set()),
    # A stack policy reads outputs: a prefixMatch the program did not set is unknown in preview,
    # so the rule can't be shown to cover anything (stricter than Azure, never laxer).
    ("fail_rule_without_prefix_is_unknown_in_preview", with_rules(rule("all", None, base=10)), {LIFECYCLE_URN}),
    ("pass_one_rule_per_container", with_rules(rule("a", ["rec-ahus-mbt/"]), rule("s", ["rec-sus-mbt"])), set()),
    ("pass_split_by_blob_type", with_rules(rule("b", ["rec-"], blob_types=("blockBlob",)),
                                           rule("a", ["rec-"], blob_types=("appendBlob",))), set()),
    ("pass_modification_age", with_rules(rule("m", ["rec-"], base=None) | {"definition": {
        "filters": {"blobTypes": ["blockBlob", "appendBlob"], "prefixMatch": ["rec-"]},
        "actions": {"baseBlob": {"delete": {"daysAfterModificationGreaterThan": 20}},
                    "version": {"delete": {"daysAfterCreationGreaterThan": 0}},
                    "snapshot": {"delete": {"daysAfterCreationGreaterThan": 0}}}}}), set()),
    ("pass_scores_not_covered", with_rules(rule("a", ["rec-ahus-mbt/", "rec-sus-mbt/"])), set()),
    ("pass_ecg_store_is_not_ous", ecg_store(), set()),
    ("fail_no_policy", without(ous_store(), POLICY_NAME), {ACCOUNT_URN}),
    ("fail_too_late", with_rules(rule("late", ["rec-"], base=90)), {LIFECYCLE_URN}),
    ("fail_rule_disabled", with_rules(rule("off", ["rec-"], enabled=False)), {LIFECYCLE_URN}),
    ("fail_block_blobs_only", with_rules(rule("b", ["rec-"], blob_types=("blockBlob",))), {LIFECYCLE_URN}),
    ("fail_one_container_missed", with_rules(rule("a", ["rec-ahus-mbt/"])), {LIFECYCLE_URN}),
    ("fail_partial_prefix", with_rules(rule("a", ["rec-ahus-mbt/2024", "rec-sus-mbt/"])), {LIFECYCLE_URN}),
    ("fail_snapshots_kept", with_rules(rule("s", ["rec-"], snapshot=None)), {LIFECYCLE_URN}),
    ("fail_versions_kept_long", with_rules(rule("v", ["rec-"], version=60)), {LIFECYCLE_URN}),
    ("fail_last_access_only", with_rules(rule("la", ["rec-"], base=None) | {"definition": {
        "filters": {"blobTypes": ["blockBlob", "appendBlob"], "prefixMatch": ["rec-"]},
        "actions": {"baseBlob": {"delete": {"daysAfterLastAccessTimeGreaterThan": 10}},
                    "version": {"delete": {"daysAfterCreationGreaterThan": 0}},
                    "snapshot": {"delete": {"daysAfterCreationGreaterThan": 0}}}}}), {LIFECYCLE_URN}),
    ("fail_blob_index_filter", with_rules(rule("t", ["rec-"]) | {"definition": {
        "filters": {"blobTypes": ["blockBlob", "appendBlob"], "prefixMatch": ["rec-"],
                    "blobIndexMatch": [{"name": "done", "op": "==", "value": "yes"}]},
        "actions": {"baseBlob": {"delete": {"daysAfterCreationGreaterThan": 1}}}}}), {LIFECYCLE_URN}),
    ("fail_new_container_by_metadata", ous_store() + [container("sessions", OUS_ACCOUNT, OUS_RG,
                                                                dpaguard_data_class="recordings")], {LIFECYCLE_URN}),
    # Not a list of rules: its preview output is unknown, so the policy fails closed on the stack.
    ("fail_odd_rules", with_rules("delete everything"), {STACK_URN}),
]


@pytest.mark.parametrize(("case", "resources", "failing"), CASES, ids=[c[0] for c in CASES])
def test_stack(case, resources, failing):
    evaluation = run(POLICY, *resources, register=register(("OUS", "ECG")))
    assert failing_urns(evaluation) == failing, [f.message for f in evaluation.findings]


def test_deadline_comes_from_register():
    resources = with_rules(rule("r", ["rec-"], base=60))
    assert outcome(run(POLICY, *resources, register=REGISTER)) == "fail"
    assert outcome(run(POLICY, *resources, register=register(("OUS",), recordings={"maxAgeDays": 60}))) == "pass"
    assert outcome(run(POLICY, *resources, register=register(("OUS",), recordings=None))) == "fail"


@pytest.mark.parametrize("value", [UNKNOWN, "[secret]"])
def test_unknown_days_fail_closed(value):
    """An unknown or secret age reads as "never deleted" (stricter) or undecidable: mandatory either way."""
    assert fails_closed(run(POLICY, *with_rules(rule("r", ["rec-"], base=value)), register=REGISTER))


def test_violation_names_clause_resource_and_fix():
    findings = run(POLICY, *with_rules(rule("late", ["rec-"], base=90)), register=REGISTER).mandatory
    assert len(findings) == 2  # one per recordings container
    finding = findings[0]
    assert finding.message.startswith("[OUS-4.1, OUS-5]")
    assert "'rec-ahus-mbt'" in finding.message and "base blobs after 90 days" in finding.message
    assert "within 30 days" in finding.message and "daysAfterCreationGreaterThan <= 30" in finding.message
