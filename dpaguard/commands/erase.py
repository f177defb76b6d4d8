"""`dpaguard erase --stack NAME --controller ID --blob CONTAINER/NAME...`: erase single recordings once scored (OUS-4.1, OUS-5).

Every snapshot, version and soft-deleted copy of the named blobs goes, is verified gone and is
certified, behind the same gates as `offboard`; the containers and the agreement stay. Exit codes
as for `offboard`.
"""

from __future__ import annotations

from typing import Any

from dpaguard.commands.offboard import add_common, run_operation


def register(sub: Any) -> None:
    parser = sub.add_parser("erase", help="erase named blobs of a controller beyond recovery, with a certificate",
                            description=(__doc__ or "").splitlines()[0])
    add_common(parser)
    parser.add_argument("--blob", required=True, nargs="+", metavar="CONTAINER/NAME",
                        help="blobs to erase, in the controller's containers")
    parser.set_defaults(run=lambda args: run_operation(args, "erase"))
