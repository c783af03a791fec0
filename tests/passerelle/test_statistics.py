"""The connector's call statistics, in Publik's statistics format.

The format is the one w.c.s., lingo and authentic serve (seen in their
sources, docs/statistics.rst): an index ``{"err": 0, "data": [{"id", "name",
"url", "filters"}]}`` whose filters are ``{"id", "label", "options": [{"id",
"label"}], "required", "default", "multiple"}``, and for each statistic
``{"err": 0, "data": {"x_labels": [...], "series": [{"label", "data"}]}}``.
The tests check every key and its type, then the figures. The site's time
zone is Europe/Paris (UTC+1 in winter, +2 in summer), its language French.
"""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from passerelle.base.signature import sign_url

from passerelle_phonecalls import statistics
from passerelle_phonecalls.models import Call, CallTotal

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo('Europe/Paris')
BASE = '/phonecalls/ipbx/'
KEY = 'apikey=abcdef'
KIND_LABELS = ['Numéro externe', 'Poste interne', 'Numéro masqué', 'Appelant illisible']


def at(*args):
    """An aware datetime in the site's time zone."""
    return datetime.datetime(*args, tzinfo=PARIS)


def get(app, path, status=200):
    separator = '&' if '?' in path else '?'
    return app.get(BASE + path + separator + KEY, status=status).json


@pytest.fixture
def finished_call(call_factory):
    """A finished call from ``caller`` to ``callee`` started at ``start`` and lasting ``seconds``."""

    def factory(start, seconds=60, **overrides):
        return call_factory(start=start, end=start + datetime.timedelta(seconds=seconds), **overrides)

    return factory


def assert_filter_format(filter_):
    assert set(filter_) == {'id', 'label', 'options', 'required', 'default', 'multiple'}
    assert isinstance(filter_['id'], str) and isinstance(filter_['label'], str) and filter_['label']
    assert isinstance(filter_['required'], bool) and isinstance(filter_['multiple'], bool)
    assert isinstance(filter_['options'], list)
    for option in filter_['options']:
        assert set(option) == {'id', 'label'}
        assert isinstance(option['id'], str) and isinstance(option['label'], str)
    option_ids = [option['id'] for option in filter_['options']]
    assert filter_['default'] is None or filter_['default'] in option_ids


def assert_statistic_format(answer):
    assert set(answer) == {'err', 'data'} and answer['err'] == 0
    data = answer['data']
    assert set(data) == {'x_labels', 'series'}
    assert isinstance(data['x_labels'], list) and isinstance(data['series'], list) and data['series']
    for serie in data['series']:
        assert set(serie) == {'label', 'data'}
        assert isinstance(serie['label'], str) and serie['label']
        assert len(serie['data']) == len(data['x_labels'])
        assert all(
            value is None or (isinstance(value, int) and not isinstance(value, bool))
            for value in serie['data']
        )


# The index.


def test_index_lists_the_three_statistics_in_the_format(app, api_user, call_factory):
    call_factory()
    answer = get(app, 'statistics')
    assert set(answer) == {'err', 'data'} and answer['err'] == 0
    assert [statistic['id'] for statistic in answer['data']] == ['calls', 'total_duration', 'mean_duration']
    for statistic in answer['data']:
        assert set(statistic) - {'data_type'} == {'id', 'name', 'url', 'filters'}
        assert isinstance(statistic['name'], str) and statistic['name']
        for filter_ in statistic['filters']:
            assert_filter_format(filter_)
        assert [filter_['id'] for filter_ in statistic['filters']] == ['time_interval', 'callee', 'kind']
    assert [statistic.get('data_type') for statistic in answer['data']] == [None, 'seconds', 'seconds']


def test_index_gives_absolute_urls_that_answer_each_statistic(app, api_user, call_factory):
    call_factory()
    for statistic in get(app, 'statistics')['data']:
        assert statistic['url'].startswith('http://testserver/phonecalls/ipbx/statistics-')
        path = statistic['url'].removeprefix('http://testserver' + BASE)
        assert_statistic_format(get(app, path))


def test_index_urls_are_the_same_with_a_trailing_slash(app, api_user):
    with_slash = app.get(BASE + 'statistics/?' + KEY).json['data']
    assert [statistic['url'] for statistic in with_slash] == [
        statistic['url'] for statistic in get(app, 'statistics')['data']
    ]


