"""Stand-in for ``passerelle.utils``: ``@endpoint`` and ``APIError`` (PUBLIK-CONTRACTS.md, "Passerelle")."""
