"""Breach notices (ECG-8, OUS-6.a): from an incident record to the notice each recipient must get.

Modules:
  incident  reading and checking the incident record (YAML), with its phased updates
  notice    recipients per agreement, the ECG-8 / GDPR art. 33(3) fields, the 72-hour clock, rendering
"""
