"""Stand-in for ``combo.manager``: the back-office cell editing form."""
