"""Stand-in for ``combo.data.library``: the registry of cell classes (PUBLIK-CONTRACTS.md, "Combo")."""

_cell_classes = {}


def register_cell_class(klass):
    """Class decorator making a concrete ``CellBase`` subclass a cell type, keyed ``<app_label>_<model_name>``."""
    _cell_classes[f'{klass._meta.app_label}_{klass._meta.model_name}'] = klass
    return klass


def get_cell_classes():
    return list(_cell_classes.values())


def get_cell_class(cell_type_str):
    return _cell_classes.get(cell_type_str)
