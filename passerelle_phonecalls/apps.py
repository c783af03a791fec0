from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PasserellePhoneCallsConfig(AppConfig):
    """The connector app.

    Its label is not ``phonecalls`` because upstream Passerelle is believed to
    ship an app of that label; the connector's URLs keep the ``/phonecalls/``
    prefix through ``PhoneCalls.get_connector_slug()``.
    """

    name = 'passerelle_phonecalls'
    label = 'passerelle_phonecalls'
    verbose_name = _('Phone calls (IPBX connector)')
    default_auto_field = 'django.db.models.BigAutoField'
