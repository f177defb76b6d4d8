"""Config rejects, in one line, the choices Azure itself would reject: SKU/generation pairs and zones per region."""

from __future__ import annotations

import pytest

from modules import config


def edited(stack, name, edit):
    return stack(name, edit).cfg


@pytest.mark.parametrize(("sku", "expected"), [
    # Microsoft Learn, "About VPN Gateway configuration settings" (gateway SKU table).
    ("VpnGw1AZ", "Generation1"),
    ("VpnGw2AZ", "Generation2"),
    ("VpnGw3AZ", "Generation2"),
    ("VpnGw4AZ", "Generation2"),
    ("VpnGw5AZ", "Generation2"),
])
def test_generation_is_derived_from_the_sku(stack, sku, expected):
    cfg = edited(stack, "ous-kvalitetslab", lambda raw: raw["vpn"].update(sku=sku))
    assert cfg.vpn.generation == expected


@pytest.mark.parametrize(("sku", "generation"), [
    ("VpnGw1AZ", "Generation1"), ("VpnGw2AZ", "Generation1"), ("VpnGw3AZ", "Generation1"),
    ("VpnGw2AZ", "Generation2"), ("VpnGw5AZ", "Generation2"),
])
def test_a_generation_the_sku_exists_in_is_accepted(stack, sku, generation):
    cfg = edited(stack, "ous-kvalitetslab", lambda raw: raw["vpn"].update(sku=sku, generation=generation))
    assert (cfg.vpn.sku, cfg.vpn.generation) == (sku, generation)


@pytest.mark.parametrize(("sku", "generation", "message"), [
    ("VpnGw1AZ", "Generation2", "vpn.generation: VpnGw1AZ exists only as Generation1, got 'Generation2'"),
    ("VpnGw4AZ", "Generation1", "vpn.generation: VpnGw4AZ exists only as Generation2, got 'Generation1'"),
    ("VpnGw2AZ", "Generation3", "vpn.generation: VpnGw2AZ exists only as Generation2 or Generation1, got "
                                "'Generation3'"),
])
def test_a_sku_generation_mismatch_is_one_line(stack, sku, generation, message):
    with pytest.raises(config.ConfigError) as err:
        edited(stack, "ous-kvalitetslab", lambda raw: raw["vpn"].update(sku=sku, generation=generation))
    text = str(err.value)
    assert text.startswith(message) and "\n" not in text, text


def _to_norwaywest(raw):
    raw["location"] = "norwaywest"
    raw.pop("replicaLocation", None)


@pytest.mark.parametrize(("stack_name", "edit", "key"), [
    # Microsoft Learn, "Azure regions list": Norway West has no availability zones.
    ("ous-kvalitetslab", lambda raw: raw["recordings"].update(sku="Standard_ZRS"), "recordings.sku"),
    ("ecg247", lambda raw: None, "ecg.sku"),
    ("ous-kvalitetslab", lambda raw: raw["recordings"].update(sku="Standard_LRS"), "vpn.sku"),
])
def test_zone_dependent_choices_are_rejected_in_norwaywest(stack, stack_name, edit, key):
    def both(raw):
        _to_norwaywest(raw)
        edit(raw)

    with pytest.raises(config.ConfigError) as err:
        edited(stack, stack_name, both)
    assert err.value.keys == key
    assert "norwaywest has no availability zones" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("stack_name", ["ous-kvalitetslab", "ecg247"])
def test_shipped_stacks_sit_in_a_region_with_zones(stack, stack_name):
    assert stack(stack_name).cfg.location == "norwayeast"


@pytest.mark.parametrize(("subnet", "text"), [
    # Microsoft Learn "Azure DNS Private Resolver endpoints and rulesets": /28 to /24, its own subnet.
    ("10.60.2.0/29", "between /28 and /24"),
    ("10.60.0.0/23", "between /28 and /24"),
    ("10.61.2.0/28", "not inside vnetCidr"),
    ("10.60.1.16/28", "overlaps privateEndpointSubnet"),
    ("10.60.255.0/28", "overlaps gatewaySubnet"),
])
def test_dns_resolver_subnet_errors_are_one_line(stack, subnet, text):
    with pytest.raises(config.ConfigError) as err:
        edited(stack, "ous-kvalitetslab", lambda raw: raw["network"].update(dnsResolverSubnet=subnet))
    assert err.value.keys == "network.dnsResolverSubnet" and text in err.value.message, str(err.value)
    assert "\n" not in str(err.value)


def test_resolver_address_is_the_first_one_azure_hands_out(stack):
    # Azure reserves .0-.3 of every subnet (Microsoft Learn "Azure Virtual Network FAQ").
    assert str(stack("ous-kvalitetslab").cfg.network.dns_resolver_ip) == "10.60.2.4"


def test_an_empty_egress_section_is_no_secured_hub(stack):
    # Pulumi.yaml declares `egress` with default {}: a stack without it keeps the VNet gateway.
    assert stack("ous-kvalitetslab", lambda raw: raw.update(egress={})).cfg.egress is None
    assert stack("ous-kvalitetslab-vnetgw").cfg.egress is None


def test_the_shipped_stacks_run_the_secured_hub(stack):
    """Issue 10: operators reach Entra ID, ARM, Graph and the state backend through the tunnel, on both stacks."""
    for name, hub in (("ous-kvalitetslab", "10.61.0.0/23"), ("ecg247", "10.71.0.0/23")):
        egress = stack(name).cfg.egress
        assert egress is not None, name
        assert str(egress.hub_address_prefix) == hub, name
        assert [f.endswith(".blob.core.windows.net") for f in egress.state_backend_fqdns] == [True], name
