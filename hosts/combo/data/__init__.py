"""Stand-in for ``combo.data``: pages, the cell base class, the cell registry (PUBLIK-CONTRACTS.md, "Combo")."""
