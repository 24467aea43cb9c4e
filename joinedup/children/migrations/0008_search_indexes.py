"""Indexes for the child search at a million children (docs/decisions/0005-search-and-work-checks-at-scale.md).

The agency reference's case-insensitive match gets an expression index (every database). The
aliases' substring match gets a pg_trgm GIN index on PostgreSQL only, built CONCURRENTLY so a
live partnership keeps writing records while it builds; SQLite (development and tests) scans.
"""

import django.db.models.functions.text
from django.db import migrations, models

TRIGRAM_INDEX = "record_other_keys_trgm"


def _postgres(schema_editor):
    return schema_editor.connection.vendor == "postgresql"


def add_trigram_index(apps, schema_editor):
    if not _postgres(schema_editor):
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {TRIGRAM_INDEX} "
        "ON children_agencyrecord USING gin (other_keys gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if _postgres(schema_editor):
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("children", "0007_joins_carry_everything"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="agencyrecord",
            index=models.Index(django.db.models.functions.text.Upper("local_id"), name="record_local_id_upper"),
        ),
        migrations.RunPython(add_trigram_index, drop_trigram_index, elidable=False),
    ]
