"""Stand-ins for the parts of Passerelle, Combo and w.c.s. the product touches.

Nothing here is shipped: tests and the demo put this folder on ``sys.path``
only when a real host is not importable (see :func:`hosts.standins.use`).
"""
