from django.db import migrations

MILESTONES = [
    "Leadership commits to implementing NMT",
    "An implementation lead is named",
    "Staff trained in NMT concepts",
    "First clinicians certified in Phase I",
    "A Phase II / Train-the-Trainer certified in-house trainer",
    "NMT used in assessment and planning for new cases",
    "Sensory-sensitive spaces in place",
    "Supervision uses the neurosequential lens",
    "Site-certification application submitted",
]


def create(apps, schema_editor):
    SiteMilestone = apps.get_model("members", "SiteMilestone")
    if SiteMilestone.objects.exists():
        return
    SiteMilestone.objects.bulk_create(
        SiteMilestone(title=title, order=index) for index, title in enumerate(MILESTONES, 1)
    )


class Migration(migrations.Migration):
    dependencies = [("members", "0004_site_milestones")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
