"""The administrators' page of who holds which extension, and the release of one."""

import logging

import pytest

from combo_phone_cell.models import AgentExtension

pytestmark = pytest.mark.django_db

URL = '/manage/phone-call-cell/extensions/'
# A CSRF secret as Django keeps it in the cookie; the same value is accepted in the form.
CSRF_TOKEN = 'Hq3mHPwv5SqgW6SExZLoqyyCWaTzR2Fa'


@pytest.fixture
def holder(user_factory, extension_factory):
    """Camille Martin holds extension 42 by self-service."""
    camille = user_factory('camille', first_name='Camille', last_name='Martin')
    return extension_factory(camille, '42')


@pytest.fixture
def admin_app(app, admin_user):
    app.set_user(admin_user)
    app.extra_environ['HTTP_ACCEPT_LANGUAGE'] = 'en'
    return app


def release(app, holding, extension=None, status=302):
    app.set_cookie('csrftoken', CSRF_TOKEN)
    values = {'release': holding.pk, 'extension': extension or holding.extension}
    return app.post(URL, {**values, 'csrfmiddlewaretoken': CSRF_TOKEN}, status=status)


def test_an_administrator_sees_who_holds_which_extension(admin_app, holder):
    response = admin_app.get(URL)

    rows = response.lxml.xpath('//tr[@data-extension]')
    assert [(row.get('data-extension'), row.xpath('./td[2]/text()')[0]) for row in rows] == [
        ('42', 'Camille Martin (camille)')
    ]


def test_an_administrator_releases_an_extension_and_it_is_logged(admin_app, holder, caplog):
    caplog.set_level(logging.INFO, logger='combo_phone_cell')

    response = release(admin_app, holder).follow()

    holder.refresh_from_db()
    assert (holder.extension, holder.released) == ('', '42')
    assert 'Extension 42 of Camille Martin (camille) is released' in response.text
    assert (
        'phone call extension: administrator admin released extension 42 of user camille' in caplog.messages
    )


def test_a_released_extension_can_be_taken_by_another_agent(admin_app, holder, agent):
    release(admin_app, holder)

    assert AgentExtension.store(agent, '42') == '42'


@pytest.mark.parametrize(
    'pk, extension', [('', '42'), ('abc', '42'), ('١', '42'), ('9' * 30, '42'), ('holder', '43')]
)
def test_a_release_naming_no_current_holding_releases_nothing(admin_app, holder, pk, extension):
    # '43': the holding changed since the page was shown.
    admin_app.set_cookie('csrftoken', CSRF_TOKEN)
    values = {'release': holder.pk if pk == 'holder' else pk, 'extension': extension}

    response = admin_app.post(URL, {**values, 'csrfmiddlewaretoken': CSRF_TOKEN})

    assert 'Nothing was released' in response.follow().text
    holder.refresh_from_db()
    assert holder.extension == '42'


def test_the_former_holder_is_told_in_their_cell(admin_app, holder, cell, search_cell_factory):
    search_cell_factory()
    release(admin_app, holder)
    admin_app.set_user(holder.user)

    page = admin_app.get('/')

    notice = page.lxml.xpath('//*[@data-role="extension-notice"]')
    assert len(notice) == 1
    assert 'released your extension 42' in notice[0].text_content()


def test_the_notice_goes_once_the_agent_sets_an_extension_again(admin_app, holder, cell):
    release(admin_app, holder)

    AgentExtension.store(holder.user, '43')

    assert AgentExtension.release_notice(holder.user) is None
