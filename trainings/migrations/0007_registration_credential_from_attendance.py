"""Each registration remembers the credential that marking it attended recorded, so unmarking it
removes that credential and no other.

Credentials recorded by attendance before this link existed are linked to the attendance that
recorded them: the person's attended concepts registration of the same model whose training
ended on the credential's date, or else their earliest such attendance.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone


def link_existing(apps, schema_editor):
    Credential = apps.get_model("members", "Credential")
    Registration = apps.get_model("trainings", "Registration")
    for credential in Credential.objects.filter(source="attendance", level="concepts"):
        candidates = list(
            Registration.objects.filter(
                person_id=credential.person_id,
                status="confirmed",
                attendance="attended",
                training__kind="concepts",
                training__model=credential.model,
            )
            .select_related("training")
            .order_by("training__ends_at", "pk")
        )
        if not candidates:
            continue
        chosen = next(
            (
                r
                for r in candidates
                if r.training.ends_at
                and timezone.localdate(r.training.ends_at) == credential.earned_on
            ),
            candidates[0],
        )
        chosen.credential_id = credential.pk
        chosen.save(update_fields=["credential"])


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0005_default_milestones"),
        ("trainings", "0006_catalogue_listed_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="registration",
            name="credential",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="attendance_registration",
                to="members.credential",
                verbose_name="credential recorded by attendance",
            ),
        ),
        migrations.RunPython(link_existing, migrations.RunPython.noop),
    ]
