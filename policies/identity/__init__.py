"""Entra ID: Conditional Access (MFA, managed devices, no legacy protocols) and group membership.

Clauses OUS-6.1.c, OUS-6.1.d and OUS-7.
"""
