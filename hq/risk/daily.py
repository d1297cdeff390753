"""The risk layer's daily job: collect decisions, recompute and publish scores, publish blacklist changes, evaluate the rules.

Run it once a day with ``countersign hq risk daily`` (a cron job or systemd timer), or
call :func:`run_daily`. Every step can run again safely: decisions and outcomes are
stored once, and only changed scores and blacklist entries are published.
"""

import logging
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import Engine

from hq.risk.blacklist import publish_blacklist_changes
from hq.risk.configs import current_config
from hq.risk.decisions import collect_decisions
from hq.risk.evaluation import store_evaluation
from hq.risk.scores import recompute_scores

log = logging.getLogger(__name__)

EVALUATION_DAYS = 90  # the rule evaluation looks back this many days, since outcomes arrive weeks after a rental


def run_daily(engine: Engine, today: date | None = None, evaluation_days: int = EVALUATION_DAYS) -> dict[str, Any]:
    """Run every step of the daily job for ``today`` (UTC) and return what each step did."""
    now = datetime.now(timezone.utc)
    run_on = today or now.date()
    log.info("risk daily job for %s started", run_on)

    decisions = collect_decisions(engine)
    config = current_config(engine)
    scores = recompute_scores(engine, config, now=now)
    blacklist = publish_blacklist_changes(engine, now=now)

    until = datetime.combine(run_on + timedelta(days=1), time(), tzinfo=timezone.utc)
    since = until - timedelta(days=evaluation_days)
    evaluation = store_evaluation(engine, run_on, since, until, now=now)

    log.info(
        "risk daily job for %s finished: %d decisions collected, %d scores published, %d blacklist items published",
        run_on, decisions, scores.published, blacklist,
    )
    return {
        "run_on": run_on.isoformat(),
        "decisions_collected": decisions,
        "config_version": config.version,
        "scores": scores.to_json(),
        "blacklist_published": blacklist,
        "evaluation": evaluation,
    }
