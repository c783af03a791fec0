"""Shared support of the connector tests: the reference model of the call lifecycle, event logs,
a real WSGI server (gunicorn) on the test database, a TCP proxy that cuts the database, and the
figures the tests leave in ``test-artifacts/``.

The reference model is the call lifecycle written down in ``docs/security.rst``
("Event ordering"), in a few lines of plain Python: the tests replay an event
log through HTTP and compare the database with what this model computes from
the same log.
"""

import dataclasses
import json
import os
import random
import selectors
import socket
import threading
from pathlib import Path

from django.db import connection

from tests import servers

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / 'test-artifacts'


def record_figures(name, figures):
    """Merge ``figures`` into ``test-artifacts/<name>.json`` and return the whole file's content."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f'{name}.json'
    try:
        content = json.loads(path.read_text())
    except (OSError, ValueError):
        content = {}
    content.update(figures)
    path.write_text(json.dumps(content, indent=2, sort_keys=True) + '\n')
    return content


# The reference model.


@dataclasses.dataclass(frozen=True)
class Event:
    """One webhook as the IPBX sends it: ``kind`` is 'start' or 'stop'; ``tag`` identifies the event.

    The tag travels as an extra parameter (``event=<tag>`` on a start,
    ``hangup=<tag>`` on a stop) and lands in the call details, so that the
    comparison can tell which start opened each call and which stop closed it.
    A retry or duplicate of an event carries the same tag: it is the same request.
    ``copies`` is how many identical copies are sent at the same instant.
    ``identity`` is the caller's identity key when the test writes one caller
    several ways (the caller itself otherwise); ``call_id`` the IPBX's call
    identifier, if it sends one.
    """

    kind: str
    caller: str
    callee: str
    tag: str
    copies: int = 1
    call_id: str = ''
    identity: str = ''

    @property
    def pair(self):
        return (self.identity or self.caller, self.callee)

    @property
    def params(self):
        name = 'event' if self.kind == 'start' else 'hangup'
        params = {'caller': self.caller, 'callee': self.callee, name: self.tag}
        if self.call_id:
            params['call_id'] = self.call_id
        return params


def expected_calls(events):
    """The calls the connector must hold after ``events``: ``{pair: [(start tag, stop tag), ...]}``.

    In the order the events are received. Without call identifier, per
    (caller identity, callee) pair: a start with no open call opens a call; a
    start while a call is open changes nothing (a retry); a stop closes the
    newest open call; a stop with no open call changes nothing. With a call
    identifier: a start or stop of an identifier the callee already has acts
    on that call only (a start changes nothing, except giving a finished call
    its start tag if it had none; a stop closes it if open); a start or stop
    of a new identifier takes over the pair's open call without identifier,
    if there is one (the stop closing it); otherwise a start opens a call and
    a stop is remembered as a finished call, without start tag. A pair's
    calls are listed oldest first; a tag is ``None`` when no event gave it.
    """
    calls = []
    for event in events:
        pair_calls = [call for call in calls if call['pair'] == event.pair]
        open_calls = [call for call in pair_calls if call['stop'] is None]
        without_id = [call for call in open_calls if not call['id']]
        known = [
            call
            for call in calls
            if event.call_id and call['id'] == event.call_id and call['pair'][1] == event.callee
        ]
        if known:
            call = known[0]
            if event.kind == 'start' and call['stop'] is not None and call['start'] is None:
                call['start'] = event.tag
            elif event.kind == 'stop' and call['stop'] is None:
                call['stop'] = event.tag
        elif event.call_id and without_id:
            without_id[-1]['id'] = event.call_id
            if event.kind == 'stop':
                without_id[-1]['stop'] = event.tag
        elif event.kind == 'start' and (event.call_id or not open_calls):
            calls.append({'pair': event.pair, 'id': event.call_id, 'start': event.tag, 'stop': None})
        elif event.kind == 'stop' and event.call_id:
            calls.append({'pair': event.pair, 'id': event.call_id, 'start': None, 'stop': event.tag})
        elif event.kind == 'stop' and open_calls:
            open_calls[-1]['stop'] = event.tag
    expected = {}
    for call in calls:
        expected.setdefault(call['pair'], []).append((call['start'], call['stop']))
    return expected


def stored_calls(queryset, by='caller'):
    """The database's calls in the reference model's shape (see ``expected_calls``).

    Pairs are ``(<by>, callee)``: ``by='caller_key'`` when events carry the
    caller's identity.
    """
    calls = {}
    for caller, callee, details in queryset.order_by('start', 'pk').values_list(by, 'callee', 'details'):
        calls.setdefault((caller, callee), []).append((details.get('event'), details.get('hangup')))
    return calls


def count_differences(expected, actual):
    """How many calls differ between two ``{pair: [(start tag, stop tag), ...]}`` states."""
    differences = 0
    for pair in set(expected) | set(actual):
        wanted, got = expected.get(pair, []), actual.get(pair, [])
        differences += sum(1 for one, other in zip(wanted, got, strict=False) if one != other)
        differences += abs(len(wanted) - len(got))
    return differences


# Event logs.


@dataclasses.dataclass
class EventLog:
    """A random log of call events, and what was done to it (for the figures)."""

    pairs: dict  # pair -> [Event, ...] in sending order
    figures: dict

    @property
    def events(self):
        return [event for pair_events in self.pairs.values() for event in pair_events]


def random_event_log(seed, callers=30, callees=10, calls_per_pair=(1, 4)):
    """Return an ``EventLog`` of start/stop events with the faults real IPBXs make.

    Every pair (caller, callee) gets a few genuine calls (start then stop),
    then, at random: a start or a stop sent again later (retry), sent twice
    at the same instant (concurrent duplicate), a stop sent before its start
    (reordering), a start retried after its stop, a lost start or a lost stop.
    """
    rng = random.Random(seed)
    figures = dict.fromkeys(
        ['genuine_calls', 'retries', 'concurrent_duplicates', 'stops_before_start', 'start_after_stop'],
        0,
    )
    figures.update(lost_starts=0, lost_stops=0)
    numbers = [f'01{rng.randrange(10**8):08d}' for _caller in range(callers)]
    extensions = [str(40 + index) for index in range(callees)]
    pairs = {}
    for caller in numbers:
        for callee in extensions:
            events = []
            for index in range(rng.randint(*calls_per_pair)):
                figures['genuine_calls'] += 1
                tag = f'{caller}-{callee}-{index}'
                start = Event('start', caller, callee, tag + 's')
                stop = Event('stop', caller, callee, tag + 'e')
                fault = rng.random()
                if fault < 0.06:
                    figures['lost_starts'] += 1
                    call = [stop]
                elif fault < 0.12:
                    figures['lost_stops'] += 1
                    call = [start]
                elif fault < 0.24:
                    figures['stops_before_start'] += 1
                    call = [stop, start]
                elif fault < 0.34:
                    figures['start_after_stop'] += 1
                    call = [start, stop, start]
                else:
                    call = [start, stop]
                for position in range(len(call)):
                    roll = rng.random()
                    if roll < 0.15:
                        figures['retries'] += 1
                        retry_at = rng.randint(position + 1, len(call))
                        call.insert(retry_at, call[position])
                    elif roll < 0.25:
                        figures['concurrent_duplicates'] += 1
                        call[position] = dataclasses.replace(call[position], copies=2)
                events.extend(call)
            pairs[(caller, callee)] = events
    figures['events'] = sum(len(events) for events in pairs.values())
    figures['requests'] = sum(event.copies for events in pairs.values() for event in events)
    return EventLog(pairs=pairs, figures=figures)


def partition(event_log, clients, seed):
    """Split the log into ``clients`` queues; all events of a pair go to one queue, in order.

    Pairs of one extension are spread over different queues so that clients
    compete on the same extension; within a queue the pairs are interleaved
    at random, each pair's events keeping their order.
    """
    rng = random.Random(seed)
    by_client = [[] for _client in range(clients)]
    for index, (_pair, events) in enumerate(sorted(event_log.pairs.items())):
        by_client[index % clients].append(list(events))
    queues = []
    for sequences in by_client:
        queue = []
        while sequences:
            sequence = rng.choice(sequences)
            queue.append(sequence.pop(0))
            if not sequence:
                sequences.remove(sequence)
        queues.append(queue)
    return queues


# A real WSGI server on the test database.


def served_database():
    """The test database pytest-django created, as ``Gunicorn``'s ``database``: the path of its SQLite
    file, or its PostgreSQL name, host and port."""
    settings_dict = connection.settings_dict
    keys = ['NAME'] if connection.vendor == 'sqlite' else ['NAME', 'HOST', 'PORT']
    return {key: settings_dict[key] for key in keys}


class Gunicorn(servers.Gunicorn):
    """gunicorn serving the Passerelle test project (``tests/passerelle/wsgi.py``), its log at ``log_path``.

    ``database`` overrides keys of the default database: the name, host and
    port of the test database pytest-django created (possibly through a
    proxy), or the path of its SQLite file (``served_database()``).
    ``refusal_pause`` (seconds) widens the races of the call lifecycle (see
    ``wsgi.py``).
    """

    def __init__(self, database, log_path, workers=3, threads=4, conn_max_age=0, refusal_pause=0):
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE='tests.settings.passerelle',
            PHONECALLS_WSGI_DATABASE=json.dumps({**database, 'CONN_MAX_AGE': conn_max_age}),
            PHONECALLS_WSGI_REFUSAL_PAUSE=str(refusal_pause),
            PYTHONPATH=str(ROOT),
        )
        super().__init__(
            'tests.passerelle.wsgi:application',
            env,
            '/phonecalls/',
            workers=workers,
            threads=threads,
            log_path=log_path,
            extra_args=['--timeout', '30', '--graceful-timeout', '5'],
        )


# A TCP proxy between the application and PostgreSQL.


class CuttableProxy:
    """A TCP proxy on 127.0.0.1 to ``upstream``; ``cut()`` breaks every connection and refuses new ones.

    While cut, existing connections are closed on both sides (the server
    "restarts") and new ones are accepted then closed at once, as a
    PostgreSQL that is shutting down or starting up does. ``restore()``
    forwards new connections again.
    """

    def __init__(self, upstream):
        self.upstream = upstream
        self.listener = socket.create_server(('127.0.0.1', 0))
        self.port = self.listener.getsockname()[1]
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ, None)
        self.peers = {}
        self.lock = threading.Lock()
        self.is_cut = False
        self.stopping = False
        self.figures = {'connections': 0, 'connections_broken': 0, 'connections_refused': 0}
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stopping:
            for key, _events in self.selector.select(timeout=0.05):
                with self.lock:
                    if key.fileobj is self.listener:
                        self.accept()
                    elif key.fileobj in self.peers:
                        self.forward(key.fileobj)

    def accept(self):
        client, _address = self.listener.accept()
        if self.is_cut:
            self.figures['connections_refused'] += 1
            client.close()
            return
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            client.close()
            return
        self.figures['connections'] += 1
        self.peers[client] = server
        self.peers[server] = client
        self.selector.register(client, selectors.EVENT_READ, None)
        self.selector.register(server, selectors.EVENT_READ, None)

    def forward(self, sock):
        try:
            data = sock.recv(65536)
        except OSError:
            data = b''
        if data:
            try:
                self.peers[sock].sendall(data)
                return
            except OSError:
                pass
        self.close_pair(sock)

    def close_pair(self, sock):
        other = self.peers.pop(sock, None)
        self.peers.pop(other, None)
        for one in (sock, other):
            if one is not None:
                try:
                    self.selector.unregister(one)
                except (KeyError, ValueError):
                    pass
                one.close()

    def cut(self):
        """Break every open connection and refuse new ones; return how many connections were broken."""
        with self.lock:
            self.is_cut = True
            broken = 0
            for sock in list(self.peers):
                if sock in self.peers:
                    broken += 1
                    self.close_pair(sock)
            self.figures['connections_broken'] += broken
            return broken

    def restore(self):
        with self.lock:
            self.is_cut = False

    def close(self):
        self.stopping = True
        self.thread.join(timeout=5)
        with self.lock:
            for sock in list(self.peers):
                self.close_pair(sock)
            self.selector.unregister(self.listener)
            self.listener.close()
