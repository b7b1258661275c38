"""Kept counts grouped by township (after 0004 dropped the old ones, in a transaction of its own)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0004_forget_kept_counts")]

    operations = [
        migrations.AddField(
            model_name="summary",
            name="township",
            field=models.ForeignKey(
                default=1,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="households.township",
                verbose_name="乡镇",
            ),
            preserve_default=False,
        ),
    ]
