"""Stand-in for ``passerelle.utils``: the ``@endpoint`` decorator and ``APIError``."""
