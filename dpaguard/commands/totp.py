"""`dpaguard totp`: the break-glass TOTP second factor of a stack.

  enroll --stack S --user U [--qr] [--force]   print the otpauth:// URI (and a terminal QR code)
  verify --stack S --user U --code C|-         exit 0 accepted, 1 refused (wrong, replayed, throttled, locked)
  unlock --stack S --user U                    clear a user's failures and lock
  keygen --key-file F                          create a store key file (0600) and print its key id

The user must be one of the stack's `gate.breakGlassUsers`, the store is the stack's
`gate.totpStore` and its key (--key-file or $DPAGUARD_TOTP_KEY) must have the id
`gate.totpKeyId`; anything else is refused (exit 1) and logged. Every change is recorded in the
stack's audit log before it is made, with the store's new generation, so an older copy of the
store is refused; if the record cannot be written, nothing changes (exit 2).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from dpaguard.commands.audit import refusal, refusals_logged
from dpaguard.errors import InputError, Refused, UsageError

if TYPE_CHECKING:
    from dpaguard.gate.stack import AuditJournal
    from dpaguard.gate.totp import TotpStore


def register(sub: Any) -> None:
    parser = sub.add_parser("totp", help="break-glass TOTP second factor: enrol, verify, unlock",
                            description="The break-glass TOTP second factor of a stack.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.required = True

    def store_options(action: argparse.ArgumentParser) -> None:
        action.add_argument("--stack", required=True, metavar="NAME", help="stack name: stacks/Pulumi.NAME.yaml")
        action.add_argument("--root", metavar="DIR", help="the Pulumi project (default: found from here)")
        action.add_argument("--user", required=True, metavar="U", help="a break-glass user the stack names")
        action.add_argument("--store", metavar="PATH",
                            help="the store; only the stack's gate.totpStore is accepted (default: that one)")
        action.add_argument("--key-file", metavar="F", help="store key file (default: $DPAGUARD_TOTP_KEY)")

    enroll = actions.add_parser("enroll", help="create a secret and print its otpauth:// URI")
    store_options(enroll)
    enroll.add_argument("--qr", action="store_true", help="also print the URI as a QR code")
    enroll.add_argument("--force", action="store_true", help="replace an existing secret (the new one is printed)")
    enroll.set_defaults(run=run_enroll)

    verify = actions.add_parser("verify", help="check a code; exit 0 accepted, 1 refused")
    store_options(verify)
    verify.add_argument("--code", required=True, metavar="C|-", help="the 6-digit code, or - for stdin")
    verify.set_defaults(run=run_verify)

    unlock = actions.add_parser("unlock", help="clear a user's failure count, delay and lock")
    store_options(unlock)
    unlock.set_defaults(run=run_unlock)

    keygen = actions.add_parser("keygen", help="write a new store key to a file (0600, never overwritten)")
    keygen.add_argument("--key-file", required=True, metavar="F")
    keygen.set_defaults(run=run_keygen)


def _store(args: argparse.Namespace, action: str) -> tuple[TotpStore, AuditJournal]:
    """The stack's store for a user the stack names; a refusal is logged before it is raised."""
    from dpaguard.gate.stack import break_glass_store, check_store_path, journal, load_trust
    from dpaguard.gate.totp import check_user, load_key
    from dpaguard.project import find_root

    try:
        check_user(args.user)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    trust = load_trust(find_root(args.root), args.stack)
    log = journal(trust)
    # an unreadable key file or a store the stack does not name: refused, and logged (OUS-6.b)
    with refusals_logged(log, {"action": action, "who": args.user}):
        key = load_key(args.key_file)
        check_store_path(trust, args.store)
        store = break_glass_store(trust, args.user, key, log)
    return store, log


