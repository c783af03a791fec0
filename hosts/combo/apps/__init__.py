"""Stand-in for ``combo.apps``, the package of Combo's cell apps (PUBLIK-CONTRACTS.md, "Combo")."""
