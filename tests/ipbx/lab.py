"""A SIP lab on 127.0.0.1: Kamailio with the contrib configuration, SIPp agent phones and callers.

Used by the SIP test harness (``tests/ipbx``) and by ``make ipbx-demo`` /
``make call``. Standard library only (``tests.servers`` too), so that the
demo needs nothing more than the demo's own requirements plus Debian's
``kamailio``, ``kamailio-utils-modules`` and ``sip-tester`` packages.

Every process is started in its own session and stopped by its PID (its
process group: Kamailio's workers die with it), whatever happens. Every SIPp
run has a global timeout (``-timeout``, ``-timeout_error``), a bounded call
count (``-m``), its control socket on 127.0.0.1 (``-ci``) and its SIP socket
bound to 127.0.0.1 (``-bind_local``).

How a running call is hung up: SIPp cannot be told to hang up from outside,
so the scenarios wait, once answered, for an ``INFO`` request that the lab
sends straight to the caller's (or the agent's) SIPp, matched by the SIP
Call-ID; the phone then hangs up with a real ``BYE`` through Kamailio.
"""

import argparse
import glob
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from tests.servers import HOST, ROOT, free_port, http_answers, stop

KAMAILIO_CFG = ROOT / 'contrib' / 'ipbx' / 'kamailio' / 'kamailio.cfg'
SCENARIOS = pathlib.Path(__file__).resolve().parent / 'scenarios'
DEBIAN_PACKAGES = ('kamailio', 'kamailio-utils-modules', 'sip-tester')


class LabError(RuntimeError):
    """A lab process did not start or did not behave; the message says which and where its log is."""


def missing_tools():
    """The SIP tools this machine lacks, as a sentence naming the Debian packages, or ``None``."""
    missing = [tool for tool in ('kamailio', 'sipp') if not find_tool(tool)]
    if find_tool('kamailio') and not glob.glob('/usr/lib/*/kamailio/modules/http_client.so'):
        missing.append("kamailio's http_client module")
    if not missing:
        return None
    return '%s not installed (apt-get install %s)' % (' and '.join(missing), ' '.join(DEBIAN_PACKAGES))


def find_tool(name):
    # Debian installs kamailio in /usr/sbin, not always on a user's PATH.
    return shutil.which(name) or shutil.which(name, path='/usr/sbin:/usr/bin')


class Process:
    """A child process in its own session, its output in a log file, stopped by its PID."""

    def __init__(self, name, argv, log_path, env=None, output=None):
        self.name = name
        self.log_path = pathlib.Path(log_path)
        self.argv = [str(arg) for arg in argv]
        self._log = None if output is not None else open(self.log_path, 'wb')
        self.popen = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=output if output is not None else self._log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        self.pid = self.popen.pid

    def running(self):
        return self.popen.poll() is None

    def wait(self, timeout):
        """Wait for the process to end by itself; return its exit code (``LabError`` after ``timeout``)."""
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            raise LabError(
                '%s (pid %s) still running after %ss; log: %s' % (self.name, self.pid, timeout, self.log_path)
            ) from None

    def stop(self, grace=5):
        """Stop the process and its group (SIGTERM, then SIGKILL after ``grace`` seconds)."""
        try:
            stop(self.popen, grace)
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None

    def group_members(self):
        """PIDs of the live (not zombie) processes of this process's group, leader included."""
        members = []
        for stat in glob.glob('/proc/[0-9]*/stat'):
            try:
                with open(stat) as handle:
                    fields = handle.read().rsplit(')', 1)[1].split()
            except OSError:
                continue
            # After the command's closing parenthesis: state, ppid, pgrp.
            if fields[0] != 'Z' and int(fields[2]) == self.pid:
                members.append(int(stat.split('/')[2]))
        return members

    def log_tail(self, lines=30):
        try:
            return '\n'.join(self.log_path.read_text(errors='replace').splitlines()[-lines:])
        except OSError:
            return ''


