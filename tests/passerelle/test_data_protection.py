"""Data protection: the retention purge deletes exactly what it should; a citizen's calls can be
exported and erased on request."""

import datetime
import io
import json
import logging
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

import passerelle_phonecalls
from passerelle_phonecalls.models import Call
from passerelle_phonecalls.privacy import (
    NumberRequestError,
    calls_of_number,
    erase_calls_of_number,
    export_calls_of_number,
)
from tests.passerelle.support import record_figures

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2025, 3, 14, 9, 30, tzinfo=datetime.UTC)
EXAMPLES = {}

# Offsets of a finished call's end from the purge cutoff: anywhere within ten
# days either side, and the boundary itself to the microsecond.
END_OFFSETS = st.one_of(
    st.integers(min_value=-10 * 86400, max_value=10 * 86400).map(lambda s: datetime.timedelta(seconds=s)),
    st.sampled_from([datetime.timedelta(microseconds=m) for m in (-1, 0, 1)]),
)
FINISHED = st.tuples(st.just('finished'), END_OFFSETS, st.integers(min_value=0, max_value=4 * 3600))
# Open calls may have started long before the cutoff: a forgotten hang-up is never purged.
OPEN = st.tuples(st.just('open'), st.integers(min_value=0, max_value=800 * 86400), st.just(0))


@pytest.fixture(scope='module', autouse=True)
def examples_figures():
    yield
    record_figures(f'hypothesis-{connection.vendor}', EXAMPLES)


@pytest.fixture
def annexe(connector_factory):
    """Another connector, whose calls only its own daily job may delete."""
    return connector_factory(slug='ipbx-annexe', title='IPBX annexe', data_retention_period=1)


@settings(database=None)
@given(
    history=st.lists(st.one_of(FINISHED, OPEN), max_size=25),
    other_history=st.lists(FINISHED, max_size=5),
    retention=st.integers(min_value=1, max_value=400),
)
def test_purge_deletes_exactly_the_finished_calls_older_than_the_retention_period(
    connector, annexe, history, other_history, retention
):
    EXAMPLES['purge'] = EXAMPLES.get('purge', 0) + 1
    Call.objects.all().delete()
    connector.data_retention_period = retention
    connector.save()
    cutoff = NOW - datetime.timedelta(days=retention)
    calls, expected_kept = [], set()
    for index, (state, offset, duration) in enumerate(history):
        caller = f'06{index:08d}'
        if state == 'open':
            calls.append(
                Call(
                    resource=connector,
                    caller=caller,
                    caller_key=caller,
                    callee='42',
                    start=NOW - datetime.timedelta(seconds=offset),
                )
            )
            expected_kept.add(caller)
            continue
        end = cutoff + offset
        calls.append(
            Call(
                resource=connector,
                caller=caller,
                caller_key=caller,
                callee='42',
                start=end - datetime.timedelta(seconds=duration),
                end=end,
            )
        )
        if end >= cutoff:
            expected_kept.add(caller)
    for index, (_state, offset, _duration) in enumerate(other_history):
        # Far older than the annexe's one day: only the annexe's own daily job may delete them.
        end = NOW - datetime.timedelta(days=30) + offset
        calls.append(
            Call(
                resource=annexe,
                caller=f'07{index:08d}',
                caller_key=f'07{index:08d}',
                callee='42',
                start=end,
                end=end,
            )
        )
    Call.objects.bulk_create(calls)

    with mock.patch('django.utils.timezone.now', return_value=NOW):
        connector.daily()

    assert set(Call.objects.filter(resource=connector).values_list('caller', flat=True)) == expected_kept
    assert Call.objects.filter(resource=annexe).count() == len(other_history)


