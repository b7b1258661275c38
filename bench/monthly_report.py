"""Benchmark: the monthly report (民情月报) of a month of 20,000 cases. Not a test; run by hand.

    .venv/bin/python bench/monthly_report.py [--cases 20000] [--month 2026-10] [--keep FILE]

Builds a throw-away SQLite database (or uses DATABASE_URL if set — careful: it writes to it), loads the
demo township's configuration (13 villages, departments, categories, accounts), then writes the month's
cases directly with ``bulk_create`` in every state the workflow produces — routed, signed on time or late,
replied on time or late, revisited (满意 / 基本满意 / 不满意, with their ``revisit`` events), reopened,
closed with a reason, merged, overdue — plus contact households and visits for the 走访统计 sheet.

It then builds the stored report through the real service (``dashboards.services.monthly_report_build``:
claim, workbook, file, ready), timing it, and builds the workbook once more under tracemalloc for the
peak Python memory. Run it at two sizes (``--cases 5000`` and the default) to see memory stay flat.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BATCH = 2000


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(month: str, cases: int, seed: int = 20261) -> dict[str, int]:
    """Write ``cases`` cases received in ``month`` (and their revisit events), contact households and visits."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from dashboards.periods import Period
    from households.demo import SURNAMES
    from households.models import Household, Township, Village
    from petitions.choices import Action, Channel, Satisfaction, Status
    from petitions.models import Category, Department, Petition, PetitionEvent
    from visits.models import Visit

    rng = random.Random(seed)
    period = Period.parse_month(month)
    # Every case, household and visit in the demo township (鼎新乡): the report is a township's.
    township = Township.objects.order_by("sort_order", "name").first()
    villages = list(Village.objects.filter(township=township))
    categories = list(Category.objects.select_related("default_department"))
    offices = list(Department.objects.filter(kind=Department.Kind.OFFICE, township=township))
    committees = {d.village_id: d for d in Department.objects.filter(kind=Department.Kind.VILLAGE, township=township)}
    users = list(get_user_model().objects.all())
    days = (period.end - period.start).days + 1
    today = timezone.localdate()

    def at(day: dt.date, hour: int) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, rng.randrange(60))))

    petitions, stories = [], []
    for n in range(cases):
        received_day = period.start + dt.timedelta(days=rng.randrange(days))
        village = rng.choice(villages)
        category = rng.choice(categories)
        p = Petition(
            tracking_number=f"MQ{period.start:%Y%m}-{n + 1:05d}",
            township=township,
            channel=rng.choice(Channel.values),
            received_at=at(received_day, rng.randrange(8, 18)),
            petitioner_name=rng.choice(SURNAMES) + rng.choice("国建明秀英芳兰华"),
            petitioner_phone=f"139{rng.randrange(10**8):08d}",
            village=village,
            category=category,
            summary=f"{village.name}{category.subject}问题反映（基准数据{n + 1}）",
            content="基准测试生成的诉求内容。" * 4,
            is_repeat=rng.random() < 0.08,
            status=Status.REGISTERED,
        )
        roll = rng.random()
        story = None
        if roll < 0.06:
            p.status = rng.choice([Status.REGISTERED, Status.AWAITING_INSTRUCTION])
        elif roll < 0.09:
            p.status = rng.choice([Status.NOT_ACCEPTED, Status.MERGED, Status.WITHDRAWN])
        else:
            in_village = rng.random() < 0.25
            p.lead_department = committees.get(village.pk) if in_village else rng.choice(offices)
            p.routed_at = p.received_at + dt.timedelta(hours=rng.randrange(1, 30))
            routed_day = timezone.localdate(p.routed_at)
            p.sign_by = routed_day + dt.timedelta(days=1)
            p.reply_by = routed_day + dt.timedelta(days=rng.choice([1, 7, 21]))
            p.reply_working_days = 5
            p.status = Status.ASSIGNED
            if rng.random() < 0.9:
                p.signed_at = p.routed_at + dt.timedelta(hours=rng.choice([2, 5, 20, 40, 70]))
                p.status = Status.IN_PROGRESS
                if rng.random() < 0.8:
                    p.replied_at = p.signed_at + dt.timedelta(days=rng.randrange(0, 12), hours=rng.randrange(8))
                    if timezone.localdate(p.replied_at) >= today:
                        p.replied_at = None
                    else:
                        p.status = Status.REPLIED
                        if rng.random() < 0.85:
                            story = rng.choices(
                                [Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED, Satisfaction.UNSATISFIED],
                                [70, 20, 10],
                            )[0]
            p.supervised = p.status in (Status.ASSIGNED, Status.IN_PROGRESS) and rng.random() < 0.1
        petitions.append(p)
        stories.append(story)

    Petition.objects.bulk_create(petitions, batch_size=BATCH)
    petitions = list(Petition.objects.filter(tracking_number__startswith=f"MQ{period.start:%Y%m}-").order_by("pk"))
    by_number = {p.tracking_number: p for p in petitions}

    events, updated = [], []
    for p, story in zip(sorted(by_number.values(), key=lambda p: p.tracking_number), stories, strict=True):
        if story is None:
            continue
        when = p.replied_at + dt.timedelta(days=rng.randrange(3, 10))
        if story == Satisfaction.UNSATISFIED:
            p.status, p.reopen_count = Status.IN_PROGRESS, 1
            p.reply_by = timezone.localdate(when) + dt.timedelta(days=7)
            to_status = Status.IN_PROGRESS
        else:
            p.status, p.closed_at = Status.CLOSED, when
            p.closed_without_satisfaction = False
            to_status = Status.CLOSED
        updated.append(p)
        events.append(
            PetitionEvent(
                petition=p,
                action=Action.REVISIT,
                from_status=Status.REPLIED,
                to_status=to_status,
                actor_name="基准",
                created_at=when,
                data={
                    "solved": story != Satisfaction.UNSATISFIED or rng.random() < 0.2,
                    "satisfaction": story,
                    "method": "电话",
                    "reopened": story == Satisfaction.UNSATISFIED,
                },
            )
        )
    Petition.objects.bulk_update(
        updated, ["status", "reopen_count", "reply_by", "closed_at", "closed_without_satisfaction"], batch_size=BATCH
    )
    whens = [event.created_at for event in events]
    created = PetitionEvent.objects.bulk_create(events, batch_size=BATCH)
    # created_at is auto_now_add: bulk_create stamped "now"; put each revisit back on its own day.
    for event, when in zip(created, whens, strict=True):
        event.created_at = when
    PetitionEvent.objects.bulk_update(created, ["created_at"], batch_size=BATCH)

    # Contact households (15 per cadre-village pair) and the month's visits.
    cadres = [u for u in users if u.username.startswith(("liaison", "leader", "reception"))] or users
    households = [
        Household(
            village=village,
            household_no=f"B{village.pk:02d}-{n:04d}",
            head_name=rng.choice(SURNAMES) + "某",
            size=rng.randint(1, 6),
            contact_cadre=rng.choice(cadres) if n < 15 * len(cadres) else None,
        )
        for village in villages
        for n in range(150)
    ]
    Household.objects.bulk_create(households, batch_size=BATCH)
    households = list(Household.objects.filter(household_no__startswith="B"))
    visits = [
        Visit(
            kind=Visit.Kind.HOME_VISIT,
            visited_at=at(period.start + dt.timedelta(days=rng.randrange(days)), rng.randrange(8, 21)),
            village=h.village,
            heard="了解家庭生产生活情况。",
            created_by=h.contact_cadre or cadres[0],
        )
        for h in rng.sample(households, min(len(households), cases // 8))
    ]
    Visit.objects.bulk_create(visits, batch_size=BATCH)
    visits = list(Visit.objects.filter(visited_at__gte=period.start_at, visited_at__lt=period.end_at))
    in_village = {}
    for h in households:
        in_village.setdefault(h.village_id, []).append(h)
    Visit.households.through.objects.bulk_create(
        [Visit.households.through(visit_id=v.pk, household_id=rng.choice(in_village[v.village_id]).pk) for v in visits],
        batch_size=BATCH,
    )
    Visit.participants.through.objects.bulk_create(
        [Visit.participants.through(visit_id=v.pk, user_id=v.created_by_id) for v in visits], batch_size=BATCH
    )
    return {
        "cases": len(petitions),
        "revisit events": len(created),
        "households": len(households),
        "visits": len(visits),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--month", default="2026-10")
    parser.add_argument("--keep", help="also copy the built workbook here")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="minqing-bench-report-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("MEDIA_ROOT", str(workdir / "media"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False  # as in production: no log of every SQL statement in memory

    from dashboards.exports import build_monthly_workbook
    from dashboards.models import MonthlyReport
    from dashboards.periods import Period
    from dashboards.services import monthly_report_build
    from households.models import Township

    print(f"database: {os.environ['DATABASE_URL']}")
    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--no-sample-data", stdout=open(os.devnull, "w"))

    start = time.perf_counter()
    counts = generate(args.month, args.cases)
    print(f"generated {counts} in {time.perf_counter() - start:.1f} s")
    print(f"after setup: process peak RSS {rss_mb():.0f} MB")

    period = Period.parse_month(args.month)
    township = Township.objects.order_by("sort_order", "name").first()
    report = MonthlyReport.objects.create(township=township, year=period.start.year, month=period.start.month)
    start = time.perf_counter()
    report = monthly_report_build(report_id=report.pk)
    seconds = time.perf_counter() - start
    print(
        f"-- build (service: claim → workbook → stored file → ready): {seconds:.1f} s; "
        f"status {report.status}, {report.case_count} cases, file {report.size / 2**20:.1f} MB; "
        f"process peak RSS so far {rss_mb():.0f} MB"
    )
    if args.keep:
        Path(args.keep).write_bytes(Path(report.file.path).read_bytes())
        print(f"   copied to {args.keep}")

    tracemalloc.start()
    stats = build_monthly_workbook(period, workdir / "traced.xlsx", township=township)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"-- memory (a second build under tracemalloc): peak Python memory {peak / 2**20:.1f} MB; rows {stats.rows}")


if __name__ == "__main__":
    main()
