"""`dpaguard certificate verify FILE [--public-key F]` and `dpaguard certificate keygen --out F`.

verify: exit 0 the signature and the content hold, 1 tampered or inconsistent (the first fault is
named), 2 unreadable or neither --public-key nor --unpinned given. Anyone can sign a certificate
with a key of their own and put that key inside it, so a check is only worth something against the
processor's published key (--public-key); --unpinned checks integrity only and says so.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    parser = sub.add_parser("certificate", help="verify a deletion certificate, or make the processor's signing key",
                            description=(__doc__ or "").splitlines()[0])
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.required = True
    verify = actions.add_parser("verify", help="check signature and content; exit 0 valid, 1 tampered, 2 unreadable",
                                description="Check a deletion certificate's Ed25519 signature and its content.")
    verify.add_argument("file", metavar="FILE", help="the certificate JSON")
    verify.add_argument("--public-key", metavar="F", help="the processor's public key (PEM) to pin")
    verify.add_argument("--unpinned", action="store_true",
                        help="check only that the key inside the file signed it (proves nothing about who signed)")
    verify.set_defaults(run=run_verify)
    keygen = actions.add_parser("keygen", help="write a new Ed25519 signing key (outside the checkout)",
                                description="Write a new Ed25519 private key (0600) and its public half (F.pub).")
    keygen.add_argument("--out", required=True, metavar="F", help="where to write the private key")
    keygen.set_defaults(run=run_keygen)


def run_verify(args: argparse.Namespace) -> int:
    from dpaguard.errors import UsageError
    from dpaguard.offboard import certificate

    if bool(args.public_key) == bool(args.unpinned):
        raise UsageError("give --public-key PROCESSOR.pub (the key the processor published) or --unpinned")
    public = certificate.load_public_key(Path(args.public_key)) if args.public_key else None
    document = certificate.read(Path(args.file))
    key_id = certificate.verify(document, public)
    body = document["certificate"]
    pinned = "the given public key" if public is not None else \
        "only the key it carries (UNPINNED: anyone could have made it; pin the processor's key with --public-key)"
    until = body["sanitization"].get("recoverable_until")
    status = (f"deleted, recoverable only by the processor until {until} (interim)"
              if body["status"] == "deleted-recoverable" else "verified gone")
    print(f"certificate {args.file} valid: {body['operation']} of controller {body['controller']['id']} "
          f"({body['agreement']}), {status}, {body['inventory_before']['count']} item(s) before, "
          f"{body['inventory_after']['count']} after; signed by {key_id}, checked against {pinned}")
    return 0


def run_keygen(args: argparse.Namespace) -> int:
    from dpaguard.errors import DpaGuardError
    from dpaguard.offboard import certificate
    from dpaguard.project import find_root

    try:
        root: Path | None = find_root(None)
    except DpaGuardError:
        root = None
    public = certificate.generate_key(Path(args.out), root)
    print(f"wrote {args.out} (keep it secret) and {args.out}.pub (give it to controllers):\n{public}", end="")
    return 0
