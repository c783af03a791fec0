"""Stand-in for ``passerelle.base.management.commands``."""