@pytest.fixture
def citizen_calls(connector_factory, connector, call_factory):
    """Calls of 01 43 25 01 35 written every way IPBXs write it, and calls of other people."""
    annexe = connector_factory(slug='ipbx-annexe', title='IPBX annexe')

    def at(hours, **fields):
        return call_factory(start=NOW + datetime.timedelta(hours=hours), **fields)

    calls = {
        'raw': call_factory(caller='0143250135', start=NOW, end=NOW + datetime.timedelta(minutes=3)),
        'spaced': call_factory(
            caller='01 43 25 01 35',
            callee='43',
            start=NOW + datetime.timedelta(hours=1),
            end=NOW + datetime.timedelta(hours=1, minutes=1),
            details={'queue': 'accueil'},
        ),
        'e164': at(2, caller='+33143250135'),
        'sip': at(3, caller='sip:0143250135@pbx.mairie.local;user=phone', callee='44'),
        'display name': at(4, caller='"Camille Martin" <sip:+33143250135@10.0.0.1>', callee='45'),
        'gateway': at(5, caller='0143250135@10.0.0.1', callee='46'),
        'annexe': at(6, resource=annexe, caller='0033 1 43 25 01 35'),
        # Traces of the number elsewhere than in the caller.
        'as callee': at(7, caller='42', callee='0143250135'),
        'in details': at(8, caller='0612345670', details={'forwarded_from': '+33 1 43 25 01 35'}),
        'in call id': at(9, caller='anonymous', call_id='0143250135-1700000000'),
        'unreadable commas': at(10, caller='0143250135,,12'),
        'unreadable extension': at(11, caller='0143250135 x12'),
    }
    others = [
        call_factory(caller='0143250136', start=NOW),
        call_factory(caller='anonymous', start=NOW),
        call_factory(resource=annexe, caller='0612345678', start=NOW),
        # The number's digits, but not all of them together.
        call_factory(
            caller='0612345678', call_id='1700000000.42', details={'queue': '01 43 25 01 36'}, start=NOW
        ),
    ]
    return calls, others


def export(*args, **options):
    out = io.StringIO()
    with translation.override('en'):
        call_command('phonecalls_export', *args, stdout=out, **options)
    return json.loads(out.getvalue())


def erase(*args, **options):
    out = io.StringIO()
    with translation.override('en'):
        call_command('phonecalls_erase', *args, stdout=out, **options)
    return out.getvalue().strip()


@pytest.mark.parametrize(
    'number', ['0143250135', '01 43 25 01 35', '+33 1 43 25 01 35', '01.43.25.01.35', 'tel:+33143250135']
)
def test_export_finds_the_calls_of_a_number_however_it_or_they_are_written(citizen_calls, number):
    calls, _others = citizen_calls
    exported = export(number=number)
    assert exported['number'] == number
    assert [call['id'] for call in exported['calls']] == [call.pk for call in calls.values()]


def test_export_gives_every_stored_field_of_each_call(citizen_calls):
    calls, _others = citizen_calls
    exported = export('--number', '0143250135', '--connector', 'ipbx')
    assert datetime.datetime.fromisoformat(exported['exported_at']).utcoffset() is not None
    spaced = exported['calls'][1]
    assert spaced == {
        'connector': 'ipbx',
        'id': calls['spaced'].pk,
        'caller': '01 43 25 01 35',
        'callee': '43',
        'call_id': None,
        'kind': 'external',
        'caller_display': '01 43 25 01 35',
        'caller_national': '0143250135',
        'caller_e164': '+33143250135',
        'withheld': False,
        'start': timezone.localtime(calls['spaced'].start).isoformat(),
        'end': timezone.localtime(calls['spaced'].end).isoformat(),
        'duration': 60,
        'details': {'queue': 'accueil'},
        'on_call_with': None,
        'transferred_from': None,
        'found_in': ['caller'],
    }
    assert exported['calls'][2]['end'] is None


def test_export_tells_where_each_call_holds_the_number(citizen_calls):
    calls, _others = citizen_calls
    found_in = {call['id']: call['found_in'] for call in export(number='01 43 25 01 35')['calls']}
    assert {name: found_in[call.pk] for name, call in calls.items()} == {
        'raw': ['caller'],
        'spaced': ['caller'],
        'e164': ['caller'],
        'sip': ['caller'],
        'display name': ['caller'],
        'gateway': ['caller'],
        'annexe': ['caller'],
        'as callee': ['callee'],
        'in details': ['details'],
        'in call id': ['call_id'],
        'unreadable commas': ['caller'],
        'unreadable extension': ['caller'],
    }


def test_export_states_what_it_cannot_find_apart_from_the_json(citizen_calls):
    out, err = io.StringIO(), io.StringIO()
    with translation.override('en'):
        call_command('phonecalls_export', number='0143250135', stdout=out, stderr=err)
    assert json.loads(out.getvalue())['calls']
    assert 'Not searched' in err.getvalue()
    assert 'access log' in err.getvalue()


