"""Stand-in for w.c.s. (``wcs``), Publik's form engine: the contract "The w.c.s. stand-in" of ``docs/hosts.rst``.

Only the signed list of the forms an agent may submit in back office and
the page a back-office submission link opens; never shipped. Settings:
``WCS_FORMDEFS``, the forms (``slug``, ``title``, optional ``category`` and
``description``, and ``backoffice_submission_roles``: names of the Django
groups whose members may submit the form in back office), and
``WCS_API_SECRETS``, ``{orig: secret}`` of the services allowed to call the
API (w.c.s.'s ``[api-secrets]`` site options).
"""
