"""Offline evaluation of the policy pack, input readers and report formats."""
