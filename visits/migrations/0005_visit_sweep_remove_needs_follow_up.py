"""Visits made under a sweep (排查); 需要跟进 leaves the visit: lists 0002 moved each flagged visit into an item."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0004_contact_reports"),
        ("lists", "0002_items_from_visit_follow_ups"),
    ]

    operations = [
        migrations.RemoveField(model_name="visit", name="needs_follow_up"),
        migrations.AddField(
            model_name="visit",
            name="sweep",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="visits",
                to="lists.sweep",
                verbose_name="排查",
            ),
        ),
    ]
