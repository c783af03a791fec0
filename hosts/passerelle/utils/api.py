"""Stand-in for ``passerelle.utils.api``: the ``@endpoint`` decorator of connector methods."""


class endpoint:
    """Declare a connector method as a web endpoint.

    The decorated method is served at ``/<connector-slug>/<instance-slug>/<name>``
    (``name`` defaults to the method name) and called as
    ``method(self, request, **params)``, the parameters coming from the query
    string (and, for POST, from a form-encoded body). ``perm='can_access'``
    restricts it to the API users granted that right on the instance;
    ``perm=None`` leaves it open. ``methods`` lists the accepted HTTP methods in
    lower case (``['get']`` by default; HEAD is served as GET). ``pattern`` is a
    regular expression matched against the rest of the path after the name; its
    named groups become parameters. The description arguments feed the
    connector's documentation page, which the stand-in does not render.
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
        pattern=None,
        example_pattern=None,
    ):
        self.name = name
        self.perm = perm
        self.methods = [method.lower() for method in (methods or ['get'])]
        self.description = description
        self.long_description = long_description
        self.display_order = display_order
        self.display_category = display_category
        self.parameters = parameters or {}
        self.pattern = pattern
        self.example_pattern = example_pattern
        self.func = None

    def __call__(self, func):
        self.func = func
        if not self.name:
            self.name = func.__name__
        func.endpoint_info = self
        return func
