from django.db import migrations

# The default milestones (0005) the portal can compute from its records, by their title.
COMPUTED = {
    "Staff trained in NMT concepts": "concepts",
    "First clinicians certified in Phase I": "phase_1",
    "A Phase II / Train-the-Trainer certified in-house trainer": "trainers",
    "Sensory-sensitive spaces in place": "sensory_spaces",
}


def compute(apps, schema_editor):
    """Those milestones are computed from now on; the ticks coordinators gave them mean nothing
    any more (the figure decides), so they go."""
    SiteMilestone = apps.get_model("members", "SiteMilestone")
    AgencyMilestone = apps.get_model("members", "AgencyMilestone")
    for title, measure in COMPUTED.items():
        milestones = SiteMilestone.objects.filter(title=title, measure="")
        AgencyMilestone.objects.filter(milestone__in=milestones).delete()
        milestones.update(measure=measure)


def uncompute(apps, schema_editor):
    SiteMilestone = apps.get_model("members", "SiteMilestone")
    SiteMilestone.objects.filter(title__in=COMPUTED).update(measure="")


class Migration(migrations.Migration):
    dependencies = [("members", "0006_agency_claims_and_plausible_values")]

    operations = [migrations.RunPython(compute, uncompute)]
