# Installed by python3-combo-phone-cell: enables the phone call cell for
# every Combo tenant.
#
# Combo executes the files of /etc/combo/settings.d/ in name order, in the
# namespace of its settings, where INSTALLED_APPS and TENANT_APPS are tuples.
# The checks make a second inclusion, or an app already listed by a local
# file, harmless.
#
# This is a conffile: your changes are kept on upgrade. To disable the cell
# without losing its data, see
# /usr/share/doc/python3-combo-phone-cell/README.Debian.
# ruff: noqa: F821

from importlib.util import find_spec as _find_spec

# After "apt remove" (without purge) this file stays but the app is gone:
# enabling it then would stop Combo from starting.
if _find_spec('combo_phone_cell') is not None:
    if 'combo_phone_cell' not in INSTALLED_APPS:
        INSTALLED_APPS += ('combo_phone_cell',)
    # A Combo without hobo's multi-tenancy has no TENANT_APPS.
    if 'TENANT_APPS' in globals() and 'combo_phone_cell' not in TENANT_APPS:
        TENANT_APPS += ('combo_phone_cell',)

del _find_spec
