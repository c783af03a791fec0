"""Stand-in for ``passerelle.base``: API users, access rights and the connector base model."""
