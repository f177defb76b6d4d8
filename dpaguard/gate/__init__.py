"""The access gate: Entra ID token verification, a TOTP second factor and an authenticated audit log.

Both agreements want only authorised staff to reach data and systems, with two factors over
insecure networks (OUS-6.1.a, OUS-6.1.d, OUS-6.2, ECG-7), and access logged so unlawful access
can be followed up (OUS-6.b). Conditional Access enforces MFA at sign-in; this package enforces it
again wherever dpa-guard itself grants something.

Modules (imported directly; nothing is re-exported so that one never pays for another):
  tokens  `TokenPolicy`, `verify_token(...) -> Decision`, `Reason`
  jwks    `JwksSource` (also importable from `tokens`)
  totp    `TotpStore`, `TotpConfig`, `Throttle`, `load_key` (a store bound to the audit log: no rollback)
  audit   `AuditLog`, `verify` (HMAC-SHA256 entries, checkpoints in a second directory)
  keys    key files and key ids (the SHA-256 a stack pins)
  stack   what a gate trusts, from the stack's config: `load_trust`, `key_source`, `token_policy`,
          `break_glass_store`, `journal`, `verify_stack_log`
"""
