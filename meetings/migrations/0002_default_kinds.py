"""The default meeting kinds (meetings/kinds.py): every installation starts with them; the admin edits them."""

from django.db import migrations


def create_default_kinds(apps, schema_editor):
    from meetings.kinds import ensure_default_kinds

    ensure_default_kinds(apps.get_model("meetings", "MeetingKind"))


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_default_kinds, migrations.RunPython.noop),
    ]
