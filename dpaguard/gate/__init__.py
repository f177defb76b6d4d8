"""The access gate: Entra ID token verification, a TOTP second factor and a hash-chained audit log.

Both agreements want only authorised staff to reach data and systems, with two factors over
insecure networks (OUS-6.1.a, OUS-6.1.d, OUS-6.2, ECG-7), and access logged so unlawful access
can be followed up (OUS-6.b). Conditional Access enforces MFA at sign-in; this package enforces it
again wherever dpa-guard itself grants something.

Modules (imported directly; nothing is re-exported so that one never pays for another):
  tokens  `TokenPolicy`, `verify_token(...) -> Decision`, `Reason`
  jwks    `JwksSource` (also importable from `tokens`)
  totp    `TotpStore`, `TotpConfig`, `Throttle`, `load_key`
  audit   `AuditLog`, `verify`
"""
