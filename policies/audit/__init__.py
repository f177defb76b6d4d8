"""The audit trail: logs in Norway with retention, and breach alerts to the people the agreements name.

Clauses OUS-6.a, OUS-6.b and ECG-8.
"""