def test_time_interval_filter_offers_publik_intervals_month_by_default(app, api_user):
    time_interval = get(app, 'statistics')['data'][0]['filters'][0]
    assert [option['id'] for option in time_interval['options']] == [
        'day',
        'month',
        'year',
        'weekday',
        'hour',
        'none',
    ]
    assert (time_interval['required'], time_interval['default'], time_interval['multiple']) == (
        True,
        'month',
        False,
    )


def test_extension_filter_offers_the_extensions_with_calls_in_natural_order(app, api_user, finished_call):
    for callee in ('100', '42', '43', '42'):
        finished_call(at(2024, 3, 1, 10, 0), callee=callee)
    callee_filter = get(app, 'statistics')['data'][0]['filters'][1]
    assert callee_filter['options'] == [
        {'id': '42', 'label': '42'},
        {'id': '43', 'label': '43'},
        {'id': '100', 'label': '100'},
    ]
    assert (callee_filter['required'], callee_filter['default'], callee_filter['multiple']) == (
        False,
        None,
        True,
    )


def test_kind_filter_offers_every_kind_and_all_by_default(app, api_user):
    kind_filter = get(app, 'statistics')['data'][0]['filters'][2]
    assert [option['id'] for option in kind_filter['options']] == [
        '_all',
        'external',
        'internal',
        'withheld',
        'unreadable',
    ]
    assert kind_filter['default'] == '_all'


def test_extensions_of_another_connector_are_not_offered(app, api_user, call_factory, connector_factory):
    call_factory(resource=connector_factory(slug='other'), callee='77')
    assert get(app, 'statistics')['data'][0]['filters'][1]['options'] == []


# Access.


@pytest.mark.parametrize('path', ['statistics', 'statistics-calls', 'statistics-mean-duration'])
def test_statistics_are_refused_without_a_key(app, api_user, path):
    answer = app.get(BASE + path, status=403).json
    assert answer['err'] == 1


def test_statistics_are_served_to_a_signed_request(app, connector, api_user_factory, call_factory):
    api_user_factory(connector, username='combo.ville.example', keytype='SIGN', key='shared-secret')
    call_factory(start=at(2024, 3, 14, 9, 0))
    url = sign_url(BASE + 'statistics-calls?time_interval=year&orig=combo.ville.example', 'shared-secret')
    answer = app.get(url).json
    assert answer['data']['x_labels'] == ['2024']


# Calls answered.


def test_calls_by_month_list_every_month_between_the_first_and_the_last(app, api_user, finished_call):
    finished_call(at(2024, 1, 5, 10, 0))
    finished_call(at(2024, 1, 20, 10, 0), caller='anonymous')
    finished_call(at(2024, 3, 1, 10, 0), caller='42')
    answer = get(app, 'statistics-calls')
    assert_statistic_format(answer)
    assert answer['data'] == {
        'x_labels': ['2024-01', '2024-02', '2024-03'],
        'series': [
            {'label': 'Numéro externe', 'data': [1, 0, 0]},
            {'label': 'Poste interne', 'data': [0, 0, 1]},
            {'label': 'Numéro masqué', 'data': [1, 0, 0]},
            {'label': 'Appelant illisible', 'data': [0, 0, 0]},
        ],
    }


def test_calls_count_every_kind_of_caller(app, api_user, finished_call):
    start = at(2024, 3, 14, 9, 0)
    for caller in ('0143250135', '+33 6 12 34 56 78', '42', 'anonymous', '01 43 25 01 35 x12'):
        finished_call(start, caller=caller)
    series = get(app, 'statistics-calls?time_interval=none')['data']['series']
    assert [(serie['label'], serie['data']) for serie in series] == list(
        zip(KIND_LABELS, [[2], [1], [1], [1]], strict=True)
    )


def test_open_calls_are_answered_calls(app, api_user, call_factory):
    call_factory(start=at(2024, 3, 14, 9, 0))
    assert get(app, 'statistics-calls?time_interval=none')['data']['series'][0]['data'] == [1]


def test_calls_by_day_fill_the_days_without_calls_with_zero(app, api_user, finished_call):
    finished_call(at(2024, 3, 1, 10, 0))
    finished_call(at(2024, 3, 3, 10, 0))
    data = get(app, 'statistics-calls?time_interval=day')['data']
    assert data['x_labels'] == ['2024-03-01', '2024-03-02', '2024-03-03']
    assert data['series'][0]['data'] == [1, 0, 1]


