from django.db import migrations

TOPICS = [
    ("sensory-regulation", "Sensory regulation"),
    ("relational-health", "Relational health"),
    ("assessment", "Assessment"),
    ("nmt-metrics", "NMT metrics"),
    ("classroom-nme", "Classroom (NME)"),
    ("supervision", "Supervision"),
    ("leadership", "Leadership"),
    ("implementation", "Implementation"),
]
AUDIENCES = [
    ("clinicians", "Clinicians"),
    ("educators", "Educators"),
    ("caregivers", "Caregivers"),
    ("coordinators", "Coordinators"),
    ("leaders", "Leaders"),
]


def create(apps, schema_editor):
    Topic = apps.get_model("resources", "Topic")
    Audience = apps.get_model("resources", "Audience")
    for slug, name in TOPICS:
        Topic.objects.get_or_create(slug=slug, defaults={"name": name})
    for slug, name in AUDIENCES:
        Audience.objects.get_or_create(slug=slug, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("resources", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
