"""Stand-in for the ``passerelle`` package (Entr'ouvert's Passerelle connector hub).

Only the small part of Passerelle that third-party connectors touch is here,
following ``/work/shared/design/PUBLIK-CONTRACTS.md``; it is put on
``sys.path`` by ``hosts/standins.py`` only when the real Passerelle is not
importable.
"""
