"""Stand-in for ``combo.data.library``, Combo's registry of cell classes.

A cell type exists for Combo once its class is decorated with
:func:`register_cell_class`; pages then gather cells of every registered class.
"""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

_cell_classes = {}


def get_cell_type_str(klass):
    """Key of a cell class in the registry, also the prefix of its cells' references."""
    return f'{klass._meta.app_label}_{klass._meta.model_name}'


def register_cell_class(klass):
    """Class decorator making a concrete ``CellBase`` subclass a cell type.

    Registering a second class under the same ``<app_label>_<model_name>`` key
    is a configuration error: two apps would fight over the same cells.
    """
    key = get_cell_type_str(klass)
    if key in _cell_classes:
        raise ImproperlyConfigured(
            f'{key!r} is already registered by {_cell_classes[key].__module__}.{_cell_classes[key].__name__}'
        )
    _cell_classes[key] = klass
    return klass


def get_cell_classes():
    """Every registered cell class, in registration order."""
    return list(_cell_classes.values())


def get_cell_class(cell_type_str):
    """The cell class registered under ``<app_label>_<model_name>``, or None."""
    return _cell_classes.get(cell_type_str)


def check_cell_templates(app_configs=None, **kwargs):
    """System check: every registered cell class's template can be loaded.

    Done as a check rather than at registration time because templates cannot
    be loaded while apps are still being imported.
    """
    errors = []
    for klass in get_cell_classes():
        if app_configs is not None and klass._meta.app_config not in app_configs:
            continue
        template_name = klass.default_template_name
        try:
            if not template_name:
                raise TemplateDoesNotExist('(no default_template_name)')
            get_template(template_name)
        except TemplateDoesNotExist:
            errors.append(
                checks.Error(
                    f'cell class {klass.__name__} has no loadable template {template_name!r}',
                    hint='Set default_template_name to a template of an installed app.',
                    obj=klass,
                    id='combo.E001',
                )
            )
    return errors
