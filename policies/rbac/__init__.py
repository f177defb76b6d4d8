"""Azure RBAC: least-privilege roles, narrow scopes, time-bound access (OUS-6.2, OUS-8, OUS-11, ECG-7)."""