def socket_addresses(pids):
    """``(protocol, address, port)`` of every TCP and UDP socket held by the processes ``pids``."""
    inodes = set()
    for pid in pids:
        for fd in glob.glob('/proc/%d/fd/*' % pid):
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith('socket:['):
                inodes.add(target[len('socket:[') : -1])
    addresses = []
    for protocol in ('tcp', 'udp', 'tcp6', 'udp6'):
        try:
            with open('/proc/net/%s' % protocol) as table:
                rows = table.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[9] in inodes:
                address, port = fields[1].split(':')
                addresses.append((protocol, kernel_address(address), int(port, 16)))
    return addresses


def kernel_address(hex_address):
    """An address as /proc/net writes it (hexadecimal, 32-bit words in host order), as text."""
    raw = bytes.fromhex(hex_address)
    words = b''.join(raw[index : index + 4][::-1] for index in range(0, len(raw), 4))
    family = socket.AF_INET if len(words) == 4 else socket.AF_INET6
    return socket.inet_ntop(family, words)


def sip_request(method, target_port, call_id, request_uri=None, timeout=None, headers=()):
    """Send one SIP request over UDP from an ephemeral port; return the first answer's status line, or None.

    With ``timeout=None`` no answer is awaited (the lab's INFO signals get none).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((HOST, 0))
        local_port = sock.getsockname()[1]
        lines = [
            '%s %s SIP/2.0' % (method, request_uri or 'sip:%s:%d' % (HOST, target_port)),
            'Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-lab-%d-%d;rport'
            % (HOST, local_port, os.getpid(), time.monotonic_ns()),
            'From: <sip:lab@%s>;tag=lab%d' % (HOST, local_port),
            'To: <sip:phone@%s>' % HOST,
            'Call-ID: %s' % call_id,
            'CSeq: 1 %s' % method,
            'Max-Forwards: 70',
            *headers,
            'Content-Length: 0',
            '',
            '',
        ]
        sock.sendto('\r\n'.join(lines).encode(), (HOST, target_port))
        if timeout is None:
            return None
        sock.settimeout(timeout)
        try:
            data = sock.recv(65535)
        except TimeoutError:
            return None
        return data.split(b'\r\n', 1)[0].decode(errors='replace')


def traced_messages(messages_log, call_id, direction):
    """The first lines of the messages of the call ``call_id`` a SIPp has ``direction`` (received, sent)."""
    try:
        trace = pathlib.Path(messages_log).read_text(errors='replace')
    except OSError:
        return []
    firsts = []
    for message in trace.split('\n-----'):
        lines = [line.strip() for line in message.splitlines()]
        if (
            any(line.startswith('UDP message %s' % direction) for line in lines)
            and 'Call-ID: %s' % call_id in lines
        ):
            firsts.extend(line for line in lines if line.startswith('SIP/2.0 ') or ' SIP/2.0' in line)
    return firsts


def requests_received(messages_log, method, call_id):
    """How many ``method`` requests of the call ``call_id`` a SIPp received, from its message trace."""
    return sum(
        1 for line in traced_messages(messages_log, call_id, 'received') if line.startswith(method + ' ')
    )


def blind_target(ext):
    """The Refer-To of a blind transfer to extension ``ext``."""
    return '<sip:%s@%s>' % (ext, HOST)


def attended_target(ext, call_id, to_tag, from_tag):
    """The Refer-To of an attended transfer to ``ext``, replacing the consultation call ``call_id``
    (RFC 3891's Replaces, escaped as a URI header: "@", ";" and "=")."""
    replaces = '%s;to-tag=%s;from-tag=%s' % (call_id, to_tag, from_tag)
    escaped = replaces.replace('@', '%40').replace(';', '%3B').replace('=', '%3D')
    return '<sip:%s@%s?Replaces=%s>' % (ext, HOST, escaped)


def transferred_call_id(call_id):
    """The SIP Call-ID of the call a transferred caller places to the transfer target (see call.xml)."""
    return 'xfer///%s' % call_id


def hang_up(port, call_id):
    """Tell the SIPp phone listening on ``port`` to hang up the call ``call_id`` (see the module docstring)."""
    sip_request('INFO', port, call_id, headers=['X-Lab: hang up'])


class Kamailio(Process):
    """Kamailio running ``contrib/ipbx/kamailio/kamailio.cfg`` in the foreground, on 127.0.0.1:``sip_port``."""

    def __init__(self, workdir, sip_port, publik_url, publik_user, publik_apikey, retry_ms=1000, senders=4):
        self.sip_port = sip_port
        rundir = pathlib.Path(workdir) / 'kamailio-run'
        rundir.mkdir(parents=True, exist_ok=True)
        defines = {
            'SIP_PORT': sip_port,
            'SIP_WORKERS': 4,
            'PUBLIK_RETRY_MS': retry_ms,
            'PUBLIK_SENDERS': senders,
        }
        argv = [find_tool('kamailio'), '-f', KAMAILIO_CFG, '-DD', '-E', '-Y', rundir, '-w', rundir]
        argv += ['-P', rundir / 'kamailio.pid', '-m', '64', '-M', '8']
        for name, value in defines.items():
            argv += ['-A', '%s=%s' % (name, value)]
        # The Publik settings come from the environment, as the configuration
        # recommends for the key (a command line shows in `ps`).
        env = dict(os.environ, PUBLIK_URL=publik_url, PUBLIK_USER=publik_user, PUBLIK_APIKEY=publik_apikey)
        super().__init__('kamailio', argv, pathlib.Path(workdir) / 'kamailio.log', env=env)

    def wait_ready(self, timeout=20):
        """Wait until Kamailio answers SIP (any answer to an OPTIONS)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise LabError('kamailio exited (code %s):\n%s' % (self.popen.returncode, self.log_tail()))
            if sip_request('OPTIONS', self.sip_port, 'ready-%d' % time.monotonic_ns(), timeout=0.5):
                return
        raise LabError(
            'kamailio did not answer SIP on port %d within %ss:\n%s'
            % (self.sip_port, timeout, self.log_tail())
        )


def sipp_argv(workdir, name, scenario, sip_port=None, max_calls=1, timeout=60, extra=()):
    """The command line every SIPp run shares: 127.0.0.1 only, a timeout, a call count, logs in ``workdir``."""
    workdir = pathlib.Path(workdir)
    argv = [find_tool('sipp')]
    if sip_port is not None:
        argv.append('%s:%d' % (HOST, sip_port))
    argv += ['-sf', SCENARIOS / scenario, '-i', HOST, '-bind_local', '-mi', HOST]
    argv += ['-ci', HOST, '-cp', free_port(socket.SOCK_DGRAM)]
    argv += ['-m', max_calls, '-timeout', '%ds' % timeout, '-timeout_error', '-nostdin']
    argv += ['-trace_err', '-error_file', workdir / ('%s-errors.log' % name)]
    argv += ['-trace_logs', '-log_file', workdir / ('%s-actions.log' % name)]
    argv += ['-trace_msg', '-message_file', workdir / ('%s-messages.log' % name)]
    argv += list(extra)
    return argv


class Phone(Process):
    """An agent's SIPp phone (``agent.xml``) registered as extension ``ext``."""

    def __init__(self, workdir, ext, sip_port, timeout=300):
        self.ext = ext
        self.port = free_port(socket.SOCK_DGRAM)
        self.workdir = pathlib.Path(workdir)
        name = 'phone-%s' % ext
        # -callid_slash_ign: a transferred call ("xfer///<Call-ID>") is a call
        # of its own for the phone, not the original call again.
        argv = sipp_argv(
            workdir,
            name,
            'agent.xml',
            max_calls=100000,
            timeout=timeout,
            extra=['-p', self.port, '-callid_slash_ign'],
        )
        super().__init__(name, argv, self.workdir / ('%s.log' % name))
        self.actions_log = self.workdir / ('%s-actions.log' % name)
        self.messages_log = self.workdir / ('%s-messages.log' % name)
        try:
            self.register(sip_port)
        except BaseException:
            # The caller never gets this phone to stop: stop it here.
            self.stop()
            raise

    def register(self, sip_port, timeout=15):
        """Register the phone's extension with Kamailio (a REGISTER from a short SIPp run)."""
        name = 'register-%s' % self.ext
        argv = sipp_argv(
            self.workdir,
            name,
            'register.xml',
            sip_port=sip_port,
            timeout=timeout,
            extra=['-set', 'ext', self.ext, '-set', 'contact_port', self.port],
        )
        registration = Process(name, argv, self.workdir / ('%s.log' % name))
        try:
            code = registration.wait(timeout + 5)
        finally:
            registration.stop()
        if code != 0 or not self.running():
            raise LabError(
                'extension %s did not register (sipp exit %s); see %s' % (self.ext, code, self.workdir)
            )

    def hang_up(self, call_id):
        """The agent hangs up the call ``call_id`` (a BYE from this phone)."""
        hang_up(self.port, call_id)

    def ringing(self):
        """``{call_id: time the phone started ringing}`` for the calls placed with the ``wait`` mode."""
        return read_action_times(self.actions_log, 'ringing')

    def pick_up(self, call_id):
        """The agent picks up the ringing call ``call_id`` (placed with the ``wait`` mode).

        Once the phone has sent its 180 Ringing, so that it waits for the
        harness's INFO: an INFO that arrives while SIPp is still sending is an
        unexpected message, and SIPp aborts the call.
        """
        deadline = time.monotonic() + 10
        while 'SIP/2.0 180 Ringing' not in traced_messages(self.messages_log, call_id, 'sent'):
            if time.monotonic() > deadline:
                raise AssertionError('after 10 s, phone %s still not ringing for %s' % (self.ext, call_id))
            time.sleep(0.05)
        sip_request('INFO', self.port, call_id, headers=['X-Lab: answer'])

    def received(self, method, call_id):
        """How many ``method`` requests of the call ``call_id`` the phone received (CANCEL, INVITE...)."""
        return requests_received(self.messages_log, method, call_id)

    def hold(self, call_id):
        """The agent puts the call ``call_id`` on hold (a re-INVITE from this phone)."""
        sip_request('INFO', self.port, call_id, headers=['X-Lab: hold'])

    def transfer(self, call_id, refer_to):
        """The agent transfers the call ``call_id`` to ``refer_to`` (a REFER from this phone).

        ``refer_to``: ``blind_target(ext)`` or ``attended_target(ext, consultation)``.
        """
        sip_request('INFO', self.port, call_id, headers=['X-Lab: refer', 'X-Lab-Refer-To: %s' % refer_to])

    def answers(self):
        """``{call_id: time the phone sent its 200 OK}`` (Unix time), from the phone's log."""
        return read_action_times(self.actions_log, 'answer')

    def invite_answers_sent(self, call_id):
        """How many ``200 OK`` to the INVITE of ``call_id`` the phone sent: more than one are
        retransmissions, sent when the caller's ACK did not come in time (SIP timer T1, 500 ms)."""
        try:
            trace = self.messages_log.read_text(errors='replace')
        except OSError:
            return 0
        count = 0
        for message in trace.split('\n-----'):
            lines = [line.strip() for line in message.splitlines()]
            if (
                any(line.startswith('UDP message sent') for line in lines)
                and 'SIP/2.0 200 OK' in lines
                and 'Call-ID: %s' % call_id in lines
                and any(line.startswith('CSeq:') and line.endswith(' INVITE') for line in lines)
            ):
                count += 1
        return count


class Calls(Process):
    """One SIPp caller placing ``calls`` (``(caller, display_name, extension)`` tuples) at once.

    A tuple may have a fourth item, a delay in milliseconds: the call is then
    placed that long after SIPp started (a whole day from one SIPp); and a
    fifth, what the agent's phone does (``answer``, the default, or ``wait``
    to be picked up with ``Phone.pick_up``: see agent.xml).

    ``scenario``: ``call.xml`` (answered, lasts until hung up), ``call-busy.xml``
    or ``call-cancel.xml``. The calls' SIP Call-IDs are known in advance:
    SIPp numbers its calls from 1 and writes ``<number>-<pid>@<ip>``.
    """

    counter = 0

    def __init__(self, workdir, sip_port, calls, scenario='call.xml', timeout=60):
        Calls.counter += 1
        self.workdir = pathlib.Path(workdir)
        self.calls = list(calls)
        self.port = free_port(socket.SOCK_DGRAM)
        name = 'caller-%d' % Calls.counter
        csv_path = self.workdir / ('%s.csv' % name)
        csv_path.write_text(
            'SEQUENTIAL\n' + ''.join('%s;%s;%s;%d;%s\n' % (call_fields(call)) for call in self.calls),
            encoding='utf-8',
        )
        count = len(self.calls)
        extra = ['-inf', csv_path, '-p', self.port, '-r', count, '-rp', '1000', '-l', count]
        argv = sipp_argv(
            workdir, name, scenario, sip_port=sip_port, max_calls=count, timeout=timeout, extra=extra
        )
        super().__init__(name, argv, self.workdir / ('%s.log' % name))
        self.actions_log = self.workdir / ('%s-actions.log' % name)
        self.messages_log = self.workdir / ('%s-messages.log' % name)
        self.call_ids = ['%d-%d@%s' % (number, self.pid, HOST) for number in range(1, count + 1)]

    def from_tag(self, index=0):
        """The caller's tag (From) in call number ``index``, as call.xml writes it."""
        return '%dSIPpTag00%d' % (self.pid, index + 1)

    def to_tag(self, index=0):
        """The agent's tag (To) in the answered call number ``index``, or None before the answer."""
        try:
            text = self.actions_log.read_text(errors='replace')
        except OSError:
            return None
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0] == 'to-tag' and parts[1] == self.call_ids[index]:
                return parts[2]
        return None

    def received(self, method, index=0):
        """How many ``method`` requests of call number ``index`` the caller received (INVITE: re-INVITEs)."""
        return requests_received(self.messages_log, method, self.call_ids[index])

    def transferred(self):
        """``{call_id: time the transfer target answered}`` (Unix time), for the calls transferred so far."""
        return read_action_times(self.actions_log, 'transferred')

    def final_answer(self, index=0):
        """The status line of the last final answer (2xx to 6xx) received to the INVITE of call ``index``, or None."""
        try:
            trace = self.messages_log.read_text(errors='replace')
        except OSError:
            return None
        answer = None
        for message in trace.split('\n-----'):
            lines = [line.strip() for line in message.splitlines()]
            if (
                any(line.startswith('UDP message received') for line in lines)
                and 'Call-ID: %s' % self.call_ids[index] in lines
                and any(line.startswith('CSeq:') and line.endswith(' INVITE') for line in lines)
            ):
                status = next((line for line in lines if line.startswith('SIP/2.0 ')), None)
                if status and not status.startswith('SIP/2.0 1'):
                    answer = status[len('SIP/2.0 ') :]
        return answer

    def hang_up(self, index=0):
        """The caller of call number ``index`` hangs up (a BYE from the caller's SIPp)."""
        hang_up(self.port, self.call_ids[index])

    def answered(self):
        """``{call_id: time the caller received the 200 OK}`` (Unix time), from the caller's log."""
        return read_action_times(self.actions_log, 'answered')

    def finish(self, timeout=30):
        """Wait for SIPp to end; ``LabError`` unless every call went as its scenario expects."""
        try:
            code = self.wait(timeout)
        finally:
            self.stop()
        if code != 0:
            raise LabError(
                '%s: sipp exit code %s (failed calls); logs in %s' % (self.name, code, self.workdir)
            )


