"""Who may use each of the cell's views: one table of views, every refusal tried on each.

Each view is described once (URL, method, JSON or not, agent or staff view);
each case builds one refused request. A refused request gets its status
(JSON with ``err: 1`` where the view answers JSON), asks nothing of the
connector or of w.c.s., and changes no extension. An allowed request is
tried too, so that the refusals are measured against a request that works.
"""

import dataclasses

import pytest
from django.contrib.auth.models import Group

from combo_phone_cell.models import AgentExtension

pytestmark = pytest.mark.django_db

# A CSRF secret as Django keeps it in the cookie; the same value is accepted in the form.
CSRF_TOKEN = 'Hq3mHPwv5SqgW6SExZLoqyyCWaTzR2Fa'


@dataclasses.dataclass(frozen=True)
class View:
    name: str
    path: str  # ``{pk}`` is the cell's
    method: str = 'get'  # the method its page sends
    allow: str | None = None  # the Allow header of its 405; None: no 405 to try
    json: bool = False  # its refusals, 405 included, are JSON ``{"err": 1, "err_desc"}``
    states: bool = False  # its refusals say the widget's ``state``
    staff: bool = False  # staff only (else: any user who sees the cell)
    unknown_cell: bool = True  # it names a cell, which may not exist
    ok_status: int = 200
    anonymous_status: int = 403
    reads_only: bool = False  # asks no other service and changes nothing, even when allowed
    form: dict = dataclasses.field(default_factory=dict)  # what its page posts (and the holding to release)

    def url(self, cell_pk):
        return self.path.format(pk=cell_pk)


HOLDERS = View(
    'holders',
    '/manage/phone-call-cell/extensions/',
    allow='GET, POST',
    staff=True,
    unknown_cell=False,
    anonymous_status=302,
    reads_only=True,
)
VIEWS = [
    View('poll', '/api/phone-call-cell/{pk}/poll/', allow='GET', json=True, states=True),
    View('forms', '/api/phone-call-cell/{pk}/forms/', allow='GET', json=True, states=True),
    View(
        'set-extension',
        '/api/phone-call-cell/{pk}/extension/',
        method='post',
        allow='POST',
        json=True,
        ok_status=302,
        form={'extension': '44'},
    ),
    View(
        'check',
        '/api/phone-call-cell/{pk}/check/',
        method='post',
        allow='POST',
        json=True,
        staff=True,
        form={'phone_call_check_extension': '42'},
    ),
    # The health page takes any method: a POST is refused by the CSRF middleware, not a 405.
    View('health', '/manage/phone-call-cell/{pk}/health/', staff=True),
    HOLDERS,
    # The same page's POST, which releases an extension (its PUT is tried above).
    dataclasses.replace(
        HOLDERS,
        name='holders-release',
        method='post',
        allow=None,
        ok_status=302,
        reads_only=False,
        form={'extension': '42'},
    ),
]

# Cases refused by every agent view (a cell the user does not see) or every staff view (not staff).
AGENT_CASES = [
    'outside the cell roles',
    'outside the page roles',
    'outside a parent page roles',
    'cell for logged-out visitors only',
]


def cases(view):
    yield 'anonymous'
    yield from (['not staff'] if view.staff else AGENT_CASES)
    if view.unknown_cell:
        yield 'unknown cell'
    if view.allow:
        yield 'wrong method'
    if view.method == 'post':
        yield 'no CSRF token'


REFUSALS = [pytest.param(view, case, id=f'{view.name}-{case}') for view in VIEWS for case in cases(view)]


@pytest.fixture
def agent(user_factory, extension_factory):
    """The agent, on extension 42, known to w.c.s. by their email."""
    user = user_factory('agent', email='agent@ville.example')
    extension_factory(user, '42')
    return user


@pytest.fixture
def setup(page, cell_factory, connector, fake_wcs, agent, admin_user):
    """A cell that would ask the connector and w.c.s. and let the agent change their extension."""
    return cell_factory(forms_offer='all', self_service=True)


