"""Resource.language: the language a resource is written or recorded in.

On SQLite (the embedded default of ``make run``) Django adds a NOT NULL column by rebuilding the
table, and the rebuild re-creates every index of the model, including the PostgreSQL-only GIN
index of migration 0004 (``ts_filter(…)::"char"[]``), which SQLite cannot parse. So the column
is added with a plain ``ALTER TABLE … ADD COLUMN`` there; PostgreSQL gets Django's own.
"""

from django.db import migrations, models

FIELD = models.CharField(
    choices=[("en", "English"), ("es", "Spanish"), ("bilingual", "English and Spanish")],
    default="en",
    help_text="The language the resource is written or recorded in.",
    max_length=16,
    verbose_name="language",
)


def _field():
    field = FIELD.clone()
    field.set_attributes_from_name("language")
    return field


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "ALTER TABLE resources_resource ADD COLUMN language varchar(16) NOT NULL DEFAULT 'en'"
        )
    else:
        schema_editor.add_field(apps.get_model("resources", "Resource"), _field())


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("ALTER TABLE resources_resource DROP COLUMN language")
    else:
        schema_editor.remove_field(apps.get_model("resources", "Resource"), _field())


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0004_members_only_title_and_summary_search_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(model_name="resource", name="language", field=FIELD),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
