"""Celery tasks of the ledger: thin (style.md B7). Arguments are ids; the service is imported inside the body;
retries (database outages only) are the only logic here. Results are not kept: the import's row is the record.
"""

from celery import Task, shared_task
from django.db import OperationalError


class ImportTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Retries exhausted (or an error the service let through): the row says so."""
        from households.services import household_import_fail

        job_id = kwargs.get("job_id", args[0] if args else None)
        if job_id is not None:
            household_import_fail(job_id=job_id, reason=f"{type(exc).__name__}: {exc}")


@shared_task(
    base=ImportTask,
    name="households.run_household_import",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def run_household_import(job_id: int) -> str | None:
    """Check or import one uploaded ledger (households.services.household_import_run)."""
    from households.services import household_import_run

    job = household_import_run(job_id=job_id)
    return job.status if job is not None else None


@shared_task(name="households.cleanup_household_imports", ignore_result=True)
def cleanup_household_imports() -> int:
    """Every hour: remove the files of imports checked and never confirmed or cancelled."""
    from households.services import household_import_cleanup

    return household_import_cleanup()
