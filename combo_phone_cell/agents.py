"""What a poll needs to know of its cell and of its agent, kept in the cache from one poll to the next.

Every open agent portal polls every second, all day, and between two polls
nothing of this changes: the cell's settings, whether the agent may use
the cell (its roles and its page's), the agent's extension. The first poll
of a session decides them with every access rule of ``views.agent_cell``;
the next ones read that decision from the cache, bound to the session and
its user, as long as nothing it rests on has changed.

What forgets it:
- any change of a cell, a page, a role, a user, or an agent's extension
  (saved through Django's ORM: the signals below renew the site's *stamp*,
  which every entry carries);
- the session's end (its key and its user are part of the check);
- time: a cell's settings are kept 5 s at most and an agent's decision
  30 s, in case a change bypasses the signals (a bulk update, a cache local
  to one process).
"""

import dataclasses

from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save

from . import host, store
from .models import AgentExtension, PhoneCallCell

STAMP_TIMEOUT = store.STAMP_TIMEOUT
# The widget retries a config_error every 5 s at most, so that an
# administrator's fix reaches every agent within 10 s (contract B).
CELL_TIMEOUT = 5
AGENT_TIMEOUT = 30


@dataclasses.dataclass(frozen=True)
class CellSettings:
    """The settings of a cell that a poll reads, without its credential (which never goes to the cache)."""

    pk: int
    connector_url: str
    connector_key: str
    poll_interval: int
    recent_calls: int
    search_value_format: str
    extension_attribute: str

    @classmethod
    def of(cls, cell):
        from .snapshot import connector_key

        return cls(
            pk=cell.pk,
            connector_url=cell.connector_url,
            connector_key=connector_key(cell),
            poll_interval=int(cell.poll_interval),
            recent_calls=int(cell.recent_calls),
            search_value_format=cell.search_value_format,
            extension_attribute=cell.extension_attribute,
        )

    def cell(self):
        """The cell itself, with its credential, for a request to the connector (one query)."""
        return PhoneCallCell.objects.get(pk=self.pk)


@dataclasses.dataclass(frozen=True)
class PollContext:
    """Who polls which cell: the cell's settings, the agent's user id and extension (None when unknown)."""

    cell: CellSettings
    user_id: str
    extension: str | None


def _keys(request, cell_pk):
    session_key = getattr(getattr(request, 'session', None), 'session_key', None)
    agent = store.site_key('agent', cell_pk, store.digest(session_key)) if session_key else None
    return store.site_key('stamp'), store.site_key('cell', cell_pk), agent


def _session_user(request):
    """The user id and password hash the session was opened with (Django's own session keys), or Nones."""
    session = getattr(request, 'session', None)
    if session is None:
        return None, None
    user_id = session.get(SESSION_KEY)
    return (str(user_id) if user_id is not None else None), session.get(HASH_SESSION_KEY)


def _profile_extension(request, settings):
    """The value of the agent's profile attribute that the cell reads, as the session holds it (no query)."""
    if not settings.extension_attribute:
        return None
    return host.user_attribute(request, settings.extension_attribute)


def _stamp(stamp_key, known):
    """The site's current stamp: ``known`` when the cache gave one, else a new one (or the one just set)."""
    if known is not None:
        return known
    stamp = store.new_token()
    if store.add(stamp_key, stamp, STAMP_TIMEOUT) is False:
        return store.get(stamp_key) or stamp
    return stamp


def poll_context(request, cell_pk, agent_cell):
    """``(PollContext, None)`` for an agent who may poll the cell ``cell_pk``, else ``(None, refusal)``.

    ``agent_cell(request, cell_pk)`` is the view's access check, run
    whenever the cache does not hold a decision made under the current
    stamp for this session and this user; its refusals are never kept.
    """
    stamp_key, cell_key, agent_key = _keys(request, cell_pk)
    entries = store.get_many([key for key in (stamp_key, cell_key, agent_key) if key]) or {}
    stamp = entries.get(stamp_key)
    user_id, session_hash = _session_user(request)
    cell_entry, agent_entry = entries.get(cell_key), entries.get(agent_key)
    if (
        stamp is not None
        and user_id is not None
        and cell_entry is not None
        and agent_entry is not None
        and cell_entry['stamp'] == stamp
        and agent_entry['stamp'] == stamp
        and agent_entry['user'] == (user_id, session_hash)
        and agent_entry['attribute'] == _profile_extension(request, cell_entry['settings'])
    ):
        return PollContext(cell_entry['settings'], user_id, agent_entry['extension']), None

    cell, refusal = agent_cell(request, cell_pk)
    if refusal is not None:
        return None, refusal
    stamp = _stamp(stamp_key, stamp)
    settings = CellSettings.of(cell)
    extension = cell.agent_extension(request)
    store.set_many({cell_key: {'stamp': stamp, 'settings': settings}}, CELL_TIMEOUT)
    if agent_key and user_id is not None:
        entry = {
            'stamp': stamp,
            'user': (user_id, session_hash),
            'attribute': _profile_extension(request, settings),
            'extension': extension,
        }
        store.set_many({agent_key: entry}, AGENT_TIMEOUT)
    return PollContext(settings, str(request.user.pk), extension), None


def forget_decisions(**kwargs):
    """Signal receiver: something a poll's decision rests on changed, so every decision of the site is renewed."""
    if kwargs.get('update_fields') and set(kwargs['update_fields']) <= {'last_login'}:
        # Django saves the user at every login for this field alone.
        return
    store.renew_site_stamp()


def connect_signals():
    """Connect ``forget_decisions`` to the changes of what polls rest on (called once, by the app's ``ready``)."""
    page_model = PhoneCallCell._meta.get_field('page').related_model
    for model in {PhoneCallCell, AgentExtension, page_model, Group, get_user_model()}:
        post_save.connect(
            forget_decisions, sender=model, dispatch_uid=f'phone-call-cell-save-{model._meta.label}'
        )
        post_delete.connect(
            forget_decisions, sender=model, dispatch_uid=f'phone-call-cell-delete-{model._meta.label}'
        )
    # Roles of users, cells and pages are many-to-many relations: any of them.
    m2m_changed.connect(forget_decisions, dispatch_uid='phone-call-cell-m2m')
