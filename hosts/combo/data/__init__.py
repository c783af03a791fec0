"""Stand-in for ``combo.data``: pages and the cell base class."""
