"""The dpa-guard CrossGuard policy pack: every technical clause of both agreements as policy.

`policies.pack.POLICIES` is the explicit list; `__main__.py` only serves it to the Pulumi CLI.
"""
