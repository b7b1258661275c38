"""Kept counts are grouped by township too. The kept counts of before are dropped (they are counted again from
the cases by beat's next refresh, or ``build_month_summaries``); until then the figures are counted from the
cases, never wrong."""

from django.db import migrations


def forget_kept_counts(apps, schema_editor):
    apps.get_model("dashboards", "Summary").objects.all().delete()
    apps.get_model("dashboards", "SummaryBuild").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0003_monthlyreport_heartbeat_at"),
        ("households", "0006_townships_required"),
    ]

    operations = [
        migrations.RunPython(forget_kept_counts, migrations.RunPython.noop),
    ]
