"""Stand-in for ``passerelle.base.migrations``."""
