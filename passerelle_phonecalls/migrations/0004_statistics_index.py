"""Serve the call statistics (``statistics.py``): calls indexed by connector and start, and quarter-hour totals.

The calls already stored are counted into totals here, once, so that no
statistics request has to count a whole history (about ten seconds for a
million calls).
"""

import django.db.models.deletion
from django.db import migrations, models

from passerelle_phonecalls import statistics


def count_stored_calls(apps, schema_editor):
    for connector in apps.get_model('passerelle_phonecalls', 'PhoneCalls').objects.all():
        statistics.catch_up(connector)


class Migration(migrations.Migration):
    dependencies = [
        ('passerelle_phonecalls', '0003_transfers'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='call',
            index=models.Index(fields=['resource', 'start'], name='ppc_call_statistics'),
        ),
        migrations.CreateModel(
            name='CallTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('start', models.DateTimeField(verbose_name='start of the quarter hour')),
                (
                    'kind',
                    models.CharField(
                        choices=[
                            ('external', 'external number'),
                            ('internal', 'internal extension'),
                            ('withheld', 'withheld number'),
                            ('unreadable', 'unreadable caller'),
                        ],
                        max_length=10,
                        verbose_name='kind of caller',
                    ),
                ),
                ('calls', models.PositiveIntegerField(verbose_name='calls')),
                ('finished', models.PositiveIntegerField(verbose_name='finished calls')),
                ('seconds', models.BigIntegerField(verbose_name='duration of the finished calls (in seconds)')),
                (
                    'resource',
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name='call_totals',
                        to='passerelle_phonecalls.phonecalls',
                        verbose_name='connector',
                    ),
                ),
            ],
            options={
                'verbose_name': 'call total',
                'verbose_name_plural': 'call totals',
                'constraints': [
                    models.UniqueConstraint(
                        fields=('resource', 'start', 'kind'), name='passerelle_phonecalls_one_total'
                    )
                ],
            },
        ),
        # Going back drops the totals with their table.
        migrations.RunPython(count_stored_calls, migrations.RunPython.noop),
    ]