def test_calls_by_year(app, api_user, finished_call):
    finished_call(at(2023, 12, 31, 23, 30))
    finished_call(at(2024, 1, 1, 0, 30))
    data = get(app, 'statistics-calls?time_interval=year')['data']
    assert data['x_labels'] == ['2023', '2024']
    assert data['series'][0]['data'] == [1, 1]


def test_calls_by_weekday_list_the_seven_days_from_monday(app, api_user, finished_call):
    finished_call(at(2024, 3, 11, 10, 0))  # a Monday
    finished_call(at(2024, 3, 17, 10, 0))  # a Sunday
    finished_call(at(2024, 3, 18, 10, 0))  # the next Monday
    data = get(app, 'statistics-calls?time_interval=weekday')['data']
    assert data['x_labels'] == ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche']
    assert data['series'][0]['data'] == [2, 0, 0, 0, 0, 0, 1]


def test_calls_by_hour_list_the_24_hours_as_numbers(app, api_user, finished_call):
    finished_call(at(2024, 3, 11, 9, 59))
    finished_call(at(2024, 3, 12, 9, 0))
    finished_call(at(2024, 3, 12, 17, 45))
    data = get(app, 'statistics-calls?time_interval=hour')['data']
    assert data['x_labels'] == list(range(24))
    assert data['series'][0]['data'][9] == 2 and data['series'][0]['data'][17] == 1
    assert sum(data['series'][0]['data']) == 3


def test_time_slots_are_the_sites_local_time(app, api_user, finished_call):
    # 23:30 UTC on 10 March is 00:30 on 11 March in Paris.
    finished_call(datetime.datetime(2024, 3, 10, 23, 30, tzinfo=datetime.UTC))
    day = get(app, 'statistics-calls?time_interval=day')['data']
    assert day['x_labels'] == ['2024-03-11']
    hour = get(app, 'statistics-calls?time_interval=hour')['data']
    assert hour['series'][0]['data'][0] == 1


def test_time_interval_none_gives_one_slot(app, api_user, finished_call):
    finished_call(at(2023, 5, 1, 10, 0))
    finished_call(at(2024, 3, 1, 10, 0))
    data = get(app, 'statistics-calls?time_interval=none')['data']
    assert data['x_labels'] == ['']
    assert data['series'][0]['data'] == [2]


def test_no_calls_give_empty_dated_slots(app, api_user):
    for time_interval, labels in (('month', []), ('weekday', 7), ('hour', 24), ('none', [''])):
        data = get(app, f'statistics-calls?time_interval={time_interval}')['data']
        assert len(data['x_labels']) == (labels if isinstance(labels, int) else len(labels))
        assert all(not any(serie['data']) for serie in data['series'])


def test_calls_of_another_connector_are_not_counted(app, api_user, finished_call, connector_factory):
    finished_call(at(2024, 3, 1, 10, 0))
    finished_call(at(2024, 3, 1, 10, 0), resource=connector_factory(slug='other'))
    assert get(app, 'statistics-calls?time_interval=none')['data']['series'][0]['data'] == [1]


# Durations.


def test_total_duration_is_the_seconds_of_the_finished_calls(app, api_user, finished_call, call_factory):
    finished_call(at(2024, 3, 1, 10, 0), seconds=90)
    finished_call(at(2024, 3, 1, 11, 0), seconds=30, caller='anonymous')
    finished_call(at(2024, 3, 3, 10, 0), seconds=45)
    call_factory(start=at(2024, 3, 3, 11, 0), caller='0612345678')  # still open: no duration yet
    answer = get(app, 'statistics-total-duration?time_interval=day')
    assert_statistic_format(answer)
    assert answer['data'] == {
        'x_labels': ['2024-03-01', '2024-03-02', '2024-03-03'],
        'series': [{'label': 'Durée totale des appels', 'data': [120, 0, 45]}],
    }


