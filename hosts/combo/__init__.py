"""Stand-in for Combo (``combo``), Publik's portal engine.

Only the small part of Combo's API that ``combo_phone_cell`` plugs into is
mirrored here, following ``PUBLIK-CONTRACTS.md``; nothing here is shipped.
"""
