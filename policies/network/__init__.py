"""The remote-access network: Entra ID point-to-site VPN with forced tunnelling, and NSGs (OUS-6.1.b/c/e)."""
