"""Every person has a calendar token from the start, so showing the feed's address never writes.

The people who had none get one here; then the column becomes NOT NULL with a default."""

from django.db import migrations, models

import members.models


def give_every_person_a_token(apps, schema_editor):
    Person = apps.get_model("members", "Person")
    for person in Person.objects.filter(calendar_token__isnull=True).only("pk").iterator():
        Person.objects.filter(pk=person.pk).update(
            calendar_token=members.models.new_calendar_token()
        )


class Migration(migrations.Migration):
    dependencies = [("members", "0007_computed_milestones")]

    operations = [
        migrations.RunPython(give_every_person_a_token, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="person",
            name="calendar_token",
            field=models.CharField(
                default=members.models.new_calendar_token,
                editable=False,
                max_length=64,
                unique=True,
                verbose_name="calendar feed token",
            ),
        ),
    ]
