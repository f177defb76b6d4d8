"""Checks run before `dpaguard deploy` touches anything."""
