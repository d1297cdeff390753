"""The decision record: the final risk decision with every rule that fired, the score band and who overrode what.

:func:`decide` combines the warnings and the score band. The strongest action wins:
a refusal refuses, a supervisor approval or a clerk review sends the rental to clerk
review, and a band with a higher deposit approves with that condition. The record keeps
the configuration version it was decided under, so HQ can replay it later and a
customer can be shown, in their language, the reasons the law lets them see.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from kiosk.messages import Message
from kiosk.risk.config import Action, Consequence, RiskConfig
from kiosk.risk.rules import STAFF_CHECK, RiskInputs, Warning, fire_rules
from kiosk.risk.scorecard import Score


class RiskDecision(str, Enum):
    APPROVE = "approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions"
    CLERK_REVIEW = "clerk_review"
    REFUSE = "refuse"


NO_HISTORY = Message("暂无租车记录，按标准条件办理。", "No rental history yet: standard terms apply.")

_BAND_REASONS = {
    Consequence.DEPOSIT_WAIVED: Message("信用良好，免收押金。", "Good credit: the deposit is waived."),
    Consequence.STANDARD: Message("按标准条件办理。", "Standard terms apply."),
    Consequence.HIGHER_DEPOSIT: Message("根据租车记录，需收取较高押金。", "Based on your rental history, a higher deposit applies."),
    Consequence.CLERK_REVIEW: Message("根据租车记录，需要工作人员审核。", "Based on your rental history, staff need to review the rental."),
    Consequence.REFUSED: Message("根据租车记录，目前无法租车。", "Based on your rental history, you cannot rent at present."),
}


@dataclass(frozen=True)
class Override:
    """A person's decision over a rule: who, with what role, which rule, the reason and when."""

    rule: str
    account_id: str
    role: str
    reason: str
    at: datetime
    approved_by: str | None = None  # the supervisor whose PIN approved it, if the rule needs one

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "account_id": self.account_id,
            "role": self.role,
            "reason": self.reason,
            "at": self.at.isoformat(),
            "approved_by": self.approved_by,
        }


@dataclass(frozen=True)
class DecisionRecord:
    """The risk decision of one transaction, as ``countersign risk explain`` prints it."""

    transaction_id: str
    decision: RiskDecision
    warnings: tuple[Warning, ...]
    score: Score | None
    band: str
    consequence: Consequence
    config_version: str
    decided_at: datetime
    overrides: tuple[Override, ...] = ()
    conditions: tuple[str, ...] = field(default=())
    inputs: RiskInputs | None = None  # kept so that HQ can replay the rules under another configuration

    def customer_reasons(self) -> list[Message]:
        """Return the reasons shown to the customer: each visible reason once, hidden ones as one request to wait for staff."""
        reasons: list[Message] = []
        overridden = {override.rule for override in self.overrides}
        for warning in self.warnings:
            if warning.rule in overridden:
                continue
            reason = warning.customer_reason or STAFF_CHECK
            if reason not in reasons:
                reasons.append(reason)
        # The terms of the band are news only when the rental goes ahead on them.
        if self.decision in (RiskDecision.APPROVE, RiskDecision.APPROVE_WITH_CONDITIONS):
            reasons.append(NO_HISTORY if self.score is None else _BAND_REASONS[self.consequence])
        elif not reasons:
            reasons.append(_BAND_REASONS[self.consequence])
        return reasons

    def to_json(self) -> dict[str, Any]:
        return {
            "transaction_id": self.transaction_id,
            "decision": self.decision.value,
            "rules": [warning.to_json() for warning in self.warnings],
            "score": self.score.points if self.score else None,
            "score_factors": [factor.to_json() for factor in self.score.top_factors] if self.score else [],
            "band": self.band,
            "consequence": self.consequence.value,
            "conditions": list(self.conditions),
            "config_version": self.config_version,
            "decided_at": self.decided_at.isoformat(),
            "overrides": [override.to_json() for override in self.overrides],
            "customer_reasons": [reason.to_json() for reason in self.customer_reasons()],
            "inputs": self.inputs.to_json() if self.inputs else None,
        }


def decide(
    transaction_id: str, inputs: RiskInputs, score: Score | None, config: RiskConfig, overrides: tuple[Override, ...] = ()
) -> DecisionRecord:
    """Fire every rule on ``inputs``, place ``score`` in its band, and decide.

    A customer without history (``score`` is ``None``) is in the band of the
    scorecard's base score, as a new customer should be: standard terms. A rule named by
    one of ``overrides`` still appears in the record, but no longer counts towards the
    decision: a person took responsibility for it.
    """
    warnings = tuple(fire_rules(inputs, config))
    overridden = {override.rule for override in overrides}
    counted = [warning for warning in warnings if warning.rule not in overridden]
    points = score.points if score is not None else int(config.scorecard["base"])
    band = config.band_for(points)

    strongest = max((warning.action for warning in counted), key=lambda action: action.rank, default=Action.NOTE)
    conditions: list[str] = []
    if band.consequence is Consequence.HIGHER_DEPOSIT:
        conditions.append("higher_deposit")
    if band.consequence is Consequence.DEPOSIT_WAIVED:
        conditions.append("deposit_waived")
    if strongest is Action.SUPERVISOR_APPROVAL:
        conditions.append("supervisor_approval")

    if strongest is Action.REFUSE or band.consequence is Consequence.REFUSED:
        decision = RiskDecision.REFUSE
    elif strongest in (Action.CLERK_REVIEW, Action.SUPERVISOR_APPROVAL) or band.consequence is Consequence.CLERK_REVIEW:
        decision = RiskDecision.CLERK_REVIEW
    elif band.consequence is Consequence.HIGHER_DEPOSIT:
        decision = RiskDecision.APPROVE_WITH_CONDITIONS
    else:
        decision = RiskDecision.APPROVE
    return DecisionRecord(
        transaction_id=transaction_id,
        decision=decision,
        warnings=warnings,
        score=score,
        band=band.name,
        consequence=band.consequence,
        config_version=config.version,
        decided_at=inputs.now,
        overrides=tuple(overrides),
        conditions=tuple(conditions),
        inputs=inputs,
    )


def with_override(record: DecisionRecord, override: Override, config: RiskConfig) -> DecisionRecord:
    """Return ``record`` decided again with ``override`` added; its inputs and score are unchanged."""
    if record.inputs is None:
        raise ValueError(f"decision {record.transaction_id} kept no inputs, so it cannot be decided again")
    decided = decide(record.transaction_id, record.inputs, record.score, config, record.overrides + (override,))
    return decided