def test_export_can_be_limited_to_one_connector(citizen_calls):
    calls, _others = citizen_calls
    exported = export(number='0143250135', connector='ipbx-annexe')
    assert [(call['connector'], call['id']) for call in exported['calls']] == [
        ('ipbx-annexe', calls['annexe'].pk)
    ]


def test_export_of_a_number_without_calls_is_an_empty_list(citizen_calls):
    assert export(number='0699999999')['calls'] == []


def test_export_and_erase_read_numbers_in_each_connectors_region(connector_factory, call_factory):
    brussels = connector_factory(slug='ipbx-bruxelles', title='IPBX Bruxelles', default_region='BE')
    call = call_factory(resource=brussels, caller='+32 2 555 12 34')
    assert [found.pk for found in calls_of_number('02 555 12 34')] == [call.pk]
    assert erase_calls_of_number('025551234', 'ipbx-bruxelles')['calls'] == 1
    assert not Call.objects.exists()


@pytest.mark.parametrize('command', ['phonecalls_export', 'phonecalls_erase'])
@pytest.mark.parametrize('number', ['anonymous', 'Masqué', 'sip:anonymous@anonymous.invalid', '', '   '])
def test_withheld_or_empty_number_is_refused_as_it_names_no_one(citizen_calls, command, number):
    with translation.override('en'), pytest.raises(CommandError, match='withheld|empty'):
        call_command(command, number=number, stdout=io.StringIO())
    assert Call.objects.count() == 16


@pytest.mark.parametrize('command', ['phonecalls_export', 'phonecalls_erase'])
def test_unknown_connector_is_refused(citizen_calls, command):
    with translation.override('en'), pytest.raises(CommandError, match='no phone calls connector "standard"'):
        call_command(command, number='0143250135', connector='standard', stdout=io.StringIO())
    assert Call.objects.count() == 16


def test_erase_deletes_every_call_of_the_number_and_nothing_else(citizen_calls):
    calls, others = citizen_calls
    output = erase('--number', '+33143250135')
    assert output.splitlines()[:2] == [
        '12 calls deleted.',
        'Found as the caller: 9, as the callee: 1, in a call identifier: 1, in the details: 1 '
        '(a call may hold it in several places).',
    ]
    assert 'Not searched' in output
    assert set(Call.objects.all()) == set(others)


@pytest.mark.parametrize(
    'params',
    [
        {'caller': '42', 'callee': '0143250135'},
        {'caller': '0612345678', 'callee': '42', 'forwarded_from': '0143250135'},
        {'caller': '0612345678', 'callee': '42', 'call_id': '0143250135-1700000000'},
        {'caller': '0612345678', 'callee': '42', 'uniqueid': '1700000000.1', 'linkedid': '0143250135.7'},
        {'caller': '0143250135,,12', 'callee': '42'},
        {'caller': '0143250135 x12', 'callee': '42'},
        {'caller': '+33 (0)1 43 25 01 35 poste 12', 'callee': '42'},
    ],
    ids=['callee', 'details', 'call-id', 'linked-id', 'commas', 'extension-suffix', 'national-prefix'],
)
def test_erase_finds_the_number_wherever_the_ipbx_put_it(app, api_user, params):
    app.get('/phonecalls/ipbx/call-start', params={**params, 'apikey': 'abcdef'})
    app.get(
        '/phonecalls/ipbx/call-start', params={'caller': '0143250136', 'callee': '42', 'apikey': 'abcdef'}
    )
    assert erase(number='+33 1 43 25 01 35').startswith('1 call deleted.')
    assert list(Call.objects.values_list('caller', flat=True)) == ['0143250136']


def test_erase_deletes_open_calls_and_a_later_stop_is_harmless(app, api_user, citizen_calls):
    erase(number='0143250135')
    resp = app.get('/phonecalls/ipbx/call-stop?caller=%2B33143250135&callee=42&apikey=abcdef')
    assert resp.json['data']['open_call'] is False


