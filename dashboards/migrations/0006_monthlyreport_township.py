"""Monthly reports per township: every report built so far is the single township's there was (the default
township of households 0005), so each existing row moves into it; a row with no township is from now on the
county workbook (县级汇总). The new unique constraints follow in 0007, in a transaction of their own."""

import importlib

import django.db.models.deletion
from django.db import migrations, models


def reports_into_the_default_township(apps, schema_editor):
    MonthlyReport = apps.get_model("dashboards", "MonthlyReport")
    if not MonthlyReport.objects.exists():
        return
    households_0005 = importlib.import_module("households.migrations.0005_townships")
    township = households_0005.the_default_township(apps.get_model("households", "Township"))
    MonthlyReport.objects.filter(township__isnull=True).update(township=township)


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0005_summary_township"),
        ("households", "0006_townships_required"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="monthlyreport",
            name="monthly_report_one_per_month",
        ),
        migrations.AddField(
            model_name="monthlyreport",
            name="township",
            field=models.ForeignKey(
                blank=True,
                help_text="空表示全县汇总。",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="households.township",
                verbose_name="乡镇",
            ),
        ),
        migrations.RunPython(reports_into_the_default_township, migrations.RunPython.noop),
    ]
