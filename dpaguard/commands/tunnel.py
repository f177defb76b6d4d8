"""`dpaguard tunnel check --stack NAME`: is all internet traffic forced into the stack's VPN (OUS-6.1.c)?

Exit 0 forced, 1 refused (the line names the escaping route or the missing tunnel), 2 bad
invocation or unreadable input. `--routes DIR` judges recorded outputs instead of this machine
(see dpaguard.tunnel.read_recorded for the file names); `dpaguard deploy` runs the same check.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from dpaguard.errors import Refused


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "tunnel",
        help="check that this machine forces all internet traffic into the stack's VPN tunnel",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    check = actions.add_parser("check", help="judge this machine's (or recorded) routes; exit 0 forced, 1 refused")
    check.add_argument("--stack", required=True, help="stack name: stacks/Pulumi.NAME.yaml (gives the VPN client pool)")
    check.add_argument("--routes", metavar="DIR",
                       help="recorded outputs instead of this machine: ip-*.json, Get-Net*.json, or netstat-rn.txt + ifconfig.txt")
    check.add_argument("--vpn-server", metavar="IP", help="the VPN gateway's public address (only its host route may bypass the tunnel)")
    check.add_argument("--tunnel-interface", metavar="IF", help="the tunnel interface (default: the tunnel device holding a pool address)")
    check.add_argument("--json", action="store_true", help="print the verdict's fields as one JSON object on stdout")
    check.add_argument("--root", metavar="DIR", help="the Pulumi project (default: found from here)")
    check.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from dpaguard.engine import plan, stackfiles
    from dpaguard.project import find_root
    from dpaguard.tunnel import check_tunnel, parse_vpn_server
    from dpaguard.tunnel.check import check_interface_name

    server = parse_vpn_server(args.vpn_server)  # a bad address is exit 2 before anything is read
    if args.tunnel_interface is not None:
        check_interface_name(args.tunnel_interface)
    root = find_root(args.root)
    project = stackfiles.load_project(root)
    stack_file = stackfiles.load_stack(project, args.stack)
    # The engine's validated loader; there is no public name for it yet (the gate and deploy use it too).
    cfg = plan.load_stack_config(root, stack_file, project)
    verdict = check_tunnel(cfg, routes_dir=args.routes, vpn_server=server, tunnel_interface=args.tunnel_interface)
    if args.json:
        print(json.dumps({"stack": args.stack, **verdict.audit_detail()}, sort_keys=True))
    if not verdict.ok:
        raise Refused(f"tunnel check {args.stack} refused: {verdict.reason}")
    if not args.json:
        print(f"tunnel check {args.stack}: forced: {verdict.reason}")
    return 0
