"""The topology picture of a shipped stack draws its Virtual WAN secured hub (issue 10, H)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from dpaguard.evidence import access, topology
from tests.policies.plans import shipped_plan

NO_GRANTS = SimpleNamespace(grants=[])


@pytest.mark.parametrize(("stack", "pool", "state"), [
    ("ous-kvalitetslab", "172.16.201.0/24", "ousklpulumistate.blob.core.windows.net"),
    ("ecg247", "172.16.247.0/24", "ecg247pulumistate.blob.core.windows.net"),
])
def test_hub_is_drawn_forced_with_its_allowed_services(stack, pool, state):
    plan = shipped_plan(stack)
    assert not isinstance(plan, str), plan
    topo = topology.model(access.raw_resources(plan), NO_GRANTS)  # type: ignore[arg-type]
    assert topo.hub and topo.forced_tunnel
    assert topo.client_pool == [pool]
    assert (topo.protocols, topo.auth) == (["OpenVPN"], ["AAD"])
    assert topo.egress_allowed == sorted(["login.microsoftonline.com", "management.azure.com", "graph.microsoft.com",
                                          state])
    svg = topology.render(topo)
    assert "forced tunnel" in svg and "split tunnel" not in svg and "outbound: named services only" in svg


def test_hub_without_internet_security_is_drawn_split():
    plan = shipped_plan("ous-kvalitetslab")
    assert not isinstance(plan, str), plan
    resources = access.raw_resources(plan)
    for r in resources:
        if r["type"] == topology.HUB_GATEWAY:
            r["inputs"] = {**r["inputs"], "p2SConnectionConfigurations": [
                {**c, "enableInternetSecurity": False} for c in r["inputs"]["p2SConnectionConfigurations"]]}
    topo = topology.model(resources, NO_GRANTS)  # type: ignore[arg-type]
    assert topo.hub and not topo.forced_tunnel
    assert "split tunnel" in topology.render(topo)
