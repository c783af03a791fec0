"""The SIP harness: the demo, Kamailio with ``contrib/ipbx/kamailio/kamailio.cfg``, SIPp phones and callers.

Run with ``.venv/bin/python -m pytest tests/ipbx --ds tests.settings.demo``.
One lab serves the whole session (starting it takes a few seconds):

    SIPp callers --INVITE/BYE--> Kamailio (127.0.0.1) --INVITE/BYE--> SIPp agent phones 42 and 43
                                    |
                                    | call-start / call-stop, from Kamailio's background workers
                                    v
                                 Publik proxy (tests/ipbx/publik.py: slow or down on demand)
                                    |
                                    v
                                 demo server (demo_serve, its own SQLite database)

Tests read what Publik recorded through the connector's ``calls`` endpoint,
as the agent portal does. Without ``kamailio`` or ``sipp`` the suite is
skipped, saying why, or fails when ``CI=true``.
"""

import os
import socket
import subprocess
import sys
import time
import types

import pytest
import requests

from tests.ipbx import day, lab
from tests.ipbx.publik import Publik
from tests.servers import free_port

API_KEY = lab.DEMO_API_KEY
# The connector's "maximum call duration" in this lab, in minutes: a call
# whose hang-up was lost leaves the agent's screen after it. One minute is the
# smallest the connector accepts; the test of that bound waits for it while
# the other tests run (see pytest_collection_modifyitems).
MAX_CALL_MINUTES = 1

# Figures measured during the session, printed at its end.
FIGURES = {}


def pytest_configure(config):
    config.addinivalue_line(
        'markers',
        'ipbx_order(when): "early", "late" or "last" in the session; the phantom-call test makes its call '
        'early and checks it late, so that the minute it waits overlaps the other tests; the day replay '
        "comes last, when no earlier call is left on an agent's screen",
    )


def pytest_collection_modifyitems(items):
    rank = {'early': 0, 'late': 2, 'last': 3}

    def position(item):
        marker = item.get_closest_marker('ipbx_order')
        return rank.get(marker.args[0], 1) if marker else 1

    items.sort(key=position)


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section('SIP harness figures')
        for name, value in FIGURES.items():
            terminalreporter.write_line('%s: %s' % (name, value))


def ci():
    return os.environ.get('CI', '').lower() in ('1', 'true', 'yes')


@pytest.fixture(scope='session')
def sip_lab(tmp_path_factory):
    """The running lab: ``demo``, ``publik`` (the proxy), ``kamailio``, ``phones['42'|'43']``, ``workdir``."""
    problem = lab.missing_tools()
    if problem:
        if ci():
            pytest.fail('SIP harness: %s' % problem)
        pytest.skip('SIP harness: %s' % problem)
    workdir = tmp_path_factory.mktemp('ipbx')
    processes = []
    publik = None
    try:
        demo = lab.DemoServer(workdir, free_port(), workdir / 'demo.sqlite3')
        processes.append(demo)
        demo.wait_ready()
        set_max_call_duration(demo, workdir / 'demo.sqlite3', MAX_CALL_MINUTES)
        publik = Publik(demo.url).start()
        sip_port = free_port(socket.SOCK_DGRAM)
        kamailio = lab.Kamailio(
            workdir, sip_port, publik.url + '/phonecalls/ipbx', lab.DEMO_API_USER, API_KEY
        )
        processes.append(kamailio)
        kamailio.wait_ready()
        phones = {}
        for ext in lab.DEMO_EXTENSIONS:
            phones[ext] = lab.Phone(workdir, ext, sip_port)
            processes.append(phones[ext])
        yield types.SimpleNamespace(
            demo=demo,
            publik=publik,
            kamailio=kamailio,
            phones=phones,
            sip_port=sip_port,
            workdir=workdir,
            processes=processes,
        )
    finally:
        for process in reversed(processes):
            process.stop()
        if publik is not None:
            publik.stop()
    assert_all_stopped(processes)


def assert_all_stopped(processes):
    """Fail (at teardown) if a process the harness started, or one of its children, still runs."""
    survivors = {process.name: process.group_members() for process in processes}
    assert not any(survivors.values()), 'still running after the lab stopped: %r' % survivors


