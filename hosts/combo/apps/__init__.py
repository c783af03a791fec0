"""Stand-in for ``combo.apps``, the package holding Combo's optional cell apps."""
