"""Indexes for a name's prefix among one agency's records (the search of an agency's own work).

The plain (agency, family_key) btree serves only equality under PostgreSQL's default collation,
so `agency = 3 AND family_key LIKE 'maj%'` read the family_key index across every agency and
filtered (22 ms at a million children); with varchar_pattern_ops it is one range of one agency
(2 ms). On PostgreSQL the new indexes are built CONCURRENTLY, as 0008's, so a live partnership
keeps writing records while they build; SQLite (development and tests) builds them plainly.
"""

from django.db import migrations, models

OLD = "children_ag_agency__d6f207_idx"
NEW = (
    models.Index(
        fields=["agency", "family_key"], name="record_agency_family", opclasses=["int8_ops", "varchar_pattern_ops"]
    ),
    models.Index(
        fields=["agency", "given_key"], name="record_agency_given", opclasses=["int8_ops", "varchar_pattern_ops"]
    ),
)


def _postgres(schema_editor):
    return schema_editor.connection.vendor == "postgresql"


def forwards(apps, schema_editor):
    model = apps.get_model("children", "AgencyRecord")
    for index in NEW:
        if _postgres(schema_editor):
            schema_editor.add_index(model, index, concurrently=True)
        else:
            schema_editor.add_index(model, index)
    schema_editor.execute(f"DROP INDEX {'CONCURRENTLY ' if _postgres(schema_editor) else ''}IF EXISTS {OLD}")


def backwards(apps, schema_editor):
    model = apps.get_model("children", "AgencyRecord")
    schema_editor.add_index(model, models.Index(fields=["agency", "family_key"], name=OLD))
    for index in NEW:
        schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("children", "0008_search_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="agencyrecord", name=OLD),
                *(migrations.AddIndex(model_name="agencyrecord", index=index) for index in NEW),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        )
    ]
