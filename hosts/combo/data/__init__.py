"""Stand-in for ``combo.data``: pages, the cell base class and the cell registry."""
