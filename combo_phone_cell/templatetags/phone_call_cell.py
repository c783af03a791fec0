"""Template tags of the cell's settings form."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def extension_to_test(context, cell):
    """The extension the settings form tests by default: the viewer's own, else the one last tested at save.

    The viewer's own needs the request in the template's context (Django's
    ``request`` context processor); without either, '' and the
    administrator types one.
    """
    request = context.get('request')
    own = cell.agent_extension(request) if request is not None else None
    return own or cell.last_check.get('extension') or ''
