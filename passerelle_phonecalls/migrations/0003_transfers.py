"""Keep each call's linked identifier and who transferred it; index a citizen's calls.

Stored calls with a call identifier get it as their linked identifier, as
new calls without a ``linkedid`` parameter do, so that a transferred leg
arriving just after the upgrade still finds its call.
"""

from django.db import migrations, models


def link_stored_calls(apps, schema_editor):
    Call = apps.get_model('passerelle_phonecalls', 'Call')
    Call.objects.exclude(call_id='').update(linked_id=models.F('call_id'))


class Migration(migrations.Migration):
    dependencies = [
        ('passerelle_phonecalls', '0002_caller_reading_and_call_id'),
    ]

    operations = [
        migrations.AddField(
            model_name='call',
            name='linked_id',
            field=models.CharField(
                blank=True, max_length=128, null=True, verbose_name='linked call identifier'
            ),
        ),
        migrations.AddField(
            model_name='call',
            name='transferred_from',
            field=models.CharField(
                blank=True, max_length=64, null=True, verbose_name='transferred from (extension)'
            ),
        ),
        migrations.RunPython(link_stored_calls, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='call',
            index=models.Index(fields=['resource', 'caller_key'], name='ppc_call_caller'),
        ),
        migrations.AddIndex(
            model_name='call',
            index=models.Index(
                condition=models.Q(('linked_id__isnull', False)),
                fields=['resource', 'linked_id'],
                name='ppc_call_linked',
            ),
        ),
    ]
