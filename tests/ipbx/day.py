"""A call centre's day, replayed through Kamailio with SIPp, checked from each agent's poll answers.

``generate_day`` writes the day: direct, withheld, internal and short calls,
ring-group calls, blind and attended transfers, each agent on one call at a
time, many agents at once. ``replay`` places every call from one SIPp (each
at its time), plays the agents (pick-ups, transfers, hang-ups) as each call
reaches the step, while one thread per agent reads that agent's poll answer
as their cell does. ``check`` then compares what each agent was shown with
what each agent was given, from the webhooks the phone system sent:

- wrong citizen: a current call shown to an agent that is not one of that
  agent's calls (or not with that caller);
- missed pop: a call an agent answered that their poll never showed;
- earlier citizen shown: a call still shown after it ended (an earlier
  caller left under the next one);
- open call: a call still open at the connector once every call has ended.

Used by ``tests/ipbx/test_day.py`` (CI-sized) and ``bench/day_replay.py``.
"""

import dataclasses
import random
import re
import threading
import time

import requests

from tests.ipbx import lab

# The recipe's groups (contrib/ipbx/kamailio/kamailio.cfg, htable:mod-init).
GROUPS = {'40': ('42', '43'), '41': ('44', '45', '46', '47')}
PATTERNS = {
    'direct': 48,
    'withheld': 9,
    'internal': 9,
    'short': 8,
    'group': 12,
    'blind': 7,
    'attended': 7,
}
# Seconds. A leg lasts long enough for several polls; an agent's next call
# rings a little after the previous one ended.
TALK = (1.8, 2.6)
SHORT_TALK = (1.4, 1.7)
WRAP_UP = 0.6
PICK_UP_AFTER = 0.4
# A poll answer is compared with the webhooks' times with this tolerance
# (webhook to connector, connector to poll).
TOLERANCE = 1.0
# A call may still be shown by a poll sent this long after the connector
# answered its call-stop (the clock of one machine; the answer's own transit).
STOP_TOLERANCE = 0.2


@dataclasses.dataclass
class DayCall:
    """One call of the day, as written by ``generate_day``."""

    index: int
    pattern: str
    caller: str  # as the caller's phone sends it: national number, "anonymous" or an extension
    dialled: str  # extension or group number
    agent: str  # the extension that answers
    delay: float  # seconds from the start of the day
    talk: float  # seconds from the answer to the transfer (if any), else to the hang-up
    target: str = None  # transfer target
    after_transfer: float = 0.0  # seconds the transferred call lasts
    consult: float = 0.0  # seconds of the attended transfer's consultation
    agent_hangs_up: bool = False


@dataclasses.dataclass
class Leg:
    """One agent's share of a call: what their cell must show while it lasts."""

    agent: str
    call_id: str
    kind: str
    search_value: str = None  # national digits, for an external caller
    caller_display_digits: str = None  # the digits of the caller shown (None when withheld)
    start: float = None  # when Publik received its call-start (Unix time)
    stop: float = None


def generate_day(calls, agents, seed=1):
    """The day's ``calls`` (``DayCall``) for the extensions ``agents``, from ``seed``.

    Each agent takes one call at a time, with a short pause between calls;
    the recipe's groups whose members are all among ``agents`` are called
    too. Calls follow each other at random (exponential) intervals, so that
    most agents are on a call most of the time.
    """
    rng = random.Random(seed)
    groups = {number: members for number, members in GROUPS.items() if set(members) <= set(agents)}
    free_at = dict.fromkeys(agents, 0.0)
    day, t = [], 0.0
    mean_gap = (sum(TALK) / 2 + WRAP_UP + 1.0) / len(agents)
    patterns = [name for name in PATTERNS if name != 'group' or groups]
    weights = [PATTERNS[name] for name in patterns]
    while len(day) < calls:
        t += rng.expovariate(1 / mean_gap)
        pattern = rng.choices(patterns, weights)[0]
        talk = rng.uniform(*(SHORT_TALK if pattern == 'short' else TALK))
        free = [agent for agent in agents if free_at[agent] <= t]
        dialled = None
        if pattern == 'group':
            number = rng.choice(sorted(groups))
            free = [agent for agent in groups[number] if free_at[agent] <= t]
            dialled = number
        if len(free) < (2 if pattern in ('blind', 'attended', 'internal') else 1):
            continue
        agent = rng.choice(free)
        call = DayCall(
            index=len(day),
            pattern=pattern,
            caller='0145%06d' % len(day),
            dialled=dialled or agent,
            agent=agent,
            delay=round(t, 3),
            talk=talk,
            agent_hangs_up=rng.random() < 0.4,
        )
        end = t + (PICK_UP_AFTER if pattern == 'group' else 0) + talk
        if pattern == 'withheld':
            call.caller = 'anonymous'
        elif pattern == 'internal':
            call.caller = rng.choice([other for other in agents if other != agent])
        elif pattern in ('blind', 'attended'):
            call.target = rng.choice([other for other in free if other != agent])
            call.after_transfer = rng.uniform(*TALK)
            if pattern == 'attended':
                call.consult = rng.uniform(*SHORT_TALK)
            # The target's part starts at the transfer (the consultation
            # first, for an attended one); a second of slack for the steps.
            free_at[call.target] = end + call.consult + call.after_transfer + WRAP_UP + 1.0
            end += call.consult + 1.0
        free_at[agent] = end + WRAP_UP + (0.5 if pattern == 'group' else 0)
        day.append(call)
    return day


