"""Townships (乡镇): an installation that served one township moves into a default township, named from its
CENTER_NAME setting (鼎新乡民情信息中心 → 鼎新乡), with tracking-number prefix MQ so that its numbers go on as
before; the admin may rename it and give it its own code."""

import os

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def the_default_township(Township):
    """The township an existing single-township installation moves into (also used by petitions 0011)."""
    found = Township.objects.order_by("pk").first()
    if found is not None:
        return found
    minqing = getattr(settings, "MINQING", {})
    center = minqing.get("CENTER_NAME") or os.getenv("CENTER_NAME") or "民情信息中心"
    return Township.objects.create(
        name=center.removesuffix("民情信息中心") or "本乡镇",
        code="XZ",
        number_prefix="MQ",
        center_name=center,
        hotline=minqing.get("CENTER_HOTLINE") or os.getenv("CENTER_HOTLINE", ""),
    )


def villages_into_the_default_township(apps, schema_editor):
    """The villages, and the center's staff (reception, leaders, admins), move into the default township: they
    go on seeing and doing what they did (minqing.access counts a center role in its townships only)."""
    Village = apps.get_model("households", "Village")
    if not Village.objects.exists():
        return
    township = the_default_township(apps.get_model("households", "Township"))
    Village.objects.filter(township__isnull=True).update(township=township)
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    center = User.objects.filter(groups__name__in=["reception", "leader", "admin"]).distinct()
    township.staff.add(*center)


class Migration(migrations.Migration):
    dependencies = [
        ("households", "0004_search_ngrams"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="village",
            name="name",
            field=models.CharField(max_length=50, verbose_name="村名"),
        ),
        migrations.CreateModel(
            name="Township",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=50, unique=True, verbose_name="乡镇名称")),
                (
                    "code",
                    models.CharField(
                        help_text="公示栏网址中使用，如 /public/DX/；1至6个大写字母。",
                        max_length=6,
                        unique=True,
                        validators=[
                            django.core.validators.RegexValidator("^[A-Z]{1,6}$", "简码为1至6个大写字母，如 DX。")
                        ],
                        verbose_name="简码",
                    ),
                ),
                (
                    "number_prefix",
                    models.CharField(
                        help_text="受理编号的字母部分，如 MQDX → MQDX202611-0042。各乡镇不同，编号永不重复。",
                        max_length=8,
                        unique=True,
                        validators=[
                            django.core.validators.RegexValidator("^[A-Z]{2,8}$", "前缀为2至8个大写字母，如 MQDX。")
                        ],
                        verbose_name="受理编号前缀",
                    ),
                ),
                (
                    "center_name",
                    models.CharField(help_text="如 鼎新乡民情信息中心", max_length=50, verbose_name="中心名称"),
                ),
                ("hotline", models.CharField(blank=True, max_length=30, verbose_name="咨询电话")),
                ("address", models.CharField(blank=True, max_length=100, verbose_name="中心地址")),
                ("sort_order", models.PositiveSmallIntegerField(default=0, verbose_name="排序")),
                (
                    "staff",
                    models.ManyToManyField(
                        blank=True, related_name="townships", to=settings.AUTH_USER_MODEL, verbose_name="乡镇工作人员"
                    ),
                ),
            ],
            options={
                "verbose_name": "乡镇",
                "verbose_name_plural": "乡镇",
                "ordering": ["sort_order", "name"],
            },
        ),
        migrations.AddField(
            model_name="village",
            name="township",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="villages",
                to="households.township",
                verbose_name="乡镇",
            ),
        ),
        migrations.RunPython(villages_into_the_default_township, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="village",
            constraint=models.UniqueConstraint(fields=("township", "name"), name="village_name_per_township"),
        ),
    ]
