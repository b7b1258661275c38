"""Writes to the ledger (``household_<action>``), the rule for sensitive data, and the life of an Excel import
started from the page (``household_import_<action>``).

Each write records a HouseholdEvent for the household's timeline; the Excel import writes its own in bulk
(importer.py). Nothing here runs from a signal or a save() override.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from households.excel import cadre_label
from households.models import Household, HouseholdEvent, HouseholdImport, SensitiveAccessLog, Village
from minqing import jobs
from minqing.access import Scope, scope_for

logger = logging.getLogger(__name__)
S, IS = HouseholdImport.Stage, HouseholdImport.Status


def sensitive_access_record(*, user, action: str, household: Household | None = None, note: str = "") -> None:
    """Record that ``user`` saw sensitive data (who, when, which household or which list)."""
    SensitiveAccessLog.objects.create(
        user=user, user_name=cadre_label(user), household=household, action=action, note=note[:300]
    )


def _event(household, action, by, note="") -> HouseholdEvent:
    return HouseholdEvent(household=household, action=action, actor=by, actor_name=cadre_label(by), note=note[:300])


@transaction.atomic
def household_save(*, form, members, by) -> Household:
    """Save a household form and its member formset (both valid); write one event per kind of change."""
    creating = form.instance.pk is None
    changed = [form.fields[name].label for name in form.changed_data]
    household = form.save()
    members.instance = household
    members.save()
    events = []
    if creating:
        events.append(_event(household, HouseholdEvent.Action.CREATED, by))
    elif changed:
        events.append(_event(household, HouseholdEvent.Action.UPDATED, by, f"修改：{'、'.join(changed)}"))
    for action, people in (
        (HouseholdEvent.Action.MEMBER_ADDED, members.new_objects),
        (HouseholdEvent.Action.MEMBER_UPDATED, [person for person, _ in members.changed_objects]),
        (HouseholdEvent.Action.MEMBER_REMOVED, members.deleted_objects),
    ):
        if people:
            events.append(_event(household, action, by, "、".join(p.name for p in people)))
    HouseholdEvent.objects.bulk_create(events)
    return household


def household_assign_contact(*, households, cadre, by) -> int:
    """Make ``cadre`` (or nobody, with None) the contact cadre of ``households`` (a queryset).

    A cadre keeps contact only with households they can see (their villages, for a liaison); otherwise
    ValidationError names the households that are out of reach and nothing changes.
    """
    households = list(households.select_related("village"))
    if cadre is not None:
        reachable = set(
            Household.objects.visible_to(scope_for(cadre))
            .filter(pk__in=[h.pk for h in households])
            .values_list("pk", flat=True)
        )
        outside = [h for h in households if h.pk not in reachable]
        if outside:
            names = "、".join(f"{h.village.name}{h.household_no}号" for h in outside[:5])
            more = f"等{len(outside)}户" if len(outside) > 5 else ""
            raise ValidationError(f"{cadre_label(cadre)}不负责这些户所在的村：{names}{more}。")
    changing = [h for h in households if h.contact_cadre_id != (cadre.pk if cadre else None)]
    if not changing:
        return 0
    note = f"联系干部：{cadre_label(cadre)}" if cadre else "取消联系干部"
    with transaction.atomic():
        Household.objects.filter(pk__in=[h.pk for h in changing]).update(contact_cadre=cadre, updated_at=timezone.now())
        HouseholdEvent.objects.bulk_create(_event(h, HouseholdEvent.Action.CONTACT_CHANGED, by, note) for h in changing)
    return len(changing)


def contact_quota(population: int) -> int:
    """Households per cadre by village size (domain.md): 10 under 500 people, 15 for 500–1000, 20 above."""
    if population < 500:
        return 10
    if population <= 1000:
        return 15
    return 20


def contact_overview(scope: Scope) -> list[dict]:
    """Per visible village: population, the guidance per cadre, and each cadre's count (three queries)."""
    from django.contrib.auth import get_user_model

    villages = Village.objects.visible_to(scope).annotate(
        population=Coalesce(Sum("households__size"), 0),
        household_count=Count("households"),
        contact_count=Count("households", filter=Q(households__contact_cadre__isnull=False)),
    )
    counts = (
        Household.objects.visible_to(scope)
        .filter(contact_cadre__isnull=False)
        .values("village_id", "contact_cadre_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    per_village: dict[int, list] = {}
    cadre_ids = set()
    for row in counts:
        per_village.setdefault(row["village_id"], []).append(row)
        cadre_ids.add(row["contact_cadre_id"])
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=cadre_ids)}
    overview = []
    for village in villages:
        quota = contact_quota(village.population)
        cadres = sorted(
            (
                {"user": users[row["contact_cadre_id"]], "count": row["n"], "over": row["n"] > quota}
                for row in per_village.get(village.pk, [])
            ),
            key=lambda c: -c["count"],
        )
        overview.append({"village": village, "quota": quota, "cadres": cadres})
    return overview