def test_mean_duration_is_null_where_no_call_ended(app, api_user, finished_call, call_factory):
    finished_call(at(2024, 3, 1, 10, 0), seconds=90)
    finished_call(at(2024, 3, 1, 11, 0), seconds=31, caller='anonymous')
    call_factory(start=at(2024, 3, 2, 11, 0), caller='0612345678')
    finished_call(at(2024, 3, 3, 10, 0), seconds=45)
    answer = get(app, 'statistics-mean-duration?time_interval=day')
    assert_statistic_format(answer)
    assert answer['data'] == {
        'x_labels': ['2024-03-01', '2024-03-02', '2024-03-03'],
        'series': [{'label': 'Durée moyenne des appels', 'data': [60, None, 45]}],
    }


def test_durations_of_one_kind_of_caller(app, api_user, finished_call):
    finished_call(at(2024, 3, 1, 10, 0), seconds=100)
    finished_call(at(2024, 3, 1, 11, 0), seconds=20, caller='anonymous')
    data = get(app, 'statistics-total-duration?time_interval=none&kind=withheld')['data']
    assert data['series'][0]['data'] == [20]


# Filters.


def test_period_includes_its_start_day_and_excludes_its_end_day(app, api_user, finished_call):
    finished_call(at(2024, 2, 29, 23, 59))
    finished_call(at(2024, 3, 1, 0, 0))
    finished_call(at(2024, 3, 31, 23, 59))
    finished_call(at(2024, 4, 1, 0, 0))
    data = get(app, 'statistics-calls?time_interval=none&start=2024-03-01&end=2024-04-01')['data']
    assert data['series'][0]['data'] == [2]


def test_period_bounds_may_be_dates_and_times(app, api_user, finished_call):
    finished_call(at(2024, 3, 1, 9, 0))
    finished_call(at(2024, 3, 1, 14, 0))
    data = get(app, 'statistics-calls?time_interval=none&start=2024-03-01T12:00:00%2B01:00')['data']
    assert data['series'][0]['data'] == [1]
    data = get(app, 'statistics-calls?time_interval=none&end=2024-03-01T12:00')['data']
    assert data['series'][0]['data'] == [1]


def test_empty_filters_count_as_absent(app, api_user, finished_call):
    finished_call(at(2024, 3, 1, 9, 0))
    data = get(app, 'statistics-calls?time_interval=&start=&end=&callee=&kind=')['data']
    assert data['x_labels'] == ['2024-03']


def test_extension_filter_keeps_the_calls_of_the_extensions_given(app, api_user, finished_call):
    finished_call(at(2024, 3, 1, 9, 0), callee='42')
    finished_call(at(2024, 3, 1, 9, 0), callee='43')
    finished_call(at(2024, 3, 1, 9, 0), callee='44')
    one = get(app, 'statistics-calls?time_interval=none&callee=42')['data']
    assert one['series'][0]['data'] == [1]
    two = get(app, 'statistics-calls?time_interval=none&callee=42&callee=44')['data']
    assert two['series'][0]['data'] == [2]


def test_kind_filter_keeps_one_series(app, api_user, finished_call):
    finished_call(at(2024, 3, 1, 9, 0))
    finished_call(at(2024, 3, 1, 9, 0), caller='anonymous')
    data = get(app, 'statistics-calls?time_interval=none&kind=withheld')['data']
    assert data['series'] == [{'label': 'Numéro masqué', 'data': [1]}]


@pytest.mark.parametrize(
    'query, parameter',
    [
        ('time_interval=week', 'time_interval'),
        ('start=2024-13-01', 'start'),
        ('start=yesterday', 'start'),
        ('end=01/03/2024', 'end'),
        ('start=0001-01-01', 'start'),
        ('end=9999-12-31T23:59:59', 'end'),
        ('start=2024-03-02&end=2024-03-01', 'end'),
        ('start=2024-03-01&end=2024-03-01', 'end'),
        ('kind=mobile', 'kind'),
        ('callee=4%002', 'callee'),
        ('callee=' + '4' * 65, 'callee'),
        ('&'.join(f'callee={n}' for n in range(51)), 'callee'),
    ],
)
def test_bad_filter_values_are_refused_with_400_naming_the_parameter(app, api_user, query, parameter):
    for endpoint in ('statistics-calls', 'statistics-total-duration', 'statistics-mean-duration'):
        answer = get(app, f'{endpoint}?{query}', status=400)
        assert answer['err'] == 1
        assert f"'{parameter}'" in answer['err_desc']


