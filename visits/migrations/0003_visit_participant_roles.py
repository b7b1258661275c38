"""The people of a visit get roles (1+2+N, issue 18): the plain many-to-many table becomes the through model
``VisitParticipant`` with its rows kept (state only), then gains the role column (其他 for every existing row)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0002_visit_petitions_revisit"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="VisitParticipant",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "visit",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="team",
                                to="visits.visit",
                                verbose_name="走访记录",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="visit_roles",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="人员",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "走访人员",
                        "verbose_name_plural": "走访人员",
                        "db_table": "visits_visit_participants",
                        "unique_together": {("visit", "user")},
                    },
                ),
                migrations.AlterField(
                    model_name="visit",
                    name="participants",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="visits",
                        through="visits.VisitParticipant",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="走访人员",
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="visitparticipant",
            name="role",
            field=models.CharField(
                choices=[("lead", "带队领导"), ("duty", "值班干部"), ("village", "村干部"), ("other", "其他")],
                default="other",
                max_length=10,
                verbose_name="角色",
            ),
        ),
    ]
