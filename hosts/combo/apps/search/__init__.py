"""Stand-in for ``combo.apps.search``: the search cell."""
