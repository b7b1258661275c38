"""One report per township and month, and one county workbook (no township) per month: two partial unique
constraints, as SQLite does not enforce ``nulls_distinct=False``."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0006_monthlyreport_township")]

    operations = [
        migrations.AddConstraint(
            model_name="monthlyreport",
            constraint=models.UniqueConstraint(
                condition=models.Q(("township__isnull", False)),
                fields=("township", "year", "month"),
                name="monthly_report_one_per_township_month",
            ),
        ),
        migrations.AddConstraint(
            model_name="monthlyreport",
            constraint=models.UniqueConstraint(
                condition=models.Q(("township__isnull", True)),
                fields=("year", "month"),
                name="monthly_report_one_county_per_month",
            ),
        ),
    ]
