"""What-if: replay past branch decisions under a candidate configuration and under the current one, and compare.

Each stored decision record carries the rules' inputs, so :func:`kiosk.risk.decision.decide`
runs again on them exactly as a branch would. The score is the one the branch had
(its points and top factors), so a candidate's bands and rules are replayed, while a
change of the scorecard's points is not (see the NOTE in :func:`recorded_score`).
A bad outcome is *caught* when the decision refuses or sends the rental to clerk
review, and *let through* when it approves, with or without conditions.
"""

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from hq.risk.decisions import StoredDecision, load_decisions
from kiosk.risk.config import RiskConfig
from kiosk.risk.decision import RiskDecision, decide
from kiosk.risk.rules import RiskInputs
from kiosk.risk.scorecard import Factor, Score

STOPPING = frozenset({RiskDecision.REFUSE, RiskDecision.CLERK_REVIEW})
MAX_EXAMPLES = 100


def recorded_score(record: dict[str, Any]) -> Score | None:
    """Return the score the branch decided with, or ``None`` for a customer without history."""
    if record.get("score") is None:
        return None
    # NOTE: the record keeps the points and top factors, not the rental history, so a
    # candidate that changes the scorecard's points replays with the points as recorded.
    factors = tuple(Factor.from_json(factor) for factor in record.get("score_factors", []))
    return Score(int(record["score"]), str(record["band"]), factors, str(record["config_version"]))


class _OutcomeTally:
    def __init__(self) -> None:
        self.bad_outcomes = self.caught = self.let_through = self.good_outcomes = self.good_stopped = 0

    def add(self, decision: StoredDecision, replayed: RiskDecision) -> None:
        if not decision.outcome_known:
            return
        stopped = replayed in STOPPING
        if decision.bad_outcome:
            self.bad_outcomes += 1
            self.caught += stopped
            self.let_through += not stopped
        else:
            self.good_outcomes += 1
            self.good_stopped += stopped

    def to_json(self) -> dict[str, int]:
        return {
            "bad_outcomes": self.bad_outcomes,
            "caught": self.caught,
            "let_through": self.let_through,
            "good_outcomes": self.good_outcomes,
            "good_stopped": self.good_stopped,
        }


def what_if(engine: Engine, current: RiskConfig, candidate: RiskConfig, since: datetime, until: datetime) -> dict[str, Any]:
    """Replay the decisions of ``[since, until)`` under both configurations and return what would change.

    Decisions whose record has no inputs cannot be replayed and are counted as such.
    """
    decisions = load_decisions(engine, since, until)
    transitions: Counter[str] = Counter()
    branches: dict[str, dict[str, Any]] = defaultdict(lambda: {"decisions": 0, "changed": 0, "transitions": Counter()})
    rules: dict[str, Counter[str]] = defaultdict(Counter)
    tallies = {"current": _OutcomeTally(), "candidate": _OutcomeTally()}
    newly_caught = newly_let_through = replayed = not_replayable = 0
    examples: list[dict[str, Any]] = []

    for decision in decisions:
        inputs_json = decision.record.get("inputs")
        if not inputs_json:
            not_replayable += 1
            continue
        inputs = RiskInputs.from_json(inputs_json)
        score = recorded_score(decision.record)
        before = decide(decision.transaction_id, inputs, score, current)
        after = decide(decision.transaction_id, inputs, score, candidate)
        replayed += 1

        branch = branches[decision.branch_id]
        branch["decisions"] += 1
        fired_before = {warning.rule for warning in before.warnings}
        fired_after = {warning.rule for warning in after.warnings}
        for rule in fired_before | fired_after:
            counter = rules[rule]
            counter["fired_current"] += rule in fired_before
            counter["fired_candidate"] += rule in fired_after
            counter["newly_fired"] += rule in fired_after and rule not in fired_before
            counter["no_longer_fired"] += rule in fired_before and rule not in fired_after

        tallies["current"].add(decision, before.decision)
        tallies["candidate"].add(decision, after.decision)
        if decision.bad_outcome:
            newly_caught += before.decision not in STOPPING and after.decision in STOPPING
            newly_let_through += before.decision in STOPPING and after.decision not in STOPPING

        if before.decision is after.decision:
            continue
        change = f"{before.decision.value}->{after.decision.value}"
        transitions[change] += 1
        branch["changed"] += 1
        branch["transitions"][change] += 1
        if len(examples) < MAX_EXAMPLES:
            examples.append({"transaction_id": decision.transaction_id, "branch_id": decision.branch_id, "change": change})

    return {
        "from": since.isoformat(),
        "to": until.isoformat(),
        "current_version": current.version,
        "candidate_version": candidate.version,
        "decisions": len(decisions),
        "replayed": replayed,
        "not_replayable": not_replayable,
        "changed": sum(transitions.values()),
        "transitions": dict(sorted(transitions.items())),
        "branches": {
            branch_id: {**values, "transitions": dict(sorted(values["transitions"].items()))}
            for branch_id, values in sorted(branches.items())
        },
        "rules": {rule: dict(counter) for rule, counter in sorted(rules.items())},
        "outcomes": {
            "current": tallies["current"].to_json(),
            "candidate": tallies["candidate"].to_json(),
            "newly_caught": newly_caught,
            "newly_let_through": newly_let_through,
        },
        "examples": examples,
    }
