"""Store the reading of each caller (kind, identity key, national digits, display form) and the IPBX's call id.

Stored calls are read again with ``numbers.read_caller`` in their connector's
default region. Invisible characters the connector used to accept are
removed from their callers first, so that each caller has one identity. The
one-open-call constraint moves from the raw caller to the identity key: when
two open calls of a callee turn out to be the same caller written two ways,
the older is closed at the start of the newer (the caller could not be on
both). Going back closes the open calls that the raw-caller constraint would
refuse in the same way.
"""

from django.db import migrations, models
from django.db.models import Q

from passerelle_phonecalls.numbers import is_hidden_character, read_caller

BATCH = 500


def close_duplicate_open_calls(Call, fields):
    """Close every open call but the newest among those sharing ``fields``, at the newest's start."""
    newest = {}
    closing = []
    for call in Call.objects.filter(end__isnull=True).order_by('-start', '-pk').iterator(chunk_size=BATCH):
        group = tuple(getattr(call, field) for field in fields)
        if group in newest:
            call.end = max(call.start, newest[group].start)
            closing.append(call)
        else:
            newest[group] = call
    Call.objects.bulk_update(closing, ['end'], batch_size=BATCH)


def read_stored_callers(apps, schema_editor):
    Call = apps.get_model('passerelle_phonecalls', 'Call')
    calls = []
    for call in Call.objects.select_related('resource').order_by('pk').iterator(chunk_size=BATCH):
        call.caller = ''.join(char for char in call.caller if not is_hidden_character(char)).strip() or call.caller
        reading = read_caller(call.caller, call.resource.default_region)
        call.kind = reading.kind
        call.caller_key = reading.key
        call.caller_e164 = reading.e164 or ''
        call.caller_national = reading.national or ''
        call.caller_display = reading.display or ''
        calls.append(call)
        if len(calls) == BATCH:
            save_readings(Call, calls)
            calls = []
    save_readings(Call, calls)
    close_duplicate_open_calls(Call, ['resource_id', 'callee', 'caller_key'])
    check_foreign_keys_now(schema_editor)


def check_foreign_keys_now(schema_editor):
    """Run the foreign key checks PostgreSQL deferred for the rows just updated.

    Pending checks would otherwise forbid creating the constraints' indexes
    in the same transaction ("pending trigger events").
    """
    if schema_editor.connection.vendor == 'postgresql':
        schema_editor.execute('SET CONSTRAINTS ALL IMMEDIATE')
        schema_editor.execute('SET CONSTRAINTS ALL DEFERRED')


def save_readings(Call, calls):
    Call.objects.bulk_update(
        calls, ['caller', 'kind', 'caller_key', 'caller_e164', 'caller_national', 'caller_display']
    )


def back_to_raw_callers(apps, schema_editor):
    close_duplicate_open_calls(apps.get_model('passerelle_phonecalls', 'Call'), ['resource_id', 'callee', 'caller'])
    check_foreign_keys_now(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('passerelle_phonecalls', '0001_initial'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='call',
            name='passerelle_phonecalls_one_open_call',
        ),
        migrations.AddField(
            model_name='call',
            name='call_id',
            field=models.CharField(blank=True, default='', max_length=128, verbose_name='call identifier'),
        ),
        migrations.AddField(
            model_name='call',
            name='kind',
            field=models.CharField(
                choices=[
                    ('external', 'external number'),
                    ('internal', 'internal extension'),
                    ('withheld', 'withheld number'),
                    ('unreadable', 'unreadable caller'),
                ],
                default='unreadable',
                max_length=10,
                verbose_name='kind of caller',
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='call',
            name='caller_key',
            field=models.CharField(default='', max_length=64, verbose_name='caller identity'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='call',
            name='caller_national',
            field=models.CharField(blank=True, default='', max_length=16, verbose_name='caller (national digits)'),
        ),
        migrations.AddField(
            model_name='call',
            name='caller_display',
            field=models.CharField(blank=True, default='', max_length=64, verbose_name='caller (as shown)'),
        ),
        migrations.RunPython(read_stored_callers, back_to_raw_callers),
        migrations.AddConstraint(
            model_name='call',
            constraint=models.UniqueConstraint(
                condition=Q(('call_id', ''), ('end__isnull', True)),
                fields=('resource', 'callee', 'caller_key'),
                name='passerelle_phonecalls_one_open_call',
            ),
        ),
        migrations.AddConstraint(
            model_name='call',
            constraint=models.UniqueConstraint(
                condition=Q(('call_id', ''), _negated=True),
                fields=('resource', 'callee', 'call_id'),
                name='passerelle_phonecalls_one_call_per_id',
            ),
        ),
    ]
