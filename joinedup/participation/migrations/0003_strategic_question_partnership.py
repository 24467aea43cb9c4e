import django.db.models.deletion
from django.db import migrations, models


def fill_partnership(apps, schema_editor):
    """Give each existing question its partnership: from its area, else from who answered it,
    else the only partnership there is. A question none of these settle stays unowned and
    is shown to nobody (fail closed)."""
    Question = apps.get_model("participation", "StrategicQuestion")
    Contribution = apps.get_model("participation", "Contribution")
    Partnership = apps.get_model("partnership", "Partnership")
    only = list(Partnership.objects.values_list("pk", flat=True)[:2])
    for question in Question.objects.filter(partnership__isnull=True):
        owner = question.area.partnership_id if question.area_id else None
        if owner is None:
            owners = set(
                Contribution.objects.filter(question=question).values_list(
                    "heard_by__membership__agency__partnership_id", flat=True
                )
            ) - {None}
            owner = owners.pop() if len(owners) == 1 else None
        if owner is None and len(only) == 1:
            owner = only[0]
        if owner is not None:
            question.partnership_id = owner
            question.save(update_fields=["partnership"])


class Migration(migrations.Migration):
    dependencies = [
        ("participation", "0002_alter_contribution_themes_and_more"),
        ("partnership", "0002_alter_informationsharingagreement_categories_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="strategicquestion",
            name="partnership",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="strategic_questions",
                to="partnership.partnership",
            ),
        ),
        migrations.RunPython(fill_partnership, migrations.RunPython.noop),
    ]