def call_fields(call):
    """``(caller, quoted display name, extension, delay in ms, agent's phone mode)`` of a ``Calls`` tuple."""
    caller, display, ext, *rest = call
    delay_ms, mode = (list(rest) + [0, 'answer'][len(rest) :])[:2]
    return caller, quote_display(display), ext, delay_ms, mode


def quote_display(display):
    return '"%s"' % display if display else ''


def read_action_times(path, word):
    """Read the ``<log>`` lines ``<word> <call-id> <date>\\t<time>\\t<unix time>`` that the scenarios write."""
    return read_actions(path).get(word, {})


def read_actions(path):
    """Every timed ``<log>`` line of a scenario's log: ``{word: {call_id: unix time}}``."""
    actions = {}
    try:
        text = pathlib.Path(path).read_text(errors='replace')
    except OSError:
        return actions
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 5:
            try:
                actions.setdefault(parts[0], {})[parts[1]] = float(parts[-1])
            except ValueError:
                continue
    return actions


class DemoServer(Process):
    """``demo/manage.py demo_serve`` on 127.0.0.1:``port`` with its own SQLite database."""

    def __init__(self, workdir, port, database, output=None):
        self.port = port
        self.url = 'http://%s:%d' % (HOST, port)
        argv = [sys.executable, ROOT / 'demo' / 'manage.py', 'demo_serve']
        super().__init__(
            'demo', argv, pathlib.Path(workdir) / 'demo.log', env=demo_env(database, port), output=output
        )

    def wait_ready(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise LabError(
                    'the demo server exited (code %s):\n%s' % (self.popen.returncode, self.log_tail())
                )
            if http_answers(self.url + '/login/'):
                return
            time.sleep(0.2)
        raise LabError(
            'the demo server did not answer on %s within %ss:\n%s' % (self.url, timeout, self.log_tail())
        )


def demo_env(database, port):
    """The environment of a demo command: the demo's settings, whatever the caller's (a test run's) are."""
    env = dict(
        os.environ, DJANGO_SETTINGS_MODULE='demo.settings', DEMO_DATABASE=str(database), PORT=str(port)
    )
    env['PYTHONUNBUFFERED'] = '1'
    return env


# make ipbx-demo / make call

DEMO_API_USER = 'ipbx'
DEMO_API_KEY = 'abcdef'
DEMO_EXTENSIONS = ('42', '43')
# SIPp needs a global timeout: the demo's phones stop after this long.
DEMO_PHONE_HOURS = 8
REREGISTER_SECONDS = 1800


def interrupt_on_signals():
    """Ctrl-C and SIGTERM both end the demo or the call cleanly (KeyboardInterrupt), even when started
    in the background, where a shell leaves SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def run_demo(port, sip_port):
    """The demo with a real SIP server and two agent phones, in the foreground until Ctrl-C."""
    interrupt_on_signals()
    workdir = pathlib.Path(tempfile.mkdtemp(prefix='ipbx-demo-'))
    processes = []
    try:
        demo = DemoServer(
            workdir, port, os.environ.get('DEMO_DATABASE', ROOT / 'demo' / 'db.sqlite3'), output=sys.stdout
        )
        processes.append(demo)
        demo.wait_ready()
        kamailio = Kamailio(workdir, sip_port, demo.url + '/phonecalls/ipbx', DEMO_API_USER, DEMO_API_KEY)
        processes.append(kamailio)
        kamailio.wait_ready()
        phones = []
        for ext in DEMO_EXTENSIONS:
            phone = Phone(workdir, ext, sip_port, timeout=DEMO_PHONE_HOURS * 3600)
            processes.append(phone)
            phones.append(phone)
        print(
            '\nSIP server (Kamailio) on %s:%d, agent phones (SIPp) registered as extensions %s.\n'
            'Log in as agent/agent on %s/ and, from another terminal, place a call:\n'
            '  make call CALLER=0143250135 EXT=42%s\n'
            'Logs: %s. Ctrl-C stops everything.\n'
            % (
                HOST,
                sip_port,
                ' and '.join(DEMO_EXTENSIONS),
                demo.url,
                '' if sip_port == 5060 else ' SIP_PORT=%d' % sip_port,
                workdir,
            ),
            flush=True,
        )
        registered = time.monotonic()
        while all(process.running() for process in processes):
            time.sleep(0.5)
            if time.monotonic() - registered > REREGISTER_SECONDS:
                for phone in phones:
                    phone.register(sip_port)
                registered = time.monotonic()
        stopped = [process.name for process in processes if not process.running()]
        print('stopped: %s; logs in %s' % (', '.join(stopped), workdir), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        for process in reversed(processes):
            process.stop()


def run_call(caller, ext, sip_port, hold):
    """Place one call from ``caller`` to ``ext``; hang up after ``hold`` seconds, or at once on Ctrl-C.

    A Ctrl-C while the phone rings waits for the answer and hangs up at once:
    killing the caller's SIPp instead would leave an answered call that no
    BYE ever ends, on the agent's screen until the dialog times out.
    """
    interrupt_on_signals()
    workdir = pathlib.Path(tempfile.mkdtemp(prefix='ipbx-call-'))
    call = Calls(workdir, sip_port, [(caller, '', ext)], timeout=hold + 60)
    call_id = call.call_ids[0]
    try:
        end = time.monotonic() + 30
        answered = False
        while call.running() and time.monotonic() < end:
            try:
                if not answered and call_id in call.answered():
                    answered = True
                    print(
                        '%s -> %s answered (Call-ID %s); hanging up in %d s, or now with Ctrl-C'
                        % (caller, ext, call_id, hold)
                    )
                    end = time.monotonic() + hold
                time.sleep(0.1)
            except KeyboardInterrupt:
                end = 0 if answered else end
                hold = 0
        if not answered:
            print(unanswered_call_message(call.final_answer(), ext, sip_port, workdir), file=sys.stderr)
            return 1
        if call.running():
            call.hang_up()
        code = call.wait(15)
        print('hung up' if code == 0 else 'sipp exit code %s; see %s' % (code, workdir))
        return 0 if code == 0 else 1
    finally:
        call.stop()


def unanswered_call_message(final_answer, ext, sip_port, workdir):
    """What ``make call`` says of a call that was not answered, from the SIP server's final answer."""
    if final_answer is None:
        return 'no answer from the SIP server on %s:%d (is make ipbx-demo running?); see %s' % (
            HOST,
            sip_port,
            workdir,
        )
    if final_answer.startswith('404'):
        return (
            'the SIP server answered "%s": no phone is registered as extension %s (make ipbx-demo registers %s)'
            % (
                final_answer,
                ext,
                ' and '.join(DEMO_EXTENSIONS),
            )
        )
    return 'the call was not answered: the SIP server answered "%s"; see %s' % (final_answer, workdir)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    commands = parser.add_subparsers(dest='command', required=True)
    demo = commands.add_parser('demo', help='the demo with Kamailio and SIPp agent phones 42 and 43')
    demo.add_argument('--port', type=int, default=8000)
    demo.add_argument('--sip-port', type=int, default=5060)
    call = commands.add_parser('call', help='place one SIP call through the running demo')
    call.add_argument('--caller', required=True)
    call.add_argument('--ext', required=True)
    call.add_argument('--sip-port', type=int, default=5060)
    call.add_argument('--hold', type=int, default=30, help='seconds before the caller hangs up')
    args = parser.parse_args(argv)
    problem = missing_tools()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    if args.command == 'demo':
        return run_demo(args.port, args.sip_port)
    return run_call(args.caller, args.ext, args.sip_port, args.hold)


if __name__ == '__main__':
    sys.exit(main())
