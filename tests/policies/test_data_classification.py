import pytest

from policies.governance.data_classification import POLICY
from tests.policies.helpers import outcome, resource, run
from tests.policies.stores import UNKNOWN, tags

ACCOUNT = "azure-native:storage:StorageAccount"
RG = "azure-native:resources:ResourceGroup"
CONTAINER = "azure-native:storage:BlobContainer"
ECG_META = {"dpaguard_agreement": "ECG", "dpaguard_data_class": "ecg", "dpaguard_pseudonymised": "false"}

CASES = [
    ("pass_ous_account", ACCOUNT, {"tags": tags("OUS")}, "pass"),
    ("pass_ecg_account", ACCOUNT, {"tags": tags("ECG")}, "pass"),
    ("fail_account_untagged", ACCOUNT, {"tags": tags("OUS", data=False)}, "fail"),
    ("fail_account_wrong_class", ACCOUNT, {"tags": {**tags("OUS"), "dpaguard-data-class": "ecg-patient-data"}}, "fail"),
    ("fail_account_unknown_class", ACCOUNT, {"tags": {"dpaguard-data-class": "misc"}}, "fail"),
    ("fail_account_no_tags", ACCOUNT, {}, "fail"),
    ("pass_data_group", RG, {"resourceGroupName": "rg-test-ecg-data", "tags": tags("ECG")}, "pass"),
    ("pass_network_group_needs_no_class", RG, {"resourceGroupName": "rg-test-network", "tags": tags("OUS", False)},
     "pass"),
    ("fail_data_group_untagged", RG, {"resourceGroupName": "rg-test-ous-data", "tags": tags("OUS", False)}, "fail"),
    ("fail_data_group_wrong_class", RG, {"resourceGroupName": "rg-test-ous-data", "tags": tags("ECG")}, "fail"),
    ("pass_recordings_container", CONTAINER, {"containerName": "rec-a", "metadata": {
        "dpaguard_agreement": "OUS", "dpaguard_data_class": "recordings"}}, "pass"),
    ("pass_ecg_container", CONTAINER, {"containerName": "ecg-a", "metadata": ECG_META}, "pass"),
    ("fail_container_without_class", CONTAINER, {"containerName": "rec-a", "metadata": {}}, "fail"),
    ("fail_ous_container_with_ecg_class", CONTAINER, {"containerName": "rec-a", "metadata": {
        "dpaguard_agreement": "OUS", "dpaguard_data_class": "ecg"}}, "fail"),
    ("fail_ecg_container_without_pseudonym_flag", CONTAINER, {"containerName": "ecg-a", "metadata": {
        **ECG_META, "dpaguard_pseudonymised": ...}}, "fail"),
    ("fail_ecg_container_flag_not_boolean_text", CONTAINER, {"containerName": "ecg-a", "metadata": {
        **ECG_META, "dpaguard_pseudonymised": "yes"}}, "fail"),
    ("fail_ecg_by_name_only", CONTAINER, {"containerName": "ecg-a", "metadata": {"dpaguard_data_class": "ecg"}}, "fail"),
    ("fail_odd_metadata", CONTAINER, {"containerName": "rec-a", "metadata": "recordings"}, "fail"),
    ("unknown_class", ACCOUNT, {"tags": {**tags("OUS"), "dpaguard-data-class": UNKNOWN}}, "unknown"),
    ("unknown_metadata_secret", CONTAINER, {"containerName": "rec-a", "metadata": "[secret]"}, "unknown"),
]


def _clean(inputs):
    if isinstance(inputs.get("metadata"), dict):
        inputs = {**inputs, "metadata": {k: v for k, v in inputs["metadata"].items() if v is not ...}}
    return inputs


@pytest.mark.parametrize(("case", "type_", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_cases(case, type_, inputs, expected):
    evaluation = run(POLICY, resource(type_, "r", _clean(inputs)))
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_other_types_are_ignored():
    assert outcome(run(POLICY, resource("azure-native:network:VirtualNetwork", "v", {}))) == "pass"


def test_violation_names_clause_resource_and_fix():
    meta = {k: v for k, v in ECG_META.items() if k != "dpaguard_pseudonymised"}
    (finding,) = run(POLICY, resource(CONTAINER, "ecg-ecg-dr-a", {"containerName": "ecg-dr-a", "metadata": meta})).mandatory
    assert finding.message.startswith("[ECG-3, OUS-2]") and "'ecg-ecg-dr-a'" in finding.message
    assert "dpaguard_pseudonymised" in finding.message and "set it to 'true' or 'false'" in finding.message
