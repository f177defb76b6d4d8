"""Storage account hardening."""