def footprint(connector, fake_wcs):
    """What a request may ask or change: the connector's and w.c.s.'s requests, and the extensions held."""
    return (
        list(connector.received),
        list(fake_wcs.received),
        dict(AgentExtension.objects.values_list('user__username', 'extension')),
    )


def send(app, view, cell, user, method=None, csrf=True, cell_pk=None):
    """``view``'s request as its page sends it (form fields and CSRF token included), by ``user``."""
    if user is not None:
        app.set_user(user)
    app.set_cookie('csrftoken', CSRF_TOKEN)
    method = method or view.method
    url = view.url(cell.pk if cell_pk is None else cell_pk)
    if method == 'get':
        return app.get(url, headers={'Accept': 'application/json'}, expect_errors=True)
    values = {**view.form, 'release': AgentExtension.objects.get(user__username='agent').pk}
    headers = {'Referer': 'http://testserver/'}
    if csrf:
        values['csrfmiddlewaretoken'] = CSRF_TOKEN
        # A PUT carries its token in the header, as the CSRF middleware reads no PUT body.
        headers['X-CSRFToken'] = CSRF_TOKEN
    return getattr(app, method)(url, values, headers=headers, expect_errors=True)


@pytest.mark.parametrize('view', VIEWS, ids=[view.name for view in VIEWS])
def test_the_allowed_user_is_served(app, setup, connector, fake_wcs, agent, admin_user, view):
    before = footprint(connector, fake_wcs)

    response = send(app, view, setup, admin_user if view.staff else agent)

    assert response.status_int == view.ok_status
    # What a refused request must not do, the allowed one does: the refusals' check measures something.
    if not view.reads_only:
        assert footprint(connector, fake_wcs) != before


@pytest.mark.parametrize('view, case', REFUSALS)
def test_a_refused_request_is_answered_and_asks_or_changes_nothing(
    app, page_factory, setup, connector, fake_wcs, agent, admin_user, view, case
):
    cell, user, method, csrf, cell_pk = setup, agent, None, True, None
    if view.staff and case in ('unknown cell', 'wrong method', 'no CSRF token'):
        user = admin_user
    if case == 'anonymous':
        user = None
    elif case == 'outside the cell roles':
        cell.groups.add(Group.objects.create(name='Accueil téléphonique'))
    elif case == 'outside the page roles':
        cell.page.groups.add(Group.objects.create(name='Accueil téléphonique'))
    elif case == 'outside a parent page roles':
        parent = page_factory(title='Back-office', slug='agents')
        parent.groups.add(Group.objects.create(name='Agents'))
        cell.page.parent = parent
        cell.page.save()
    elif case == 'cell for logged-out visitors only':
        cell.restricted_to_unlogged = True
        cell.save()
    elif case == 'unknown cell':
        cell_pk = cell.pk + 1000
    elif case == 'wrong method':
        method = 'put' if ',' in view.allow else ('post' if view.method == 'get' else 'get')
    elif case == 'no CSRF token':
        csrf = False
    before = footprint(connector, fake_wcs)

    response = send(app, view, cell, user, method=method, csrf=csrf, cell_pk=cell_pk)

    status = {'anonymous': view.anonymous_status, 'unknown cell': 404, 'wrong method': 405}.get(case, 403)
    assert response.status_int == status
    if case == 'wrong method':
        assert response.headers['Allow'] == view.allow
    if status == 302:
        assert '/login/' in response.location
    # The CSRF middleware answers before the view, with Django's own page.
    if view.json and case != 'no CSRF token':
        assert response.content_type == 'application/json'
        assert response.json['err'] == 1
        assert response.json['err_desc']
    if view.states and case != 'wrong method':
        expected = {'anonymous': 'signed_out'}.get(case, 'config_error')
        assert response.json['state'] == expected
    if view.states and case == 'wrong method':
        assert 'state' not in response.json
    assert footprint(connector, fake_wcs) == before