def test_bad_time_interval_says_what_is_expected_in_the_sites_language(app, api_user):
    answer = get(app, 'statistics-calls?time_interval=week', status=400)
    assert answer['err_desc'] == (
        "paramètre 'time_interval' invalide : il doit valoir day, month, year, weekday, hour ou none."
    )


# Settled quarter hours are counted once, into totals.


def calls_by_day(app, query=''):
    data = get(app, 'statistics-calls?time_interval=day' + query)['data']
    return dict(
        zip(data['x_labels'], zip(*(serie['data'] for serie in data['series']), strict=True), strict=True)
    )


def test_old_and_recent_calls_are_counted_together(app, api_user, finished_call, call_factory):
    now = timezone.now()
    old = finished_call(now - datetime.timedelta(days=2), seconds=100)
    recent = finished_call(now - datetime.timedelta(minutes=5), seconds=20, caller='0612345678')
    call_factory(start=now - datetime.timedelta(minutes=1), caller='0699999999')
    answer = get(app, 'statistics-calls?time_interval=none')['data']
    assert answer['series'][0]['data'] == [3]
    assert CallTotal.objects.filter(resource=old.resource).count() == 1
    mean = get(app, 'statistics-mean-duration?time_interval=none')['data']['series'][0]['data']
    assert mean == [round((100 + 20) / 2)] and recent.end


def test_totals_give_the_same_figures_as_the_calls(app, api_user, finished_call):
    # All extensions are read from the totals, chosen extensions from the calls: both must agree.
    now = timezone.now()
    callees = ['42', '43', '44']
    for number in range(40):
        start = now - datetime.timedelta(hours=number * 7, minutes=number)
        caller = ['0143250135', '42', 'anonymous', '01 43 x'][number % 4]
        finished_call(start, seconds=30 + number, caller=caller, callee=callees[number % 3])
    only_callees = '&' + '&'.join(f'callee={callee}' for callee in callees)
    for endpoint in ('statistics-calls', 'statistics-total-duration', 'statistics-mean-duration'):
        for time_interval in ('day', 'month', 'weekday', 'hour', 'none'):
            path = f'{endpoint}?time_interval={time_interval}'
            assert get(app, path)['data'] == get(app, path + only_callees)['data'], path
    assert CallTotal.objects.exists()


def test_a_period_cut_inside_a_quarter_hour_counts_each_call_once(app, api_user, finished_call):
    for minute in (0, 7, 14, 15, 29):
        finished_call(at(2024, 3, 1, 10, minute), caller=f'06000000{minute:02d}')
    data = get(app, 'statistics-calls?time_interval=none&start=2024-03-01T10:07&end=2024-03-01T10:20')['data']
    assert data['series'][0]['data'] == [3]


def test_totals_are_written_once(app, api_user, finished_call):
    finished_call(at(2024, 3, 1, 10, 0))
    finished_call(at(2024, 3, 1, 10, 5), caller='anonymous')
    for _round in range(3):
        assert get(app, 'statistics-calls?time_interval=none')['data']['series'][0]['data'] == [1]
    assert list(CallTotal.objects.values_list('kind', 'calls')) == [('external', 1), ('withheld', 1)]


def test_counting_the_same_quarter_hours_twice_keeps_one_total(connector, finished_call):
    finished_call(at(2024, 3, 1, 10, 0))
    now = timezone.now()
    statistics.summarise(connector, now)
    CallTotal.objects.all().delete()
    finished_call(at(2024, 3, 1, 11, 0), caller='anonymous')
    # Two requests that read "nothing counted yet" at the same time.
    statistics.summarise(connector, now)
    CallTotal.objects.filter(kind='withheld').delete()
    statistics.summarise(connector, now)
    assert sorted(CallTotal.objects.values_list('kind', 'calls')) == [('external', 1), ('withheld', 1)]


def test_a_call_open_within_the_maximum_duration_is_not_yet_in_the_totals(
    app, connector, api_user, call_factory
):
    call = call_factory(start=timezone.now() - datetime.timedelta(minutes=connector.max_call_duration - 5))
    assert get(app, 'statistics-mean-duration?time_interval=none')['data']['series'][0]['data'] == [None]
    call.end = call.start + datetime.timedelta(seconds=300)
    call.save()
    assert get(app, 'statistics-mean-duration?time_interval=none')['data']['series'][0]['data'] == [300]
    assert not CallTotal.objects.exists()


