"""Index the title-and-summary vector of members-only resources.

A visitor who is not signed in searches a members-only resource by its title and summary only
(``resources.models.TitleAndSummaryVector``, ``ts_filter`` of the stored vector to weights A
and B), public ones by the whole vector. This partial GIN index covers the first branch as
``resource_search_vector_idx`` covers the second, so the search stays an index scan. PostgreSQL
only, like migration 0003.
"""

import django.contrib.postgres.indexes
from django.db import migrations, models

import resources.models

CREATE = (
    "CREATE INDEX resource_members_head_idx ON resources_resource "
    "USING gin (ts_filter(search_vector, '{a,b}'::\"char\"[])) "
    "WHERE status = 'published' AND visibility = 'members'"
)
DROP = "DROP INDEX IF EXISTS resource_members_head_idx"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("resources", "0003_stored_search_vector")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="resource",
                    index=django.contrib.postgres.indexes.GinIndex(
                        resources.models.TitleAndSummaryVector("search_vector"),
                        condition=models.Q(("status", "published"), ("visibility", "members")),
                        name="resource_members_head_idx",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
