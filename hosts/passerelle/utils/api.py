"""Stand-in for ``passerelle.utils.api``: ``@endpoint`` (PUBLIK-CONTRACTS.md, "Passerelle")."""


class endpoint:
    """Serve a connector method at ``/<connector>/<slug>/<name>``, called ``method(self, request, **params)``.

    ``perm='can_access'`` restricts it to the API users granted that right on
    the instance, ``perm=None`` leaves it open; ``methods`` are lower case
    (``['get']`` by default, HEAD served as GET). The documentation arguments
    feed the connector's page, which the stand-in does not render.
    """

    def __init__(
        self,
        name=None,
        perm=None,
        methods=None,
        description=None,
        long_description=None,
        display_order=0,
        display_category=None,
        parameters=None,
    ):
        self.name = name
        self.perm = perm
        self.methods = [method.lower() for method in methods or ['get']]
        self.description = description
        self.long_description = long_description
        self.display_order = display_order
        self.display_category = display_category
        self.parameters = parameters or {}

    def __call__(self, func):
        self.name = self.name or func.__name__
        self.func = func
        func.endpoint_info = self
        return func
