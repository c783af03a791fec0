"""Stand-in for ``passerelle.utils.jsonresponse``: ``APIError`` (PUBLIK-CONTRACTS.md, "Passerelle")."""

from django.utils.encoding import force_str


class APIError(RuntimeError):
    """Raised by an endpoint: answered ``{"err": 1, "err_desc": message, "data": data}`` with ``http_status``."""

    def __init__(self, message, http_status=200, data=None):
        super().__init__(message)
        self.http_status = http_status
        self.data = data

    def __str__(self):
        # A lazy translation given as message renders in the request's language.
        return force_str(self.args[0])