def test_totals_outlive_the_purge_of_the_calls(app, connector, api_user, finished_call):
    finished_call(timezone.now() - datetime.timedelta(days=90))
    get(app, 'statistics-calls?time_interval=none')
    assert connector.purge_old_calls() == 1
    assert get(app, 'statistics-calls?time_interval=none')['data']['series'][0]['data'] == [1]


# Cost.


def call_table_queries(app, path):
    """The answer to ``path`` and the statements it sent to the call and totals tables."""
    with CaptureQueriesContext(connection) as captured:
        answer = get(app, path)
    # The totals table's name starts with the call table's.
    return answer, [
        query['sql'] for query in captured.captured_queries if Call._meta.db_table in query['sql']
    ]


@pytest.fixture
def month_of_calls(finished_call):
    """``add(count)``: ``count`` finished calls in March 2024 on extensions 40 to 42."""

    def add(count):
        for day in range(1, count + 1):
            finished_call(
                at(2024, 3, 1 + day % 28, 10, day % 60), caller=f'06{day:08d}', callee=str(40 + day % 3)
            )

    return add


@pytest.fixture
def recent_calls(finished_call):
    """``add(count)``: ``count`` calls of the last hour, not settled yet."""

    def add(count):
        now = timezone.now()
        for number in range(count):
            finished_call(now - datetime.timedelta(minutes=number % 60), caller=f'07{number:08d}')

    return add


STATISTIC_ENDPOINTS = ['statistics-calls', 'statistics-total-duration', 'statistics-mean-duration']
TIME_INTERVALS = ['day', 'month', 'year', 'weekday', 'hour', 'none']


@pytest.mark.parametrize('count', [5, 40])
@pytest.mark.parametrize('endpoint', STATISTIC_ENDPOINTS)
@pytest.mark.parametrize('time_interval', TIME_INTERVALS)
def test_a_statistic_costs_four_queries_however_many_calls(
    app, connector, api_user, month_of_calls, recent_calls, count, endpoint, time_interval
):
    month_of_calls(count)
    statistics.catch_up(connector)
    recent_calls(count)
    answer, queries = call_table_queries(app, f'{endpoint}?time_interval={time_interval}')
    # The newest total; the first call not counted yet (there is none before
    # the settled bound); the totals of the period; the calls after them.
    assert len(queries) == 4, queries
    assert answer['err'] == 0


@pytest.mark.parametrize('count', [5, 40])
def test_counting_new_settled_quarter_hours_costs_two_more_queries(app, api_user, month_of_calls, count):
    month_of_calls(count)
    answer, queries = call_table_queries(app, 'statistics-calls?time_interval=none')
    # The newest total; the first call not counted yet; the counting (of a
    # week at most); the insert of the totals; the totals of the period; the
    # calls after them.
    assert len(queries) == 6, queries
    assert sum(answer['data']['series'][0]['data']) == count


def test_a_request_counts_at_most_a_week_into_totals(app, connector, api_user, month_of_calls):
    month_of_calls(28)
    assert get(app, 'statistics-calls?time_interval=none')['data']['series'][0]['data'] == [28]
    counted = list(CallTotal.objects.order_by('start').values_list('start', flat=True))
    # The first call is on 1 March at 10:28: counted from its quarter hour, for a week.
    assert counted[0] == at(2024, 3, 1, 10, 15)
    assert counted[-1] < at(2024, 3, 8, 10, 15) and len(counted) < 28
    statistics.catch_up(connector)
    assert CallTotal.objects.count() == 28
    assert get(app, 'statistics-calls?time_interval=none')['data']['series'][0]['data'] == [28]


@pytest.mark.parametrize('time_interval', TIME_INTERVALS)
def test_a_statistic_of_chosen_extensions_costs_one_query(app, api_user, month_of_calls, time_interval):
    month_of_calls(20)
    answer, queries = call_table_queries(
        app, f'statistics-calls?time_interval={time_interval}&callee=41&callee=42'
    )
    assert len(queries) == 1, queries
    assert answer['err'] == 0


def test_the_index_costs_one_query_however_many_extensions(app, api_user, finished_call):
    for number in range(30):
        finished_call(at(2024, 3, 1, 10, 0), caller=f'06{number:08d}', callee=str(100 + number))
    answer, queries = call_table_queries(app, 'statistics')
    assert len(queries) == 1, queries
    assert len(answer['data'][0]['filters'][1]['options']) == 30


