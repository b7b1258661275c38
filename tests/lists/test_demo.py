"""seed_demo puts something on each list, once."""

import io

import pytest
from django.core.management import call_command

from lists.models import Bulletin, Item, LedgerItem, LedgerRequest, Sign, Sweep


@pytest.mark.django_db
def test_seed_demo_puts_something_on_each_list_and_a_second_run_adds_nothing():
    call_command("seed_demo", stdout=io.StringIO())
    counts = [m.objects.count() for m in (Item, LedgerItem, LedgerRequest, Sweep, Sign, Bulletin)]
    assert all(counts), counts
    assert Item.objects.overdue().exists()
    assert Sweep.objects.get().visits.exists()
    call_command("seed_demo", stdout=io.StringIO())
    assert [m.objects.count() for m in (Item, LedgerItem, LedgerRequest, Sweep, Sign, Bulletin)] == counts
