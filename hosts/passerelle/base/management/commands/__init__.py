"""Stand-in for Passerelle's management commands: ``cron`` (PUBLIK-CONTRACTS.md, "Passerelle")."""
