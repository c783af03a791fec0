"""Stand-in for ``passerelle.base``: API users, access rights, the connector base model and signatures."""
