"""Townships: the departments and cases of an existing installation move into its default township (see
households 0005), and the month counters take the township's prefix (202611 → MQ202611); no number changes."""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def into_the_default_township(apps, schema_editor):
    Department = apps.get_model("petitions", "Department")
    Petition = apps.get_model("petitions", "Petition")
    Counter = apps.get_model("petitions", "TrackingCounter")
    if not (Department.objects.exists() or Petition.objects.exists() or Counter.objects.exists()):
        return
    households_0005 = importlib.import_module("households.migrations.0005_townships")
    township = households_0005.the_default_township(apps.get_model("households", "Township"))
    Department.objects.filter(township__isnull=True).exclude(kind="county").update(township=township)
    Petition.objects.filter(township__isnull=True).update(township=township)
    for counter in Counter.objects.all():
        if counter.month.isdigit():
            counter.month = f"{township.number_prefix}{counter.month}"
            counter.save(update_fields=["month"])


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0005_townships"),
        ("petitions", "0010_publication_dates_from_the_case"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="department",
            name="township",
            field=models.ForeignKey(
                blank=True,
                help_text="县直单位不填。",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="departments",
                to="households.township",
                verbose_name="所属乡镇",
            ),
        ),
        migrations.AddField(
            model_name="petition",
            name="township",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="petitions",
                to="households.township",
                verbose_name="乡镇",
            ),
        ),
        migrations.AlterField(
            model_name="department",
            name="kind",
            field=models.CharField(
                choices=[("office", "乡镇站所"), ("village", "村委会"), ("county", "县直单位")],
                default="office",
                max_length=10,
                verbose_name="类型",
            ),
        ),
        migrations.AlterField(
            model_name="department",
            name="name",
            field=models.CharField(max_length=50, verbose_name="名称"),
        ),
        migrations.AlterField(
            model_name="trackingcounter",
            name="month",
            field=models.CharField(max_length=16, unique=True, verbose_name="编号前缀与月份"),
        ),
        migrations.RunPython(into_the_default_township, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="department",
            constraint=models.UniqueConstraint(fields=("township", "name"), name="department_name_per_township"),
        ),
        migrations.AddConstraint(
            model_name="department",
            constraint=models.UniqueConstraint(
                condition=models.Q(("township__isnull", True)), fields=("name",), name="county_unit_name_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="department",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "county"), ("township__isnull", True)),
                    models.Q(models.Q(("kind", "county"), _negated=True), ("township__isnull", False)),
                    _connector="OR",
                ),
                name="department_county_units_have_no_township",
            ),
        ),
    ]