# Plans (PostgreSQL): what a chart asks for reads the calls through indexes.


@pytest.fixture
def history(connector):
    """20,000 finished calls over 500 extensions and the last 60 days, counted into totals, analysed."""
    table = Call._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (resource_id, caller, callee, call_id, kind, caller_key, caller_e164,
                                     caller_national, caller_display, start, "end", details)
            SELECT %s, caller, (1000 + n %% 500)::text, 'id-' || n,
                   (ARRAY['external', 'internal', 'withheld', 'unreadable'])[1 + n %% 4], caller, '', '', caller,
                   start, start + (30 + n %% 600) * interval '1 second', '{{}}'::jsonb
            FROM (
                SELECT n, '06' || lpad((n * 7919 %% 100000000)::text, 8, '0') AS caller,
                       now() - (n * 4 %% 86400) * interval '1 minute' AS start
                FROM generate_series(1, 20000) AS n
            ) AS generated""",
            [connector.pk],
        )
    statistics.catch_up(connector)
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE {table}')
        cursor.execute(f'ANALYZE {CallTotal._meta.db_table}')
    return connector


def plans_of(function):
    """Run ``function``; return ``(sql, plan)`` of each statement it sent to the call and totals tables."""
    with CaptureQueriesContext(connection) as captured:
        function()
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            if Call._meta.db_table in query['sql'] and query['sql'].startswith('SELECT'):
                cursor.execute('EXPLAIN ' + query['sql'])
                plans.append((query['sql'], '\n'.join(row[0] for row in cursor.fetchall())))
    assert plans
    return plans


def filters(query):
    return statistics.clean_filters(QueryDict(query))


@pytest.mark.postgresql
def test_statistics_read_the_calls_through_indexes(history):
    today = timezone.localdate()
    month = f'&start={today - datetime.timedelta(days=30)}&end={today + datetime.timedelta(days=1)}'
    for time_interval in TIME_INTERVALS:
        for query in ('', month, '&callee=1042', '&callee=1042&callee=1043&kind=external' + month):
            chosen = filters(f'time_interval={time_interval}{query}')
            plans = plans_of(
                lambda chosen=chosen: statistics.statistic_data(history, statistics.CALLS, chosen)
            )
            # The totals are a few rows per quarter hour: reading a month of
            # them whole can be the planner's right choice; the calls never.
            for sql, plan in plans:
                assert f'Seq Scan on {Call._meta.db_table} ' not in plan, f'{sql}\n{plan}'
                assert f'Seq Scan on {Call._meta.db_table}\n' not in plan + '\n', f'{sql}\n{plan}'


@pytest.mark.postgresql
def test_counting_new_quarter_hours_reads_the_calls_through_an_index(history):
    later = timezone.now() + datetime.timedelta(hours=3)
    plans = plans_of(lambda: statistics.summarise(history, later))
    # The newest total, the first call not counted, the counting.
    assert len(plans) == 3
    for sql, plan in plans:
        assert 'Seq Scan' not in plan, f'{sql}\n{plan}'
        assert 'Index' in plan, f'{sql}\n{plan}'


# The migration that adds the totals.


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_the_stored_calls_into_totals():
    executor = MigrationExecutor(connection)
    app = 'passerelle_phonecalls'
    try:
        executor.migrate([(app, '0002_caller_reading_and_call_id')])
        old = executor.loader.project_state([(app, '0002_caller_reading_and_call_id')]).apps
        connector = old.get_model(app, 'PhoneCalls').objects.create(title='IPBX', slug='ipbx')
        start = timezone.now() - datetime.timedelta(days=20)
        for days in (0, 9, 18):
            old.get_model(app, 'Call').objects.create(
                resource=connector,
                caller='0143250135',
                callee='42',
                call_id=f'c{days}',
                kind='external',
                caller_key='+33143250135',
                start=start + datetime.timedelta(days=days),
                end=start + datetime.timedelta(days=days, seconds=60),
            )
        executor = MigrationExecutor(connection)
        executor.migrate([(app, '0004_statistics_index')])
        assert sorted(CallTotal.objects.values_list('calls', 'finished', 'seconds')) == [(1, 1, 60)] * 3
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes(app))
