"""Stand-in for Passerelle (``passerelle``), Publik's connector hub.

It implements the "Passerelle" section of the project's PUBLIK-CONTRACTS.md
(imports, ``BaseResource``, ``@endpoint``, ``APIError``, URLs, access rights,
Publik signatures, cron hooks, the settings file) and nothing more; the
choices it had to make are listed in ``docs/hosts.rst``. Never shipped.
"""