def run_enroll(args: argparse.Namespace) -> int:
    from dpaguard.errors import DpaGuardError
    from dpaguard.gate.totp import AlreadyEnrolled, new_secret

    _check_stdout_shows(args.qr)
    store, log = _store(args, "totp.enroll")
    with refusals_logged(log, {"action": "totp.enroll", "who": args.user}):
        # loading the store also checks it against the audit log (rollback, a broken log) before
        # anything is shown
        if args.user in store.users() and not args.force:
            raise AlreadyEnrolled(f"{args.user} is already enrolled; replacing the secret needs --force")
    # Shown first, stored second: a new secret nobody saw (stdout full, closed, /dev/null) must
    # never replace a working one. The store then records the change in the audit log before it
    # writes; if either fails, the old secret stays and the one shown is void.
    secret = new_secret()
    uri = store.provisioning_uri(args.user, secret)
    try:
        sys.stdout.write(uri + "\n")
        if args.qr:
            import qrcode

            code = qrcode.QRCode(border=2)
            code.add_data(uri)
            code.make(fit=True)
            code.print_ascii(out=sys.stdout, invert=True)
        sys.stdout.flush()
    except OSError as exc:
        raise InputError(f"cannot show the new secret on stdout ({exc.strerror or exc}); nothing enrolled, "
                         "the old secret (if any) still works") from None
    try:
        with refusals_logged(log, {"action": "totp.enroll", "who": args.user}):
            store.enroll(args.user, replace=args.force, secret=secret)
    except DpaGuardError as exc:
        raise DpaGuardError(f"{exc.message}; the secret shown above was NOT enrolled", exc.exit_code) from None
    print(f"enrolled: {args.user} (scan or store the URI above now; it is not shown again)", file=sys.stderr)
    return 0


def _check_stdout_shows(qr: bool) -> None:
    """Refuse before anything changes if stdout cannot show the new secret to a person."""
    import os
    import stat

    if sys.stdout is None:  # Python's stdout when descriptor 1 was closed: print() would drop the secret
        raise InputError("stdout is closed: the new secret could not be shown; nothing enrolled")
    try:
        info: os.stat_result | None = os.fstat(sys.stdout.fileno())
        null: os.stat_result | None = os.stat(os.devnull)
    except (OSError, ValueError):
        info = null = None  # not a real descriptor (a test's capture): writing will tell
    if info is not None and null is not None and stat.S_ISCHR(info.st_mode) and info.st_rdev == null.st_rdev:
        raise InputError(f"stdout is {os.devnull}: the new secret would be lost; nothing enrolled")
    if qr:
        # checked before enrolling: a secret nobody could scan would be a wasted enrolment
        try:
            "\u2588\u2580\u2584".encode(sys.stdout.encoding or "ascii")
        except (UnicodeEncodeError, LookupError):
            raise UsageError("this terminal cannot show a QR code (needs UTF-8); enrol without --qr") from None


def run_verify(args: argparse.Namespace) -> int:
    code = args.code
    if code == "-":
        from dpaguard.files import read_stdin

        code = read_stdin(64, line=True).rstrip("\r\n")
    store, log = _store(args, "totp.verify")
    # the store records its decisions itself; a store it refuses to read (rolled back) is logged here
    with refusals_logged(log, {"action": "totp.verify", "who": args.user}):
        result = store.verify(args.user, code)
    if not result.allowed:
        raise Refused(f"TOTP code refused for {args.user} ({result.reason_code}): {result.reason}")
    print(f"accepted: TOTP code for {args.user}")
    return 0


def run_unlock(args: argparse.Namespace) -> int:
    store, log = _store(args, "totp.unlock")
    with refusals_logged(log, {"action": "totp.unlock", "who": args.user}):
        unlocked = store.unlock(args.user)
    if not unlocked:
        raise refusal(log, {"action": "totp.unlock", "who": args.user}, Refused(f"{args.user} is not enrolled"))
    print(f"unlocked: {args.user}")
    return 0


def run_keygen(args: argparse.Namespace) -> int:
    from dpaguard.files import output_path
    from dpaguard.gate.keys import key_id
    from dpaguard.gate.totp import write_key_file

    key = write_key_file(output_path(args.key_file, "--key-file"))
    print(f"wrote a new TOTP store key to {args.key_file}; keep it apart from the store. "
          f"Pin it in the stack: gate.totpKeyId: {key_id(key)}")
    return 0
