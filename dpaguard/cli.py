"""The `dpaguard` command line: a thin dispatcher.

Every command lives in `dpaguard/commands/<name>.py` and exposes `register(subparsers)`,
which adds its parser and sets `run=<function(args) -> int>`. Command modules import
their heavy dependencies (pulumi, jose, checkov runner) inside `run`, so `--help` and
one command never pay for another's imports.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from dpaguard import __version__
from dpaguard.commands import (
    arm,
    audit,
    breach,
    certificate,
    check,
    clauses,
    deploy,
    erase,
    evidence,
    offboard,
    plan,
    review,
    scan,
    token,
    totp,
    tunnel,
)
from dpaguard.errors import EXIT_USAGE, DpaGuardError, UsageError

# The command list is explicit: no registration by import side effect.
COMMANDS = (plan, check, clauses, arm, scan, token, totp, audit, deploy, tunnel, offboard, erase, certificate, evidence, review, breach)


class _Parser(argparse.ArgumentParser):
    """argparse prints usage plus a message and exits; we want one line and a return code."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="dpaguard",
        description="Plan, check, scan and deploy the dpa-guard stacks under the OUS and ECG247 data processing "
        "agreements. Exit codes: 0 success, 1 a verdict against the input, 2 bad invocation or input.",
    )
    parser.add_argument("--version", action="version", version=f"dpaguard {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return int(args.run(args))
    except DpaGuardError as exc:
        # one line whatever the caller put in a path or name: control characters are escaped
        line = "".join(c if c.isprintable() else repr(c)[1:-1] for c in exc.message)
        print(f"dpaguard: error: {line}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("dpaguard: error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_USAGE
