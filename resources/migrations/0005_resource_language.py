"""Resource.language (issue #15).

The column is added with plain SQL rather than ``AddField``: on SQLite (the embedded default of
``make run``) ``AddField`` rebuilds the table and, with it, every index of the model's state,
including the PostgreSQL-only GIN indexes of migrations 0003 and 0004, which SQLite cannot
parse. ``ALTER TABLE ... ADD COLUMN`` with a constant default works on both.
"""

from django.db import migrations, models

ADD = (
    'ALTER TABLE resources_resource ADD COLUMN "language" varchar(16) DEFAULT \'en\' NOT NULL'
)
# As AddField leaves it on PostgreSQL: the default fills the existing rows, then goes.
DROP_DEFAULT = 'ALTER TABLE resources_resource ALTER COLUMN "language" DROP DEFAULT'
REMOVE = 'ALTER TABLE resources_resource DROP COLUMN "language"'


def forwards(apps, schema_editor):
    schema_editor.execute(ADD)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_DEFAULT)


def backwards(apps, schema_editor):
    schema_editor.execute(REMOVE)


class Migration(migrations.Migration):

    dependencies = [
        ('resources', '0004_members_only_title_and_summary_search_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name='resource',
                    name='language',
                    field=models.CharField(choices=[('en', 'English'), ('es', 'Spanish'), ('bilingual', 'English and Spanish')], default='en', help_text='The language the resource is written or recorded in.', max_length=16, verbose_name='language'),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
