"""Stand-ins for the parts of Passerelle and Combo the product touches.

Nothing here is shipped: tests and the demo put this folder on ``sys.path``
only when the real hosts are not importable (see :func:`hosts.standins.use`).
"""
