"""The demo's lists (seed_demo, after visits and meetings): an overdue checklist item of the liaison's, a sweep with
a visit under it, a supervision ledger item with its cadence requests (one answered, the rest waiting), an early
sign on the watch list and a draft monthly bulletin. A second run adds nothing."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from households.models import Household, Tag, Township, Village
from lists import bulletins, services
from lists.models import LedgerItem, LedgerRequest, Sign, Sweep
from petitions.models import Department, Petition


def seed_config(log) -> None:
    """Nothing to configure: the cadences and the kinds are in the code."""


def seed_sample(log) -> None:
    if LedgerItem.objects.exists() or Sweep.objects.exists():
        return
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["leader", "liaison", "handler"])}
    township = Township.objects.filter(code="DX").first()
    villages = {v.name: v for v in Village.objects.filter(township=township, name__in=["和平村", "大井村"])}
    unit = Department.objects.filter(township=township, name="民政办").first()
    if township is None or len(users) < 3 or "和平村" not in villages or unit is None:
        log("示例清单：缺少乡镇、演示账号、村或民政办，跳过。")
        return
    leader, liaison, handler = users["leader"], users["liaison"], users["handler"]
    today = timezone.localdate()
    heping = villages["和平村"]

    # 清单: one overdue item and one due this week, besides those the visits' 需要跟进的事项 made.
    services.item_create(
        by=liaison, text="督促3组修复灌溉水渠漏水处", village=heping,
        heard_on=today - dt.timedelta(days=12), due_date=today - dt.timedelta(days=2),
    )  # fmt: skip
    services.item_create(by=liaison, text="了解独居老人冬季取暖情况", village=heping, heard_on=today)

    # 排查: this month's sweep of 和平村 and 大井村, 六应访 of 五保户 and 低保户, one visit under it.
    start = today.replace(day=1)
    sweep = services.sweep_create(
        by=leader, township=township, kind=Sweep.Kind.MONTHLY, name=f"{today.month}月矛盾纠纷月排查",
        starts_on=start, ends_on=start + dt.timedelta(days=27), villages=list(villages.values()), team=[liaison],
        tags=list(Tag.objects.filter(name__in=["五保户", "低保户"])),
    )  # fmt: skip
    homes = list(Household.objects.filter(village=heping).order_by("household_no")[:2])
    if homes:
        from visits.services import visit_create

        visit_create(
            by=liaison, kind="home_visit", visited_at=timezone.now() - dt.timedelta(hours=3), village=heping,
            households=homes, participants=[liaison], heard="排查走访：两户反映冬季用水管冻裂。", sweep=sweep,
            follow_ups=["联系供水站检修冻裂水管"],
        )  # fmt: skip
    log(f"示例排查：{sweep.name}")

    # 挂帐督办: a case (or a problem without one) on the ledger three weeks ago, its requests, one answered.
    petition = Petition.objects.filter(township=township).order_by("pk").first()
    item = services.ledger_put_on(
        by=leader, title="和平村饮水安全工程遗留问题", unit=unit, due_date=today + dt.timedelta(days=30),
        township=township, description="管网老化，夏季多次停水，群众反映强烈。",
        petitions=[petition] if petition else [], started_on=today - dt.timedelta(days=21),
    )  # fmt: skip
    services.ledger_run(today)
    first = LedgerRequest.objects.filter(item=item).order_by("step_on", "pk").first()
    if first is not None:
        services.ledger_answer(
            request=first, by=handler, progress="已完成管网勘测，编制改造方案。", obstacles="资金缺口约8万元。",
            next_step="报乡党政联席会研究资金。",
        )  # fmt: skip
    log(f"示例挂帐督办：{item.title}")

    # 苗头隐患: a boundary quarrel watched by the liaison, reviewed in three days.
    services.sign_create(
        by=liaison, village=heping, seen="两户因宅基地边界争执，曾发生口角，有激化苗头。", risk=Sign.Risk.MEDIUM,
        next_review=today + dt.timedelta(days=3), households=homes[:2],
    )  # fmt: skip

    # 通报: this month's inspection, a draft.
    bulletins.bulletin_build(township=township, kind="monthly", on=today)
    log("示例清单、苗头隐患与通报已创建。")