def test_erase_can_be_limited_to_one_connector(citizen_calls):
    calls, others = citizen_calls
    assert erase(number='0143250135', connector='ipbx').splitlines()[0] == '11 calls deleted.'
    assert set(Call.objects.all()) == {calls['annexe'], *others}


def test_erase_dry_run_counts_and_deletes_nothing(citizen_calls):
    output = erase(number='0143250135', dry_run=True)
    assert output.splitlines()[0] == '12 calls would be deleted (dry run, nothing deleted).'
    assert Call.objects.count() == 16


def test_erase_of_a_number_without_calls_deletes_nothing(citizen_calls):
    assert erase(number='0699999999').splitlines()[0] == '0 calls deleted.'
    assert Call.objects.count() == 16


def test_export_and_erase_log_counts_but_never_the_number(citizen_calls, caplog):
    caplog.set_level(logging.INFO, logger='passerelle')
    export(number='0143250135')
    erase(number='0143250135')
    logged = [(record.levelno, record.getMessage()) for record in caplog.records]
    assert (logging.INFO, 'export: 11 call(s) of a number exported on request') in logged
    assert (logging.INFO, 'erase: 11 call(s) of a number deleted on request') in logged
    assert '43250135' not in caplog.text
    assert '43 25 01 35' not in caplog.text


@pytest.mark.skipif(
    not (Path(passerelle_phonecalls.__file__).parent / 'locale/fr/LC_MESSAGES/django.mo').exists(),
    reason='French catalogue not compiled: make messages',
)
def test_commands_speak_french_on_a_french_site(citizen_calls):
    out = io.StringIO()
    with translation.override('fr'):
        call_command('phonecalls_erase', number='0143250135', dry_run=True, stdout=out)
        with pytest.raises(CommandError, match='numéros masqués'):
            call_command('phonecalls_export', number='anonyme', stdout=io.StringIO())
        lines = out.getvalue().strip().splitlines()
    assert lines[0] == "12 appels seraient supprimés (simulation, rien n'a été supprimé)."
    assert lines[1].startswith('Trouvé comme appelant : 9, comme appelé : 1')
    assert lines[2].startswith('Non recherché')


def test_plain_functions_refuse_a_withheld_number():
    with pytest.raises(NumberRequestError):
        export_calls_of_number('unknown')
    with pytest.raises(NumberRequestError):
        erase_calls_of_number('private')


@pytest.mark.parametrize('command', ['phonecalls_export', 'phonecalls_erase'])
@pytest.mark.parametrize('number', ['01\u034f43250135', '0143250135\u3164', '0' * 65])
def test_number_the_connector_would_refuse_is_refused(citizen_calls, command, number):
    with translation.override('en'), pytest.raises(CommandError, match='invisible'):
        call_command(command, number=number, stdout=io.StringIO())
    assert Call.objects.count() == 16


def test_export_and_the_calls_endpoint_find_every_writing_the_ipbx_sent(app, api_user):
    """The right of access covers what the agent saw, however the IPBX wrote the number."""
    writings = [
        '+33143250135',
        'sip:0143250135@pbx.mairie.local;user=phone',
        '"Camille Martin" <sip:+33143250135@10.0.0.1>',
        'tel:+33-1-43-25-01-35',
    ]
    stored = []
    for writing in writings:
        params = {'caller': writing, 'callee': '42', 'apikey': 'abcdef'}
        stored.append(app.get('/phonecalls/ipbx/call-start', params=params).json['data']['id'])
        app.get('/phonecalls/ipbx/call-stop', params=params)
    app.get(
        '/phonecalls/ipbx/call-start', params={'caller': '0612345678', 'callee': '42', 'apikey': 'abcdef'}
    )
    # The writing with an invisible character is refused, so nothing hides from the request.
    refused = app.get(
        '/phonecalls/ipbx/call-start',
        params={'caller': '01\u034f43250135', 'callee': '42', 'apikey': 'abcdef'},
        status=400,
    )
    assert "'caller'" in refused.json['err_desc']

    assert [call['id'] for call in export(number='0143250135')['calls']] == stored
    data = app.get(
        '/phonecalls/ipbx/calls', params={'callee': '42', 'caller': '0143250135', 'apikey': 'abcdef'}
    ).json['data']
    assert data['current'] == []
    assert [call['id'] for call in data['past']] == stored[::-1]
