# Installed by python3-passerelle-phonecalls: enables the phone calls (IPBX)
# connector for every Passerelle tenant.
#
# Passerelle executes the files of /etc/passerelle/settings.d/ in name order,
# in the namespace of its settings, where INSTALLED_APPS and TENANT_APPS are
# tuples. The checks make a second inclusion, or an app already listed by a
# local file, harmless.
#
# This is a conffile: your changes are kept on upgrade. To disable the
# connector without losing its data, see
# /usr/share/doc/python3-passerelle-phonecalls/README.Debian.
# ruff: noqa: F821

from importlib.util import find_spec as _find_spec

# After "apt remove" (without purge) this file stays but the app is gone:
# enabling it then would stop Passerelle from starting.
if _find_spec('passerelle_phonecalls') is not None:
    if 'passerelle_phonecalls' not in INSTALLED_APPS:
        INSTALLED_APPS += ('passerelle_phonecalls',)
    # A Passerelle without hobo's multi-tenancy has no TENANT_APPS.
    if 'TENANT_APPS' in globals() and 'passerelle_phonecalls' not in TENANT_APPS:
        TENANT_APPS += ('passerelle_phonecalls',)
    PASSERELLE_APP_PASSERELLE_PHONECALLS_ENABLED = True

del _find_spec
