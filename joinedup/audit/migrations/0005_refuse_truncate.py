"""On PostgreSQL, refuse TRUNCATE of the audit table in the database itself.

The row triggers of 0003 do not fire for TRUNCATE, which empties the table in
one statement. A statement-level trigger closes that gap. The application role
should not own the table (docs/deployment.md, "Audit trail: a separate owner
role"), so it cannot disable either trigger; the keyed chain and the
checkpoints outside the database catch anything done by whoever can.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_auditevent_no_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (TRUNCATE refused)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_auditevent_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_auditevent_no_truncate();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_auditevent_no_truncate();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_drop_redundant_index")]

    operations = [migrations.RunPython(forwards, backwards)]
