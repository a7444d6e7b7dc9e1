from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    # createcachetable creates the tables of every database cache that is missing: here the
    # "pages" cache of portal/pagecache.py.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial"), ("members", "0002_cache_table")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
