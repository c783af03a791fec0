"""Stand-in for ``passerelle.utils.jsonresponse``: the error an endpoint raises to answer ``err: 1``."""

from django.utils.encoding import force_str


class APIError(RuntimeError):
    """An error the endpoint reports to its caller.

    The generic endpoint view answers it with HTTP ``http_status`` (200 unless
    told otherwise) and the body ``{"err": err, "err_class":
    "passerelle.utils.jsonresponse.APIError", "err_desc": message, "data": data}``.
    With ``log_error=True`` the message is also logged as an error on the
    connector's logger.
    """

    def __init__(self, message, http_status=200, err=1, data=None, log_error=False):
        super().__init__(message)
        self.http_status = http_status
        self.err = err
        self.data = data
        self.log_error = log_error

    def __str__(self):
        # A lazy translation given as message must render as text.
        return force_str(self.args[0]) if self.args else ''
