"""Separation of data by agreement and controller, and what each store may hold (OUS-2, OUS-3, OUS-4.2, ECG-3, ECG-6)."""