# --- Excel imports from the page (HouseholdImport) --------------------------------------------------------
#
# ``household_import_start`` keeps the upload and queues its check; ``household_import_run`` (the task) claims
# the row pending → running by compare-and-set and runs the check or the import; ``household_import_confirm``
# queues the import of a checked file; ``household_import_cancel`` drops it; ``household_import_cleanup``
# (beat) removes the files of previews nobody confirmed. Work is queued only through transaction.on_commit.

#: A checked file nobody confirms or cancels is removed after this long (beat, every hour).
IMPORT_KEEP_HOURS = 24


def household_import_start(*, upload, by, township) -> HouseholdImport:
    """Keep ``upload`` (an UploadedFile already checked by ImportUploadForm) for ``township`` and queue its check."""
    scope = scope_for(by)
    if not scope.may_manage_ledger:
        raise PermissionDenied("只有领导和管理员可以导入户籍台账。")
    if township is None or not scope.in_township(township.pk):
        raise PermissionDenied("只能导入本乡镇的户籍台账。")
    job = HouseholdImport(original_name=upload.name[:200], requested_by=by, township=township)
    job.file.save("upload.xlsx", upload, save=False)
    with transaction.atomic():
        job.save()
        transaction.on_commit(lambda: _import_enqueue(job.pk))
    return job


def household_import_confirm(*, job: HouseholdImport, by, replace_conflicts: bool) -> HouseholdImport:
    """Queue the import of a checked file. Refused (ValidationError) while the check found bad rows, or found
    conflicts of head that ``replace_conflicts`` does not accept; a second confirmation queues nothing."""
    if not scope_for(by).may_manage_ledger:
        raise PermissionDenied("只有领导和管理员可以导入户籍台账。")
    report = job.report or {}
    if report.get("problem_count"):
        raise ValidationError(f"有 {report.get('rejected', 0)} 行有误，不能导入：请改正文件后重新上传。")
    if report.get("conflict_count") and not replace_conflicts:
        raise ValidationError(
            f"有 {report['conflict_count']} 户的户主与台账不同。核对无误后勾选“替换这些户的户主”再导入。"
        )
    with transaction.atomic():
        queued = HouseholdImport.objects.filter(pk=job.pk, stage=S.PREVIEW, status=IS.READY).update(
            stage=S.APPLY,
            status=IS.PENDING,
            replace_conflicts=replace_conflicts,
            progress=0,
            error="",
            started_at=None,
            heartbeat_at=None,
            finished_at=None,
        )
        if queued:
            transaction.on_commit(lambda: _import_enqueue(job.pk))
    job.refresh_from_db()
    return job


def household_import_cancel(*, job: HouseholdImport, by) -> bool:
    """Drop a checked (or failed, or still queued) import and its file; a running one cannot be stopped."""
    if not scope_for(by).may_manage_ledger:
        raise PermissionDenied("只有领导和管理员可以导入户籍台账。")
    cancelled = (
        HouseholdImport.objects.filter(pk=job.pk, status__in=[IS.PENDING, IS.READY, IS.FAILED])
        .exclude(stage=S.APPLY, status=IS.READY)
        .update(status=IS.CANCELLED, finished_at=timezone.now())
    )
    if cancelled:
        _drop_file(job)
    return bool(cancelled)


def _import_enqueue(job_id: int) -> None:
    from households.tasks import run_household_import
    from minqing.celery import BROKER_ERRORS

    try:
        run_household_import.delay(job_id)
    except BROKER_ERRORS as e:  # the broker is down: say so on the row, never hang the request
        logger.exception("household import %s could not be queued", job_id)
        HouseholdImport.objects.filter(pk=job_id, status=IS.PENDING).update(
            status=IS.FAILED,
            error=f"任务队列暂时不可用，请稍后重新上传。（{type(e).__name__}）",
            finished_at=timezone.now(),
        )


class _ImportProgress:
    """Writes a running import's progress and heartbeat: when the percentage has moved by 2, or every
    10 seconds. The import's write pass is one long transaction; there, on PostgreSQL, the row is written
    through a second connection so the page sees it at once. SQLite has one writer at a time: there the row
    waits for the end of that transaction."""

    EVERY_SECONDS = 10

    def __init__(self, job_id: int):
        self.job_id, self.percent, self.at, self.side = job_id, -2, 0.0, None

    def __call__(self, fraction: float) -> None:
        percent = max(0, min(int(fraction * 100), 99))
        now = time.monotonic()
        if percent < self.percent + 2 and now - self.at < self.EVERY_SECONDS:
            return
        self.percent, self.at = percent, now
        stamp = timezone.now()
        if not connection.in_atomic_block:
            HouseholdImport.objects.filter(pk=self.job_id, status=IS.RUNNING).update(
                progress=percent, heartbeat_at=stamp
            )
        elif connection.vendor == "postgresql":
            if self.side is None:
                self.side = connections.create_connection(DEFAULT_DB_ALIAS)
            quote = self.side.ops.quote_name
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {quote(HouseholdImport._meta.db_table)} SET progress = %s, heartbeat_at = %s "
                    "WHERE id = %s AND status = %s",
                    [percent, stamp, self.job_id, IS.RUNNING.value],
                )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


