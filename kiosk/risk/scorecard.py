"""The credit scorecard: points for each fact of a customer's rental history, added to a base.

A points scorecard explains itself: every factor's points are shown, and the factors
that moved the score most are the explanation a customer is owed (PIPL art. 24). The
score is computed at HQ from the whole company's history and cached at branches; the
same function runs at both ends, so a branch can show how its cached score came about.
"""

from dataclasses import dataclass
from typing import Any

from kiosk.messages import Message
from kiosk.risk.config import RiskConfig

# At most this many factors are given as the reasons of a score.
TOP_FACTORS = 3


@dataclass(frozen=True)
class RentalHistory:
    """The company's record of one customer's past rentals."""

    completed_rentals: int = 0
    late_returns: int = 0
    damage_incidents: int = 0
    unpaid_fen: int = 0  # unpaid fees, in fen
    unpaid_fines: int = 0  # traffic fines passed on and not paid
    disputes: int = 0
    tenure_months: int = 0  # months since the first rental

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> "RentalHistory":
        known = set(cls.__dataclass_fields__)
        return cls(**{name: int(value[name]) for name in known if name in value})

    def to_json(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class Factor:
    """One factor's contribution: a code, its points and the sentence that explains it."""

    code: str
    points: int
    reason: Message

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "points": self.points, "reason": self.reason.to_json()}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> "Factor":
        return cls(str(value["code"]), int(value["points"]), Message(**value["reason"]))


@dataclass(frozen=True)
class Score:
    """A score with its band and the factors behind it, as computed under ``config_version``."""

    points: int
    band: str
    factors: tuple[Factor, ...]  # every factor, in the scorecard's order
    config_version: str

    @property
    def top_factors(self) -> tuple[Factor, ...]:
        """Return the factors that moved the score most, largest first; factors worth 0 points are left out."""
        moving = [factor for factor in self.factors if factor.points]
        return tuple(sorted(moving, key=lambda factor: -abs(factor.points))[:TOP_FACTORS])

    def to_json(self) -> dict[str, Any]:
        return {
            "points": self.points,
            "band": self.band,
            "factors": [factor.to_json() for factor in self.factors],
            "top_factors": [factor.code for factor in self.top_factors],
            "config_version": self.config_version,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> "Score":
        return cls(int(value["points"]), str(value["band"]), tuple(Factor.from_json(f) for f in value["factors"]), str(value["config_version"]))


def _stepped(value: int, steps: list[list[int]]) -> int:
    """Return the points of the highest step whose threshold ``value`` reaches."""
    points = 0
    for threshold, step_points in steps:
        if value >= threshold:
            points = step_points
    return points


def _counted(count: int, each: int, floor: int) -> int:
    return max(count * each, floor)


def score_history(history: RentalHistory, config: RiskConfig) -> Score:
    """Return the score of ``history`` under ``config``'s scorecard, with every factor explained."""
    card = config.scorecard
    unpaid_yuan = history.unpaid_fen / 100
    factors = (
        Factor(
            "completed_rentals",
            _stepped(history.completed_rentals, card["completed_rentals"]),
            Message(f"已完成租车 {history.completed_rentals} 次", f"{history.completed_rentals} completed {'rental' if history.completed_rentals == 1 else 'rentals'}"),
        ),
        Factor(
            "tenure",
            _stepped(history.tenure_months, card["tenure_months"]),
            Message(f"成为客户 {history.tenure_months} 个月", f"customer for {history.tenure_months} {'month' if history.tenure_months == 1 else 'months'}"),
        ),
        Factor(
            "late_returns",
            _counted(history.late_returns, card["late_return_points"], card["late_return_floor"]),
            Message(f"逾期还车 {history.late_returns} 次", f"{history.late_returns} late return(s)"),
        ),
        Factor(
            "damage",
            _counted(history.damage_incidents, card["damage_points"], card["damage_floor"]),
            Message(f"车辆损坏 {history.damage_incidents} 次", f"{history.damage_incidents} damage incident(s)"),
        ),
        Factor(
            "unpaid_fees",
            card["unpaid_points"] if history.unpaid_fen > 0 else 0,
            Message(f"未付费用 {unpaid_yuan:.2f} 元", f"unpaid fees of CNY {unpaid_yuan:.2f}"),
        ),
        Factor(
            "unpaid_fines",
            _counted(history.unpaid_fines, card["unpaid_fine_points"], card["unpaid_fine_floor"]),
            Message(f"未缴交通罚款 {history.unpaid_fines} 笔", f"{history.unpaid_fines} unpaid traffic fine(s)"),
        ),
        Factor(
            "disputes",
            _counted(history.disputes, card["dispute_points"], card["dispute_floor"]),
            Message(f"争议 {history.disputes} 起", f"{history.disputes} dispute(s)"),
        ),
    )
    points = int(card["base"]) + sum(factor.points for factor in factors)
    return Score(points, config.band_for(points).name, factors, config.version)
