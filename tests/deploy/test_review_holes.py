"""Holes a hostile review found in `dpaguard deploy` after issue 11 (each test failed before its fix).

- a split tunnel with many escaping routes made the tunnel gate's audit entry larger than the
  log's 64 KiB cap: `ValueError` and a traceback, and the refusal was not logged.
"""

from __future__ import annotations

import json
import shutil

from tests.deploy.test_deploy import (  # noqa: F401 - fixtures
    ROUTES,
    deploy,
    entries,
    gates,
    jwks_path,
    keys,
    project,
    pulumi_calls,
    restore_live_reader,
    token_claims,
)

ESCAPES = 1500


def test_a_split_tunnel_with_many_escaping_routes_is_one_line_and_logged(  # noqa: F811 - fixtures imported above
        keys, jwks_path, project, pulumi_calls, tmp_path, capsys):  # noqa: F811
    recorded = tmp_path / "routes"
    shutil.copytree(ROUTES / "linux" / "pass_forced", recorded)
    routes = json.loads((recorded / "ip-route.json").read_text())
    # 1500 public /24s (documentation and other public space) via the Wi-Fi router
    routes += [{"dst": f"{a}.{b}.7.0/24",
                "gateway": "192.168.1.1", "dev": "wlan0", "protocol": "static", "flags": []}
               for a in range(1, 7) for b in range(0, 250)][:ESCAPES]
    (recorded / "ip-route.json").write_text(json.dumps(routes))
    code = deploy(project, token=keys.token(token_claims()), jwks=jwks_path, routes=str(recorded))
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.count("\n") == 1 and "refused at the tunnel gate" in err and f"{ESCAPES - 1} more route(s) escape" in err
    assert gates(project) == [("identity", "allowed"), ("tunnel", "refused")]
    tunnel = entries(project)[-1]["detail"]
    assert len(tunnel["escapes"]) < ESCAPES and tunnel["escapesTotal"] == ESCAPES
    assert not pulumi_calls.exists()
