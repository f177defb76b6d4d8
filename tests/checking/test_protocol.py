"""The engine's requests (dpaguard.checking.protocol), checked against upstream's rules as literals.

Configure: pulumi/pulumi `pkg/resource/analyzer/config.go` ReconcilePolicyPackConfig (defaults
from the policy info, `all` first, then per policy, then schema validation that stops the CLI).
Analyze/AnalyzeStack: `pkg/resource/plugin/analyzer_plugin.go` (SkipInternalKeys; property
dependencies without URNs dropped).
"""

from __future__ import annotations

import pytest
from google.protobuf import json_format, struct_pb2
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi.runtime.proto import analyzer_pb2

from dpaguard.checking.protocol import (
    PolicyConfigError,
    analyze_request,
    analyze_stack_request,
    configure_request,
    outputs_of,
)
from dpaguard.engine import UNKNOWN, Resource


def _info() -> analyzer_pb2.AnalyzerInfo:
    info = analyzer_pb2.AnalyzerInfo(name="dpa-guard")
    needs = info.policies.add(name="needs-register", enforcementLevel=analyzer_pb2.MANDATORY)
    needs.configSchema.properties.update({"register": {"type": "object"}})
    needs.configSchema.required.append("register")
    tuned = info.policies.add(name="tuned", enforcementLevel=analyzer_pb2.ADVISORY)
    tuned.configSchema.properties.update({"days": {"type": "number", "default": 30}})
    info.policies.add(name="plain", enforcementLevel=analyzer_pb2.MANDATORY)
    return info


def _levels(request: analyzer_pb2.ConfigureAnalyzerRequest) -> dict[str, int]:
    return {k: v.enforcementLevel for k, v in request.policyConfig.items()}


def test_every_policy_gets_its_level_defaults_and_the_file():
    request = configure_request(_info(), {"needs-register": {"register": {"stack": "s"}}})
    assert _levels(request) == {"needs-register": analyzer_pb2.MANDATORY, "tuned": analyzer_pb2.ADVISORY,
                                "plain": analyzer_pb2.MANDATORY}
    assert json_format.MessageToDict(request.policyConfig["needs-register"].properties) == {"register": {"stack": "s"}}
    assert json_format.MessageToDict(request.policyConfig["tuned"].properties) == {"days": 30.0}


def test_all_then_policy_levels():
    request = configure_request(_info(), {"all": "advisory", "plain": "disabled",
                                          "needs-register": {"register": {}}})
    # applyConfig loops over the whole file, so `all` itself is sent as an entry too
    assert _levels(request) == {"needs-register": analyzer_pb2.ADVISORY, "tuned": analyzer_pb2.ADVISORY,
                                "plain": analyzer_pb2.DISABLED, "all": analyzer_pb2.ADVISORY}


def test_a_missing_required_config_stops_like_the_cli():
    with pytest.raises(PolicyConfigError) as raised:
        configure_request(_info(), None)
    assert raised.value.message == "validating policy config for dpa-guard: needs-register: 'register' is a required property"


def test_analyze_sends_inputs_and_stack_sends_outputs():
    account = Resource(urn="urn:pulumi:s::p::azure-native:storage:StorageAccount::a",
                       type="azure-native:storage:StorageAccount", name="a",
                       inputs={"accountName": "a", "location": "norwayeast", "__internal": 1},
                       parent="urn:pulumi:s::p::pulumi:pulumi:Stack::p-s", dependencies=("urn:x",),
                       property_dependencies={"accountName": ("urn:x",), "location": ()})
    request = analyze_request(account)
    assert json_format.MessageToDict(request.properties) == {"accountName": "a", "location": "norwayeast"}
    assert request.options.parent == "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s"
    (stacked,) = analyze_stack_request([account]).resources
    props = json_format.MessageToDict(stacked.properties)
    assert "accountName" not in props and props["location"] == "norwayeast" and props["name"] == UNKNOWN
    assert stacked.parent == account.parent and list(stacked.dependencies) == ["urn:x"]
    assert {k: list(v.urns) for k, v in stacked.propertyDependencies.items()} == {"accountName": ["urn:x"]}
    assert outputs_of(account) == dict(props)


def test_recorded_outputs_win_and_components_have_none_by_default():
    component = Resource(urn="urn:pulumi:s::p::dpaguard:storage:NorwayStorage::n", type="dpaguard:storage:NorwayStorage",
                         name="n", inputs={}, custom=False)
    assert outputs_of(component) == {}
    recorded = Resource(urn="u", type="azure-native:storage:StorageAccount", name="a", inputs={},
                        outputs={"name": "a"})
    assert outputs_of(recorded) == {"name": "a"}


def test_policies_sharing_a_schema_and_register_each_report_its_error():
    info = analyzer_pb2.AnalyzerInfo(name="dpa-guard")
    for name in ("first", "second"):
        policy = info.policies.add(name=name, enforcementLevel=analyzer_pb2.MANDATORY)
        policy.configSchema.properties.update({"register": {"type": "object"}})
        policy.configSchema.required.append("register")
    register: list[str] = []
    with pytest.raises(PolicyConfigError) as raised:
        configure_request(info, {"first": {"register": register}, "second": {"register": register}})
    assert raised.value.message == ("validating policy config for dpa-guard: first: [] is not of type 'object'; "
                                    "second: [] is not of type 'object'")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=8).filter(lambda k: not k.startswith("__")), _JSON, max_size=6))
def test_request_properties_are_the_struct_protobufs_json_parser_builds(inputs):
    # the reference: google.protobuf.json_format.ParseDict, what the requests were built with before
    expected = struct_pb2.Struct()
    json_format.ParseDict(inputs, expected)
    assert analyze_request(Resource(urn="urn:pulumi:s::p::t:m:T::n", type="t:m:T", name="n", inputs=inputs)
                           ).properties == expected
