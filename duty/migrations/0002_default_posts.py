from django.db import migrations


def add_posts(apps, schema_editor):
    from duty.posts import ensure_default_posts

    ensure_default_posts(apps.get_model("duty", "Post"))


class Migration(migrations.Migration):
    dependencies = [("duty", "0001_initial")]

    operations = [migrations.RunPython(add_posts, migrations.RunPython.noop)]
