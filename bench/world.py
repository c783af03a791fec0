"""What the benchmarks load into their database: the demo world, agents with sessions, call history.

Runs in the bench process once Django is set up on the bench database
(``servers.setup_django``).
"""

import random

from django.conf import settings
from django.db import connection, transaction

AGENT_PASSWORD = 'bench'
FIRST_AGENT_EXTENSION = 5000
HISTORY_CALLEES = 1000
# The extensions whose polls the history benchmark times; each has a full
# recent list at every size, so only the history behind it grows.
MEASURED_EXTENSIONS = [str(1000 + index) for index in range(20)]


def seed_demo(connector_base_url):
    """The demo world (connector ``ipbx``, agents 42/43, the portal page); returns the phone cell."""
    from combo_phone_cell.models import PhoneCallCell
    from demo.seed import seed

    seed(connector_base_url, settings.BENCH_SIGNATURE_ORIG, settings.BENCH_SIGNATURE_SECRET)
    return PhoneCallCell.objects.get(slug='telephonie')


def agent_extensions(count, first=FIRST_AGENT_EXTENSION):
    """``count`` distinct extensions, from ``first`` on."""
    return [str(first + index) for index in range(count)]


@transaction.atomic
def create_agents(extensions, prefix='bench-agent'):
    """Create one agent per extension of ``extensions``, each with a logged-in session.

    Returns ``[(session_key, extension), ...]``. Sessions are written the way
    Django's login writes them, so the poll view sees a logged-in agent.
    """
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from combo_phone_cell.models import AgentExtension

    User = get_user_model()
    password = make_password(AGENT_PASSWORD)
    users = User.objects.bulk_create(
        [User(username='%s-%d' % (prefix, index), password=password) for index in range(len(extensions))]
    )
    users = list(User.objects.filter(username__startswith=prefix + '-').order_by('pk'))
    AgentExtension.objects.bulk_create(
        [
            AgentExtension(user=user, extension=extension)
            for user, extension in zip(users, extensions, strict=True)
        ]
    )
    expire = timezone.now() + timezone.timedelta(days=1)
    agents = []
    sessions = []
    for user, extension in zip(users, extensions, strict=True):
        store = SessionStore()
        key = store._get_new_session_key()
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: 'django.contrib.auth.backends.ModelBackend',
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
        agents.append((key, extension))
    Session.objects.bulk_create(sessions)
    return agents


def call_count():
    from passerelle_phonecalls.models import Call

    return Call.objects.count()


def load_history(connector, total, seed=0):
    """Bring the call table to ``total`` rows (PostgreSQL), spread over ``HISTORY_CALLEES`` extensions.

    The first rows give each measured extension ten finished calls in the
    last hour and every other one of them an open call, so the answer of a
    poll has the same size at every history size; the rest are finished
    calls from the last 60 days (the default retention) on every extension.
    One ``INSERT ... SELECT generate_series`` per step, then ``ANALYZE``.
    """
    existing = call_count()
    table = 'passerelle_phonecalls_call'
    with connection.cursor() as cursor:
        cursor.execute('SELECT setseed(%s)', [seed / 1000.0])
        if existing == 0:
            for index, extension in enumerate(MEASURED_EXTENSIONS):
                cursor.execute(
                    f"""INSERT INTO {table} (resource_id, caller, callee, call_id, kind, caller_key, caller_e164, caller_national, caller_display, start, "end", details)
                    SELECT %s, '06' || lpad((n * 7919 %% 100000000)::text, 8, '0'), %s, '', 'external',
                           '+336' || lpad((n * 7919 %% 100000000)::text, 8, '0'),
                           '+336' || lpad((n * 7919 %% 100000000)::text, 8, '0'),
                           '06' || lpad((n * 7919 %% 100000000)::text, 8, '0'),
                           '06' || lpad((n * 7919 %% 100000000)::text, 8, '0'),
                           now() - n * interval '5 minutes', now() - n * interval '5 minutes' + interval '3 minutes',
                           '{{}}'::jsonb
                    FROM generate_series(1, 10) AS n""",
                    [connector.pk, extension],
                )
                if index % 2 == 0:
                    cursor.execute(
                        f"""INSERT INTO {table} (resource_id, caller, callee, call_id, kind, caller_key, caller_e164, caller_national, caller_display, start, "end", details)
                        VALUES (%s, '0143250135', %s, '', 'external', '+33143250135', '+33143250135', '0143250135',
                                '01 43 25 01 35', now() - interval '1 minute', NULL, '{{}}'::jsonb)""",
                        [connector.pk, extension],
                    )
            existing = call_count()
        missing = total - existing
        if missing > 0:
            # Rebuilding the indexes after the load is several times faster
            # than maintaining them row by row in random order.
            cursor.execute(
                'SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT LIKE %s',
                [table, '%pkey'],
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute('DROP INDEX %s' % connection.ops.quote_name(name))
            cursor.execute(
                f"""INSERT INTO {table} (resource_id, caller, callee, call_id, kind, caller_key, caller_e164, caller_national, caller_display, start, "end", details)
                SELECT %s, caller, (1000 + (n %% %s))::text, '', 'external', '+33' || substr(caller, 2),
                       '+33' || substr(caller, 2), caller, caller, start,
                       start + (30 + floor(random() * 600)) * interval '1 second', '{{}}'::jsonb
                FROM (
                    SELECT n, '0' || (1 + n %% 7)::text || lpad(floor(random() * 100000000)::text, 8, '0') AS caller,
                           now() - interval '2 hours' - random() * interval '60 days' AS start
                    FROM generate_series(%s, %s) AS n
                ) AS generated""",
                [connector.pk, HISTORY_CALLEES, existing, total - 1],
            )
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for _name, definition in indexes:
                cursor.execute(definition)
        cursor.execute(f'ANALYZE {table}')
    return call_count()


def shuffled(items, seed=0):
    items = list(items)
    random.Random(seed).shuffle(items)
    return items
