"""Template tags of the cell's settings form."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def own_extension(context, cell):
    """The extension the user viewing the settings form answers on, for ``cell``; '' when unknown.

    The settings form tests the connection with it by default. Needs the
    request in the template's context (Django's ``request`` context
    processor); without it, '' and the administrator types one.
    """
    request = context.get('request')
    if request is None:
        return ''
    return cell.agent_extension(request) or ''
