"""A resource's language. On SQLite (the embedded default) the column is added with ALTER TABLE:
Django's usual way there remakes the table with every index of the state, and migration 0004's
index is a PostgreSQL expression that SQLite cannot read."""

from django.db import migrations, models

FIELD = models.CharField(
    choices=[("en", "English"), ("es", "Spanish"), ("bilingual", "English and Spanish")],
    default="en",
    help_text="The language the resource is written or recorded in.",
    max_length=16,
    verbose_name="language",
)


def _field(model):
    # The state this runs in is the one before the field exists: a copy of it, named.
    field = FIELD.clone()
    field.set_attributes_from_name("language")
    field.model = model
    return field


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "ALTER TABLE resources_resource ADD COLUMN language varchar(16) NOT NULL DEFAULT 'en'"
        )
        return
    model = apps.get_model("resources", "Resource")
    schema_editor.add_field(model, _field(model))


def backwards(apps, schema_editor):
    model = apps.get_model("resources", "Resource")
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("ALTER TABLE resources_resource DROP COLUMN language")
        return
    schema_editor.remove_field(model, _field(model))


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0004_members_only_title_and_summary_search_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddField("resource", "language", FIELD)],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
