import pytest

from policies.network.nsg_no_internet_management_ports import NSG, POLICY, SECURITY_RULE, opens_all, port_ranges
from tests.policies.helpers import failing_urns, outcome, resource, run

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def rule(**changes):
    base = {"name": "r", "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
            "sourceAddressPrefix": "Internet", "sourcePortRange": "*", "destinationAddressPrefix": "*",
            "destinationPortRange": "443"}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


CASES = [
    ("pass_https_from_internet", rule(), "pass"),
    ("pass_ssh_from_vpn_pool", rule(sourceAddressPrefix="172.16.201.0/24", destinationPortRange="22"), "pass"),
    ("pass_ssh_from_vnet_tag", rule(sourceAddressPrefix="VirtualNetwork", destinationPortRange="22"), "pass"),
    ("pass_rdp_deny", rule(access="Deny", destinationPortRange="3389"), "pass"),
    ("pass_rdp_outbound", rule(direction="Outbound", destinationPortRange="3389"), "pass"),
    ("pass_icmp_all", rule(protocol="Icmp", destinationPortRange="*"), "pass"),
    ("pass_range_below_ssh", rule(destinationPortRange="8000-8080"), "pass"),
    ("fail_ssh_from_internet", rule(destinationPortRange="22"), "fail"),
    ("fail_rdp_from_star", rule(sourceAddressPrefix="*", destinationPortRange="3389"), "fail"),
    ("fail_winrm_from_any_lower", rule(sourceAddressPrefix="any", destinationPortRange="5985"), "fail"),
    ("fail_winrm_https_from_all_v4", rule(sourceAddressPrefix="0.0.0.0/0", destinationPortRange="5986"), "fail"),
    ("fail_ssh_from_all_v6", rule(sourceAddressPrefix="::/0", destinationPortRange="22"), "fail"),
    ("fail_internet_upper", rule(sourceAddressPrefix="INTERNET", destinationPortRange="22"), "fail"),
    ("fail_range_covers_ssh", rule(destinationPortRange="20-30"), "fail"),
    ("fail_all_ports", rule(destinationPortRange="*"), "fail"),
    ("fail_all_ports_range", rule(destinationPortRange="0-65535"), "fail"),
    ("fail_all_ports_split", rule(destinationPortRange=None, destinationPortRanges=["1-30000", "30001-65535"]), "fail"),
    ("fail_rdp_in_port_list", rule(destinationPortRange=None, destinationPortRanges=["443", "3389"]), "fail"),
    ("fail_source_list", rule(sourceAddressPrefix=None, sourceAddressPrefixes=["10.0.0.0/8", "Internet"],
                              destinationPortRange="22"), "fail"),
    ("fail_public_address", rule(sourceAddressPrefix="203.0.113.7/32", destinationPortRange="22"), "fail"),
    ("fail_public_service_tag", rule(sourceAddressPrefix="AzureCloud", destinationPortRange="3389"), "fail"),
    ("fail_udp_rdp", rule(protocol="Udp", destinationPortRange="3389"), "fail"),
    ("fail_direction_absent", rule(direction=None, destinationPortRange="22"), "fail"),
    ("fail_unreadable_port", rule(destinationPortRange="ssh"), "fail"),
    ("fail_int_port", rule(destinationPortRange=22), "fail"),
    ("unknown_source", rule(sourceAddressPrefix=UNKNOWN, destinationPortRange="22"), "unknown"),
    ("unknown_port", rule(destinationPortRange=UNKNOWN), "unknown"),
    ("unknown_secret_access", rule(access="[secret]", destinationPortRange="22"), "unknown"),
]


@pytest.mark.parametrize(("case", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_inline_rule(case, inputs, expected):
    evaluation = run(POLICY, resource(NSG, "nsg", {"securityRules": [inputs]}))
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


@pytest.mark.parametrize(("case", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_standalone_rule(case, inputs, expected):
    evaluation = run(POLICY, resource(SECURITY_RULE, "rule", inputs))
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_only_the_bad_nsg_fails():
    good = resource(NSG, "good", {"securityRules": [rule()]})
    bad = resource(NSG, "bad", {"securityRules": [rule(), rule(name="ssh", destinationPortRange="22")]})
    odd = resource(NSG, "odd", {"securityRules": "x"})
    assert failing_urns(run(POLICY, good, bad, odd)) == {bad.urn}


def test_port_helpers():
    assert port_ranges(["22", "100-200", "*"]) == [(22, 22), (100, 200), (0, 65535)]
    assert port_ranges(["x"]) is None
    assert opens_all([(1, 65535)]) and not opens_all([(1, 100), (102, 65535)])


def test_violation_names_clause_resource_and_fix():
    evaluation = run(POLICY, resource(NSG, "pe-nsg", {"securityRules": [rule(name="ssh", destinationPortRange="22")]}))
    (finding,) = evaluation.mandatory
    assert "OUS-6.1.b" in finding.message and "'pe-nsg'" in finding.message and "'ssh'" in finding.message
    assert "22 (SSH)" in finding.message and "VPN" in finding.message
    assert finding.clauses == ("OUS-6.1.b", "OUS-6.1.c")
