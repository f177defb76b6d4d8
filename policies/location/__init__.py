"""Data residency: every resource and every replica in Norway (ECG-6, ECG-10, OUS-6.1.b)."""
