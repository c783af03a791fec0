"""Stand-in for Combo (``combo``), Publik's portal engine.

It implements the "Combo" section of the project's PUBLIK-CONTRACTS.md
(``CellBase`` and ``register_cell_class``, pages, plugin URLs, the cell form
of the manager, the search cell and the user search it runs, the settings
file) and nothing more; the choices it had to make are listed in
``docs/hosts.rst``. Never shipped.
"""
