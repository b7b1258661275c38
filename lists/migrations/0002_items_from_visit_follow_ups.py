"""Every visit marked 需要跟进 (visits.Visit.needs_follow_up, removed in visits 0005) becomes an open item: its text
what was heard, its owner the recorder, due seven days after the visit, its household the visit's first."""

import datetime as dt

from django.db import migrations
from django.utils import timezone


def forward(apps, schema_editor):
    Visit = apps.get_model("visits", "Visit")
    Item = apps.get_model("lists", "Item")
    rows = []
    visits = Visit.objects.filter(needs_follow_up=True).select_related("village").prefetch_related("households")
    for visit in visits.iterator(chunk_size=500):
        heard_on = timezone.localtime(visit.visited_at).date()
        household = min(visit.households.all(), key=lambda h: h.pk, default=None)
        rows.append(
            Item(
                text=visit.heard,
                township_id=visit.village.township_id,
                village_id=visit.village_id,
                household=household,
                owner_id=visit.created_by_id,
                heard_on=heard_on,
                due_date=heard_on + dt.timedelta(days=7),
                source="visit",
                visit_id=visit.pk,
                status="open",
                created_by_id=visit.created_by_id,
            )
        )
    Item.objects.bulk_create(rows, batch_size=500)


def backward(apps, schema_editor):
    Visit = apps.get_model("visits", "Visit")
    Item = apps.get_model("lists", "Item")
    pending = Item.objects.filter(source="visit", status__in=["open", "assigned"]).exclude(visit=None)
    Visit.objects.filter(pk__in=pending.values("visit_id")).update(needs_follow_up=True)


class Migration(migrations.Migration):
    dependencies = [("lists", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
