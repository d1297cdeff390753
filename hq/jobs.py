"""HQ's background jobs inside ``countersign hq serve``: re-check offline approvals and upgrade contracts as they arrive.

Enabled with ``[hq] run_jobs = true`` on one serving process (the others leave it
off), so that an approval made offline is re-checked within ``job_interval_seconds``
of its arrival instead of waiting for a timer. The same work stays available as
``countersign hq recheck`` and ``countersign hq archive upgrade``.
"""

import logging

from apscheduler.schedulers.background import BackgroundScheduler

from hq.app import Services

log = logging.getLogger(__name__)


def start_jobs(services: Services, settings) -> BackgroundScheduler:
    """Start the jobs that ``settings`` (an :class:`hq.server.HqSettings`) make possible; return the scheduler."""
    scheduler = BackgroundScheduler(daemon=True)
    interval = settings.job_interval_seconds
    if services.id_checks is not None:
        scheduler.add_job(_recheck, "interval", args=(services,), seconds=interval, id="recheck", max_instances=1, coalesce=True)
    if settings.tsa_url and settings.trust_roots:
        scheduler.add_job(_upgrade, "interval", args=(services, settings), seconds=interval, id="archive", max_instances=1, coalesce=True)
    scheduler.start()
    log.info("HQ jobs every %.0f s: %s", interval, ", ".join(job.id for job in scheduler.get_jobs()) or "none configured")
    return scheduler


def _recheck(services: Services) -> None:
    try:
        report = services.id_checks.recheck_pending()
    except Exception:
        log.exception("re-check job failed; it runs again at the next interval")
        return
    if report.checked:
        log.info("re-check job: %s", report.to_json())


def _upgrade(services: Services, settings) -> None:
    from hq.archive import upgrade_pending

    try:
        report = upgrade_pending(services.engine, settings)
    except Exception:
        log.exception("archive upgrade job failed; it runs again at the next interval")
        return
    log.info("archive upgrade job: %s", report.to_json() if hasattr(report, "to_json") else report)
