"""`dpaguard deploy`: placeholder until its issue lands (see `issues`)."""

from dpaguard.errors import UsageError


def register(sub) -> None:
    parser = sub.add_parser("deploy", help="(not built yet)")
    parser.set_defaults(run=run)


def run(args) -> int:
    raise UsageError("'deploy' is not built yet")
