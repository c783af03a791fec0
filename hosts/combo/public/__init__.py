"""Stand-in for ``combo.public``: the public (portal) page views."""