def set_max_call_duration(demo, database, minutes):
    """Set the demo connector's maximum call duration, as its administrator would (here with a shell command)."""
    code = (
        'from passerelle_phonecalls.models import PhoneCalls; '
        "PhoneCalls.objects.filter(slug='ipbx').update(max_call_duration=%d)" % minutes
    )
    result = subprocess.run(
        [sys.executable, str(lab.ROOT / 'demo' / 'manage.py'), 'shell', '-c', code],
        env=lab.demo_env(database, demo.port),
        timeout=60,
        cwd=lab.ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


class Agent(day.Agent):
    """An agent logged in to the portal, reading their cell's poll answer as their browser does."""

    def wait_current(self, check, what, timeout=15):
        """Wait until ``check(current calls)`` is true; return the current calls."""
        seen = []

        def matches():
            seen[:] = [self.poll()['current']]
            return check(seen[0])

        try:
            wait_until(matches, timeout, what)
        except AssertionError as error:
            raise AssertionError('%s; last seen: %r' % (error, seen[0] if seen else None)) from None
        return seen[0]


@pytest.fixture(scope='session')
def agents(sip_lab):
    """The demo's agents logged in: ``agents['42']`` (agent), ``agents['43']`` (agent2)."""
    return {
        '42': Agent(sip_lab.demo.url, 'agent', 'agent'),
        '43': Agent(sip_lab.demo.url, 'agent2', 'agent2'),
    }


@pytest.fixture
def publik(sip_lab):
    """The proxy in front of the demo's connector, prompt and up at the start of each test."""
    sip_lab.publik.reset()
    yield sip_lab.publik
    sip_lab.publik.reset()


@pytest.fixture
def place_calls(sip_lab):
    """Place SIPp calls through Kamailio; every SIPp started is stopped after the test, whatever happens."""
    started = []

    def place_calls(calls, scenario='call.xml', timeout=60):
        process = lab.Calls(sip_lab.workdir, sip_lab.sip_port, calls, scenario=scenario, timeout=timeout)
        started.append(process)
        return process

    yield place_calls
    for process in started:
        if process.running():
            # A test that failed midway: hang up what is still up, so that
            # its calls do not stay on the next tests' agents' screens.
            for index in range(len(process.call_ids)):
                process.hang_up(index)
            try:
                process.wait(10)
            except lab.LabError:
                pass
        process.stop()
    assert_all_stopped(started)


@pytest.fixture
def register_phone(sip_lab):
    """Register one more SIPp phone (an agent or a voicemail) for the test; stopped after it."""
    started = []

    def register_phone(ext):
        phone = lab.Phone(sip_lab.workdir, ext, sip_lab.sip_port)
        started.append(phone)
        return phone

    yield register_phone
    for phone in started:
        phone.stop()
    assert_all_stopped(started)


def calls_of(sip_lab, callee, caller=None):
    """The connector's ``calls`` answer for an extension (``{"current": [...], "past": [...]}``)."""
    params = {'callee': callee, 'apikey': API_KEY, 'limit': 100}
    if caller is not None:
        params['caller'] = caller
    response = requests.get(sip_lab.demo.url + '/phonecalls/ipbx/calls', params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()['data']


def wait_until(check, timeout, what, interval=0.1):
    """Poll ``check()`` until it returns a true value, which is returned; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError('after %ss, still waiting for %s' % (timeout, what))
        time.sleep(interval)


def current_call(sip_lab, callee, call_id, timeout=15):
    """Wait until the call ``call_id`` is listed as current for ``callee``; return it."""

    def find():
        return [call for call in calls_of(sip_lab, callee)['current'] if call['call_id'] == call_id]

    return wait_until(find, timeout, 'call %s in progress on %s' % (call_id, callee))[0]


def finished_call(sip_lab, callee, call_id, timeout=15):
    """Wait until the call ``call_id`` of ``callee`` is listed as past (closed); return it."""

    def find():
        return [call for call in calls_of(sip_lab, callee)['past'] if call['call_id'] == call_id]

    return wait_until(find, timeout, 'call %s finished on %s' % (call_id, callee))[0]


def recorded(sip_lab, callee, call_id):
    """Every call of ``callee`` recorded with the SIP Call-ID ``call_id``, current and past."""
    data = calls_of(sip_lab, callee)
    return [call for call in data['current'] + data['past'] if call['call_id'] == call_id]


def wait_for_sentinel_call(sip_lab, place_calls, publik, callee):
    """Place an answered call to ``callee`` and wait for its start and stop to be recorded.

    Used after an unanswered call, before checking that nothing was sent for
    it: the background workers have by then handled anything queued earlier.
    """
    sentinel = place_calls([('0140009999', '', callee)])
    call_id = sentinel.call_ids[0]
    publik.wait_answered(call_id, 'call-start')
    sentinel.hang_up()
    publik.wait_answered(call_id, 'call-stop')
    sentinel.finish()