def expected_legs(day, call_ids, consult_ids):
    """The legs of the day's calls: ``{call_id: Leg}`` (a transferred call's second leg included)."""
    legs = {}
    for call in day:
        call_id = call_ids[call.index]
        kind, value = {'anonymous': ('withheld', None)}.get(call.caller, ('external', call.caller))
        if call.pattern == 'internal':
            kind, value = 'internal', None
        digits = call.caller if kind != 'withheld' else None
        legs[call_id] = Leg(call.agent, call_id, kind, value, digits)
        if call.target:
            second = lab.transferred_call_id(call_id)
            legs[second] = Leg(call.target, second, kind, value, digits)
        if call.pattern == 'attended':
            consult_id = consult_ids[call.index]
            legs[consult_id] = Leg(call.target, consult_id, 'internal', None, call.agent)
    return legs


class Agent:
    """An agent logged in to the portal, reading their cell's poll answer as their browser does."""

    def __init__(self, base_url, username, password):
        self.base_url = base_url
        self.username = username
        self.session = requests.Session()
        login = self.session.get(base_url + '/login/', timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
        answer = self.session.post(
            base_url + '/login/?next=/',
            data={'username': username, 'password': password, 'csrfmiddlewaretoken': token},
            headers={'Referer': base_url + '/login/'},
            timeout=10,
        )
        if answer.status_code != 200 or answer.url != base_url + '/':
            raise lab.LabError('%s could not log in (HTTP %s)' % (username, answer.status_code))
        self.poll_url = base_url + re.search(r'data-poll-url="([^"]+)"', answer.text).group(1)

    def poll(self):
        """The poll answer's ``data`` (``extension``, ``current``, ``recent``); ``LabError`` on an error answer."""
        answer = self.session.get(self.poll_url, timeout=10)
        payload = answer.json() if answer.status_code == 200 else {}
        if payload.get('err') != 0 or payload.get('state') != 'ok':
            raise lab.LabError(
                '%s: poll answered %s %r' % (self.username, answer.status_code, answer.text[:200])
            )
        return payload['data']


def add_agents_code(agents):
    """Python for ``manage.py shell -c``: agent accounts ``(username, extension)`` (password: the
    username), in the demo's agents' group, each with their extension, as an administrator makes them."""
    return (
        'from django.conf import settings; '
        'from django.contrib.auth.models import Group, User; '
        'from combo_phone_cell.models import AgentExtension; '
        'group = Group.objects.get(name=settings.DEMO_AGENTS_GROUP)\n'
        'for username, extension in %r:\n'
        '    user, created = User.objects.get_or_create(username=username)\n'
        '    user.set_password(username); user.save(); user.groups.add(group)\n'
        '    AgentExtension.objects.update_or_create(user=user, defaults={"extension": extension})\n'
    ) % (list(agents),)


class Poller(threading.Thread):
    """Reads one agent's poll answer every ``interval`` seconds: ``answers`` = ``[(sent, received, current)]``."""

    def __init__(self, extension, agent, interval):
        super().__init__(name='poll-%s' % extension, daemon=True)
        self.extension = extension
        self.agent = agent
        self.interval = interval
        self.answers = []
        self.errors = []
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            sent = time.time()
            try:
                current = self.agent.poll()['current']
            except (lab.LabError, requests.RequestException, ValueError) as error:
                self.errors.append(str(error))
            else:
                self.answers.append((sent, time.time(), current))
            self.stopping.wait(self.interval)


@dataclasses.dataclass
class Report:
    """The day's counts."""

    calls: int = 0
    patterns: dict = dataclasses.field(default_factory=dict)
    agents: int = 0
    legs: int = 0
    max_concurrent_legs: int = 0
    polls: int = 0
    poll_errors: int = 0
    pops: int = 0
    wrong_citizen: int = 0
    missed_pop: int = 0
    earlier_citizen_shown: int = 0
    open_calls: int = 0
    webhooks: int = 0
    seconds: float = 0.0
    problems: list = dataclasses.field(default_factory=list)

    def summary(self):
        return (
            '%d calls (%s), %d agents, %d legs (up to %d at once), %d polls (%d errors), %d pops: '
            '%d wrong citizen, %d missed pop, %d earlier citizen shown, %d open call; %d webhooks; %.1f s'
            % (
                self.calls,
                ', '.join('%s %d' % item for item in sorted(self.patterns.items())),
                self.agents,
                self.legs,
                self.max_concurrent_legs,
                self.polls,
                self.poll_errors,
                self.pops,
                self.wrong_citizen,
                self.missed_pop,
                self.earlier_citizen_shown,
                self.open_calls,
                self.webhooks,
                self.seconds,
            )
        )


class Replay:
    """Plays ``day`` through the running lab: ``phones`` by extension, ``agents`` (``Agent``) by extension."""

    def __init__(self, day, workdir, sip_port, phones, agents, publik, poll_interval=0.4):
        self.day = day
        self.workdir = workdir
        self.sip_port = sip_port
        self.phones = phones
        self.publik = publik
        self.pollers = {ext: Poller(ext, agent, poll_interval) for ext, agent in agents.items()}
        self.calls = None
        self.consultations = None

    def run(self, timeout=600):
        """Place and play every call; return the seconds it took, once all have ended (``LabError`` after
        ``timeout``)."""
        started = time.monotonic()
        day_length = max(call.delay for call in self.day) + 60
        rows = [(call.caller, '', call.dialled, int(call.delay * 1000), self.mode(call)) for call in self.day]
        for poller in self.pollers.values():
            poller.start()
        self.calls = lab.Calls(self.workdir, self.sip_port, rows, timeout=int(day_length + timeout))
        self.consultations = {}
        try:
            steps = {call.index: self.steps(call) for call in self.day}
            while steps:
                if time.monotonic() - started > timeout:
                    raise lab.LabError('the day did not end within %ss; logs in %s' % (timeout, self.workdir))
                if not self.calls.running():
                    raise lab.LabError("the callers' SIPp stopped; logs in %s" % self.workdir)
                # What the phones logged, read once for every call's step.
                actions = lab.read_actions(self.calls.actions_log)
                self.answered = actions.get('answered', {})
                self.transferred = actions.get('transferred', {})
                self.ringing = {ext: phone.ringing() for ext, phone in self.phones.items()}
                for index in list(steps):
                    try:
                        next(steps[index])
                    except StopIteration:
                        del steps[index]
                time.sleep(0.05)
            self.calls.finish(timeout=60)
            for consultation in self.consultations.values():
                consultation.finish(timeout=30)
        finally:
            for poller in self.pollers.values():
                poller.stopping.set()
            self.calls.stop()
            for consultation in self.consultations.values():
                consultation.stop()
            for poller in self.pollers.values():
                poller.join(15)
            left = [process.name for process in self.processes() if process.group_members()]
            if left:
                raise lab.LabError('still running after the day: %s' % ', '.join(left))
        return time.monotonic() - started

    def processes(self):
        """The SIPp processes the replay started (the callers' and the consultations')."""
        return [self.calls, *self.consultations.values()]

    @staticmethod
    def mode(call):
        return 'wait' if call.pattern == 'group' else 'answer'

    def steps(self, call):
        """What the agents and the caller do in ``call``, as a generator stepped every few milliseconds:
        each ``yield`` waits for the next check."""
        call_id = self.calls.call_ids[call.index]
        agent_phone = self.phones[call.agent]
        if call.pattern == 'group':
            while call_id not in self.ringing[call.agent]:
                yield
            while time.time() < self.ringing[call.agent][call_id] + PICK_UP_AFTER:
                yield
            agent_phone.pick_up(call_id)
        while call_id not in self.answered:
            yield
        while time.time() < self.answered[call_id] + call.talk:
            yield
        last_call_id, last_phone = call_id, agent_phone
        if call.pattern == 'blind':
            agent_phone.transfer(call_id, lab.blind_target(call.target))
        elif call.pattern == 'attended':
            # The agent's second line calls the target, from its own SIPp.
            consultation = lab.Calls(
                self.workdir, self.sip_port, [(call.agent, '', call.target)], timeout=120
            )
            self.consultations[call.index] = consultation
            consult_id = consultation.call_ids[0]
            while consult_id not in consultation.answered() or consultation.to_tag() is None:
                yield
            while time.time() < consultation.answered()[consult_id] + call.consult:
                yield
            agent_phone.transfer(
                call_id,
                lab.attended_target(call.target, consult_id, consultation.to_tag(), consultation.from_tag()),
            )
        if call.target:
            while call_id not in self.transferred:
                yield
            if call.pattern == 'attended':
                # The target's phone ends the call its new one replaces (RFC 3891).
                self.phones[call.target].hang_up(consult_id)
            last_call_id, last_phone = lab.transferred_call_id(call_id), self.phones[call.target]
            while time.time() < self.transferred[call_id] + call.after_transfer:
                yield
        if call.agent_hangs_up:
            last_phone.hang_up(last_call_id)
        else:
            self.calls.hang_up(call.index)

    def consult_ids(self):
        return {index: consultation.call_ids[0] for index, consultation in self.consultations.items()}


def day_legs(replay):
    """The legs of the replayed day (``expected_legs``), their times filled in by ``check``."""
    return expected_legs(replay.day, replay.calls.call_ids, replay.consult_ids())


def check(replay, legs, open_calls):
    """Compare the agents' poll answers with the webhooks; ``open_calls``: calls still open at the end.

    Fills in each leg's ``start`` and ``stop`` (when Publik received its webhooks).
    """
    day = replay.day
    report = Report(calls=len(day), agents=len(replay.pollers), legs=len(legs), open_calls=len(open_calls))
    for call in day:
        report.patterns[call.pattern] = report.patterns.get(call.pattern, 0) + 1
    # The webhooks of the day's calls: those placed by the day's SIPp processes.
    pids = {str(replay.calls.pid)} | {str(consultation.pid) for consultation in replay.consultations.values()}
    hooks = [
        hook for hook in replay.publik.hits() if re.search(r'-(\d+)@', hook.call_id or '-0@').group(1) in pids
    ]
    report.webhooks = len(hooks)
    for hook in hooks:
        leg = legs.get(hook.call_id)
        if leg is None:
            report.problems.append('webhook for no call of the day: %s %r' % (hook.event, hook.params))
            report.wrong_citizen += 1
            continue
        if hook.params.get('callee') != leg.agent:
            report.problems.append(
                '%s of %s names %s, not %s' % (hook.event, leg.call_id, hook.params, leg.agent)
            )
            report.wrong_citizen += 1
        if hook.event == 'call-start':
            leg.start = hook.received
        elif hook.event == 'call-stop':
            # When the connector had recorded the end: no poll sent after
            # this may show the call.
            leg.stop = hook.answered or hook.received
    for leg in legs.values():
        if leg.start is None or leg.stop is None:
            report.problems.append(
                'leg %s of %s: call-start %s, call-stop %s' % (leg.call_id, leg.agent, leg.start, leg.stop)
            )
            report.missed_pop += 1
    edges = sorted(
        [(leg.start, 1) for leg in legs.values() if leg.start]
        + [(leg.stop, -1) for leg in legs.values() if leg.stop]
    )
    concurrent = 0
    for _at, step in edges:
        concurrent += step
        report.max_concurrent_legs = max(report.max_concurrent_legs, concurrent)

    for ext, poller in replay.pollers.items():
        report.polls += len(poller.answers)
        report.poll_errors += len(poller.errors)
        mine = [leg for leg in legs.values() if leg.agent == ext and leg.start]
        seen = set()
        for sent, received, current in poller.answers:
            for shown in current:
                digits = re.sub(r'\D', '', shown.get('caller_display') or '') or None
                candidates = [
                    leg
                    for leg in mine
                    if leg.kind == shown['kind']
                    and leg.search_value == shown['search_value']
                    and (leg.caller_display_digits or None) == digits
                ]
                if not candidates:
                    report.wrong_citizen += 1
                    report.problems.append('%s shown %r at %.3f, none of its calls' % (ext, shown, sent))
                    continue
                during = [
                    leg
                    for leg in candidates
                    if leg.start - TOLERANCE <= received
                    and (leg.stop is None or sent <= leg.stop + TOLERANCE)
                ]
                if not during:
                    report.earlier_citizen_shown += 1
                    report.problems.append(
                        '%s still shown %r at %.3f, after its call ended' % (ext, shown, sent)
                    )
                    continue
                seen.update(leg.call_id for leg in during)
        for leg in mine:
            if leg.call_id in seen:
                report.pops += 1
            elif leg.stop is not None:
                report.missed_pop += 1
                report.problems.append(
                    '%s never shown %s (%s, %.1f s)' % (ext, leg.call_id, leg.kind, leg.stop - leg.start)
                )
    return report
