"""The county center's role (县级): reads every township, may supervise any case."""

from django.db import migrations


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="county")


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="county").delete()


class Migration(migrations.Migration):
    dependencies = [("minqing", "0001_roles")]

    operations = [migrations.RunPython(create_group, remove_group)]
