"""Stand-in for ``combo.apps.search``: the user search cell."""
