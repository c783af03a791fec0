"""Stand-in for ``passerelle.base``: API users, access rights, ``BaseResource``, signatures (PUBLIK-CONTRACTS.md)."""