#: What an import whose worker died says (minqing.jobs: no heartbeat for jobs.LOST_AFTER).
LOST_ERROR = "导入中断：后台任务已停止（长时间没有进展，可能是服务重启或内存不足），未写入任何数据，请重新上传。"


def household_import_fail_lost() -> int:
    """Mark failed the imports whose worker died (minqing.jobs), before showing them: the page says so at once and
    the clerk uploads again. The write pass is one transaction, so a dead worker wrote nothing."""
    return jobs.fail_lost(HouseholdImport.objects.all(), error=LOST_ERROR, finished_at=timezone.now())


def _claim(job_id: int) -> bool:
    now = timezone.now()
    claimed = HouseholdImport.objects.filter(pk=job_id, status=IS.PENDING).update(
        status=IS.RUNNING, progress=0, error="", started_at=now, heartbeat_at=now, finished_at=None
    )
    return claimed == 1


def _drop_file(job: HouseholdImport) -> None:
    name = HouseholdImport.objects.filter(pk=job.pk).values_list("file", flat=True).first() or job.file.name
    if name:
        job.file.storage.delete(name)
        HouseholdImport.objects.filter(pk=job.pk).update(file="")


def household_import_run(*, job_id: int) -> HouseholdImport | None:
    """Run the check or the import of row ``job_id`` if it can be claimed; returns the row, or None when there
    is nothing to claim (a task delivered twice, a cancelled import). Database outages propagate (the task
    retries them, with the row back to pending); an unreadable file or any other error fails the row."""
    from households import importer

    if not _claim(job_id):
        logger.info("household import %s: nothing to claim", job_id)
        return None
    job = HouseholdImport.objects.select_related("requested_by").get(pk=job_id)
    progress = _ImportProgress(job_id)
    try:
        if job.stage == S.PREVIEW:
            report = importer.preview(job.file.path, progress=progress, township=job.township)
        else:
            report = importer.apply(
                job.file.path,
                by=job.requested_by,
                replace_conflicts=job.replace_conflicts,
                progress=progress,
                township=job.township,
            )
    except importer.ImportFileError as e:
        household_import_fail(job_id=job_id, reason=str(e))
        _drop_file(job)
        return HouseholdImport.objects.get(pk=job_id)
    except OperationalError:
        HouseholdImport.objects.filter(pk=job_id, status=IS.RUNNING).update(status=IS.PENDING, progress=0)
        raise
    except Exception as e:  # noqa: BLE001 — any other failure is the row's, with its reason
        logger.exception("household import %s failed", job_id)
        household_import_fail(job_id=job_id, reason=f"{type(e).__name__}: {e}")
        return HouseholdImport.objects.get(pk=job_id)
    finally:
        progress.close()
    done = {"status": IS.READY, "progress": 100, "report": report.as_dict(), "finished_at": timezone.now()}
    if job.stage == S.APPLY and not report.applied:
        done["stage"] = S.PREVIEW  # the ledger changed since the check: here is the new check, to confirm again
    if report.applied:
        done["file"] = ""  # in the same write as "ready": whoever sees the import done never sees its upload
    HouseholdImport.objects.filter(pk=job_id, status=IS.RUNNING).update(**done)
    if report.applied and job.file.name:
        job.file.storage.delete(job.file.name)
    return HouseholdImport.objects.get(pk=job_id)


def household_import_fail(*, job_id: int, reason: str) -> int:
    """Mark a pending or running import failed with ``reason`` (shown on the import page)."""
    return HouseholdImport.objects.filter(pk=job_id, status__in=[IS.PENDING, IS.RUNNING]).update(
        status=IS.FAILED, error=reason[:2000], finished_at=timezone.now()
    )


def household_import_cleanup(*, now=None) -> int:
    """Beat, every hour: drop the imports checked (or failed) and left for IMPORT_KEEP_HOURS, with their files,
    and any file under imports/ that no import refers to. Returns how many files were removed."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=IMPORT_KEEP_HOURS)
    removed = 0
    left = HouseholdImport.objects.filter(status__in=[IS.READY, IS.FAILED], finished_at__lt=cutoff).exclude(file="")
    for job in left:
        if (
            HouseholdImport.objects.filter(pk=job.pk, status=job.status)
            .exclude(stage=S.APPLY, status=IS.READY)
            .update(status=IS.CANCELLED)
        ):
            job.file.storage.delete(job.file.name)
            HouseholdImport.objects.filter(pk=job.pk).update(file="")
            removed += 1
    storage = HouseholdImport._meta.get_field("file").storage
    try:
        _, names = storage.listdir("imports")
    except FileNotFoundError:
        return removed
    kept = set(HouseholdImport.objects.exclude(file="").values_list("file", flat=True))
    for name in names:
        path = f"imports/{name}"
        if path not in kept and storage.get_modified_time(path) < cutoff:
            storage.delete(path)
            removed += 1
    return removed
