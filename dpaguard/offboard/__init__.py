"""Offboarding a controller: export, inventory, permanent deletion, verification and a signed certificate.

OUS-9 and ECG-11 demand that everything held for a controller is deleted when its agreement ends,
ECG-11 a written confirmation of how, OUS-4.1/OUS-5 each recording gone beyond recovery once
scored, ECG-6R/OUS-11 the controller's data handed back on request.

Modules (imported directly):
  targets      which accounts and containers the stack names for a controller; endpoint and credential
  blobs        inventory (blobs, snapshots, versions, soft-deleted items), deletion, the store's settings
  protection   whether the store's settings would keep a recoverable copy longer than the agreement permits
  journal      the resumable record of one run
  export       the packaged copy with its manifest
  run          the run itself, phase by phase
  gates        the identity and tunnel gates of `dpaguard deploy`, reused
  certificate  the signed deletion certificate (NIST SP 800-88 Rev. 1, Appendix G, adapted)
"""
