import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ('combo_phone_cell', '0003_extension_holding'),
    ]

    operations = [
        migrations.AlterField(
            model_name='phonecallcell',
            name='poll_interval',
            field=models.PositiveSmallIntegerField(
                default=1,
                help_text='Seconds between two checks for a new call (1 to 60).',
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(60),
                ],
                verbose_name='Poll interval',
            ),
        ),
    ]
