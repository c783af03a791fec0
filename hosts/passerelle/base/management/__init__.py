"""Stand-in for ``passerelle.base.management``: the ``cron`` command (PUBLIK-CONTRACTS.md, "Passerelle")."""
