"""dpa-guard: the Azure infrastructure of two Norwegian data processing agreements, and its enforcer."""

__version__ = "0.1.0"
