"""`dpaguard totp`: the TOTP second factor for break-glass and operators without an Entra session.

  enroll --user U [--qr] [--force]   print the otpauth:// URI (and a terminal QR code)
  verify --user U --code C|-         exit 0 accepted, 1 refused (wrong, replayed, throttled, locked)
  unlock --user U                    clear a user's failures and lock
  keygen --key-file F                create a store key file (0600)

The store is encrypted with the key from --key-file or $DPAGUARD_TOTP_KEY; its path is --store,
else $DPAGUARD_TOTP_STORE, else out/totp.store. Enrol, verify and unlock are audit-logged.
"""

from __future__ import annotations

import argparse
import os
import sys

from dpaguard.commands.audit import add_audit_option, record
from dpaguard.errors import Refused, UsageError


def register(sub) -> None:
    parser = sub.add_parser("totp", help="TOTP second factor: enrol, verify, unlock",
                            description="TOTP second factor for break-glass and operators without an Entra session.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.required = True

    def store_options(action: argparse.ArgumentParser) -> None:
        action.add_argument("--user", required=True, metavar="U", help="the operator (UPN or account name)")
        action.add_argument("--store", metavar="PATH",
                            help="encrypted store (default: $DPAGUARD_TOTP_STORE, else out/totp.store)")
        action.add_argument("--key-file", metavar="F", help="store key file (default: $DPAGUARD_TOTP_KEY)")
        add_audit_option(action)

    enroll = actions.add_parser("enroll", help="create a secret and print its otpauth:// URI")
    store_options(enroll)
    enroll.add_argument("--qr", action="store_true", help="also print the URI as a QR code")
    enroll.add_argument("--force", action="store_true", help="replace an existing secret")
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


def _store(args: argparse.Namespace):
    from dpaguard.gate.totp import DEFAULT_STORE, STORE_ENV, TotpStore, check_user, load_key

    try:
        check_user(args.user)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    path = args.store or os.environ.get(STORE_ENV) or DEFAULT_STORE
    if path == DEFAULT_STORE:
        os.makedirs(os.path.dirname(DEFAULT_STORE), exist_ok=True)
    return TotpStore(path, load_key(args.key_file))


def run_enroll(args: argparse.Namespace) -> int:
    if args.qr:
        # checked before enrolling: a secret nobody could scan would be a wasted enrolment
        try:
            "\u2588\u2580\u2584".encode(sys.stdout.encoding or "ascii")
        except (UnicodeEncodeError, LookupError):
            raise UsageError("this terminal cannot show a QR code (needs UTF-8); enrol without --qr") from None
    store = _store(args)
    uri = store.enroll(args.user, replace=args.force)
    record(args, {"action": "totp.enroll", "decision": "done", "reason": "replaced" if args.force else "enrolled",
                  "who": args.user})
    print(uri)
    if args.qr:
        import qrcode

        code = qrcode.QRCode(border=2)
        code.add_data(uri)
        code.make(fit=True)
        code.print_ascii(out=sys.stdout, invert=True)
    return 0


def run_verify(args: argparse.Namespace) -> int:
    code = args.code
    if code == "-":
        code = sys.stdin.readline(64).rstrip("\r\n")
    store = _store(args)
    result = store.verify(args.user, code)
    record(args, {
        "action": "totp.verify",
        "decision": "allow" if result.allowed else "deny",
        "reason_code": str(result.reason_code),
        "reason": result.reason,
        "who": args.user,
        "failures": result.failures,
    })
    if not result.allowed:
        raise Refused(f"TOTP code refused for {args.user} ({result.reason_code}): {result.reason}")
    print(f"accepted: TOTP code for {args.user}")
    return 0


def run_unlock(args: argparse.Namespace) -> int:
    store = _store(args)
    if not store.unlock(args.user):
        raise Refused(f"{args.user} is not enrolled")
    record(args, {"action": "totp.unlock", "decision": "done", "reason": "failures and lock cleared",
                  "who": args.user})
    print(f"unlocked: {args.user}")
    return 0


def run_keygen(args: argparse.Namespace) -> int:
    from dpaguard.gate.totp import write_key_file

    write_key_file(args.key_file)
    print(f"wrote a new TOTP store key to {args.key_file}; keep it apart from the store")
    return 0
