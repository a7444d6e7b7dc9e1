"""Store the full-text vector in a column kept by a trigger, and index the column.

Ranking then reads the stored vector instead of re-parsing every matching row's texts (see
bench/README.md, "Library search"). PostgreSQL only; on SQLite the column stays empty and the
library searches with its simple fallback.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models

VECTOR = (
    "setweight(to_tsvector('english'::regconfig, coalesce(NEW.title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(NEW.summary, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(NEW.body, '')), 'C')"
)

FORWARDS = [
    "DROP INDEX IF EXISTS resource_search_idx",
    f"""
    CREATE OR REPLACE FUNCTION resources_resource_search_vector() RETURNS trigger AS $$
    BEGIN
        NEW.search_vector := {VECTOR};
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER resources_resource_search_vector_update
    BEFORE INSERT OR UPDATE OF title, summary, body, search_vector ON resources_resource
    FOR EACH ROW EXECUTE FUNCTION resources_resource_search_vector()
    """,
    # Fire the trigger once for the rows that exist.
    "UPDATE resources_resource SET search_vector = NULL",
    # Only published resources are ever searched: a partial index is smaller, and its
    # predicate makes it the planner's choice for the library's queries.
    "CREATE INDEX resource_search_vector_idx ON resources_resource USING gin (search_vector) "
    "WHERE status = 'published'",
]

BACKWARDS = [
    "DROP INDEX IF EXISTS resource_search_vector_idx",
    "DROP TRIGGER IF EXISTS resources_resource_search_vector_update ON resources_resource",
    "DROP FUNCTION IF EXISTS resources_resource_search_vector()",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in FORWARDS:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in BACKWARDS:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("resources", "0002_topics_and_audiences")]

    operations = [
        migrations.AddField(
            model_name="resource",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="resource", name="resource_search_idx"),
                migrations.AddIndex(
                    model_name="resource",
                    index=django.contrib.postgres.indexes.GinIndex(
                        condition=models.Q(("status", "published")),
                        fields=["search_vector"],
                        name="resource_search_vector_idx",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
