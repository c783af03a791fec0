"""Tests of the Passerelle stand-in: the host behaviour the connector relies on."""
