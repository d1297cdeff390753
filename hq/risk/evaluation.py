"""Rule evaluation: per rule and per branch, the warnings fired and the outcomes of their rentals.

A fired warning is *confirmed* when its rental had a bad outcome (late return, damage,
unpaid, fraud confirmed), a *false alarm* when outcomes are known and none is bad, and
*unknown* while no outcome was reported. Branch ``*`` adds up every branch.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import Engine, delete, insert

from hq.risk.decisions import StoredDecision, load_decisions
from hq.risk.tables import risk_evaluations

ALL_BRANCHES = "*"


@dataclass
class RuleCounts:
    fired: int = 0
    confirmed: int = 0
    false_alarms: int = 0
    unknown: int = 0

    def add(self, decision: StoredDecision) -> None:
        self.fired += 1
        if not decision.outcome_known:
            self.unknown += 1
        elif decision.bad_outcome:
            self.confirmed += 1
        else:
            self.false_alarms += 1

    @property
    def precision(self) -> float | None:
        """Return the share of confirmed warnings among those whose outcome is known, or ``None`` without any."""
        known = self.confirmed + self.false_alarms
        return self.confirmed / known if known else None

    def to_json(self) -> dict[str, Any]:
        return {
            "fired": self.fired,
            "confirmed": self.confirmed,
            "false_alarms": self.false_alarms,
            "unknown": self.unknown,
            "precision": round(self.precision, 4) if self.precision is not None else None,
        }


def count_rules(decisions: list[StoredDecision]) -> dict[tuple[str, str], RuleCounts]:
    """Return the counts keyed by ``(branch_id, rule)``, with :data:`ALL_BRANCHES` rows for every rule."""
    counts: dict[tuple[str, str], RuleCounts] = defaultdict(RuleCounts)
    for decision in decisions:
        for rule in set(decision.rules):
            counts[(decision.branch_id, rule)].add(decision)
            counts[(ALL_BRANCHES, rule)].add(decision)
    return dict(counts)


def evaluate_rules(engine: Engine, since: datetime, until: datetime) -> dict[str, Any]:
    """Return the evaluation of the decisions taken in ``[since, until)``, as ``hq risk report`` prints it."""
    decisions = load_decisions(engine, since, until)
    counts = count_rules(decisions)
    return {
        "from": since.isoformat(),
        "to": until.isoformat(),
        "decisions": len(decisions),
        "with_outcome": sum(1 for decision in decisions if decision.outcome_known),
        "rules": [
            {"branch_id": branch, "rule": rule, **counts[(branch, rule)].to_json()}
            for branch, rule in sorted(counts, key=lambda key: (key[0] != ALL_BRANCHES, key[0], key[1]))
        ],
    }


def store_evaluation(engine: Engine, run_on: date, since: datetime, until: datetime, now: datetime | None = None) -> dict[str, Any]:
    """Evaluate ``[since, until)`` and keep the counts as the evaluation of ``run_on``, replacing an earlier one of that day."""
    report = evaluate_rules(engine, since, until)
    computed_at = now or datetime.now(timezone.utc)
    rows = [
        {
            "run_on": run_on,
            "branch_id": row["branch_id"],
            "rule": row["rule"],
            "period_from": since,
            "period_to": until,
            "fired": row["fired"],
            "confirmed": row["confirmed"],
            "false_alarms": row["false_alarms"],
            "unknown": row["unknown"],
            "computed_at": computed_at,
        }
        for row in report["rules"]
    ]
    with engine.begin() as connection:
        connection.execute(delete(risk_evaluations).where(risk_evaluations.c.run_on == run_on))
        if rows:
            connection.execute(insert(risk_evaluations), rows)
    return report
