"""Default retention periods per record type: a starting point each agency must confirm
against its own retention schedule (editable in the admin)."""

from django.db import migrations

DEFAULTS = [
    ("childrens_social_care", 25, "Default: 25 years after last change; confirm against the council's schedule."),
    ("early_help", 7, "Default: 7 years after last change; confirm against the council's schedule."),
    ("police", 6, "Default: 6 years after last change, in line with MoPI review periods; confirm locally."),
    ("health", 8, "Default: 8 years after last change; confirm against the Records Management Code of Practice."),
    ("education", 7, "Default: 7 years after last change; confirm against the school's schedule."),
    ("youth_justice", 7, "Default: 7 years after last change; confirm against the YJS schedule."),
    ("third_sector", 6, "Default: 6 years after last change; confirm against the organisation's schedule."),
]


def forwards(apps, schema_editor):
    RetentionPolicy = apps.get_model("governance", "RetentionPolicy")
    for agency_type, years, basis in DEFAULTS:
        RetentionPolicy.objects.get_or_create(agency_type=agency_type, defaults={"years": years, "basis": basis})


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
