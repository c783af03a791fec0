"""Stand-in for ``combo.apps.search``: the search cell (PUBLIK-CONTRACTS.md, "Combo", search cell)."""
