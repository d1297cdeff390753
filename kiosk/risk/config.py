"""The risk configuration: scorecard points, score bands and their consequences, and each rule's action.

HQ owns it and ships it as the reference item ``risk_config/current``; a branch applies
the version it holds and records that version with every decision. The file under
``resources/risk`` is the version a branch starts with before its first sync.
"""

import json
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent.parent / "resources" / "risk" / "risk-config.json"


class Action(str, Enum):
    """The action a fired rule requires, from the mildest to the strongest."""

    NOTE = "note"  # shown to the clerk, nothing else
    CLERK_REVIEW = "clerk_review"
    SUPERVISOR_APPROVAL = "supervisor_approval"
    REFUSE = "refuse"

    @property
    def rank(self) -> int:
        return list(Action).index(self)


class Severity(str, Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Consequence(str, Enum):
    """The consequence of a score band for the rental."""

    DEPOSIT_WAIVED = "deposit_waived"
    STANDARD = "standard"
    HIGHER_DEPOSIT = "higher_deposit"
    CLERK_REVIEW = "clerk_review"
    REFUSED = "refused"


@dataclass(frozen=True)
class Band:
    name: str
    minimum: int | None  # None for the lowest band
    consequence: Consequence


@dataclass(frozen=True)
class RuleSettings:
    """A rule's severity, action and its own parameters (a time window, a list of price groups)."""

    severity: Severity
    action: Action
    parameters: dict[str, Any]


class RiskConfigError(ValueError):
    """A risk configuration that cannot be applied; the detail names the key."""


@dataclass(frozen=True)
class RiskConfig:
    version: str
    scorecard: dict[str, Any]
    bands: tuple[Band, ...]  # highest minimum first
    rules: dict[str, RuleSettings]

    def band_for(self, score: int) -> Band:
        for band in self.bands:
            if band.minimum is None or score >= band.minimum:
                return band
        raise RiskConfigError("the bands do not end with a band without a minimum")

    def rule(self, name: str) -> RuleSettings:
        try:
            return self.rules[name]
        except KeyError:
            raise RiskConfigError(f"risk configuration {self.version} has no rule {name!r}") from None

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> "RiskConfig":
        """Build a configuration from its JSON form; raises :class:`RiskConfigError` naming what is wrong."""
        try:
            version = str(document["version"])
            bands = tuple(
                Band(str(band["name"]), None if band["minimum"] is None else int(band["minimum"]), Consequence(band["consequence"]))
                for band in document["bands"]
            )
            rules = {
                name: RuleSettings(
                    Severity(settings["severity"]),
                    Action(settings["action"]),
                    {key: value for key, value in settings.items() if key not in ("severity", "action")},
                )
                for name, settings in document["rules"].items()
            }
            scorecard = dict(document["scorecard"])
        except (KeyError, TypeError, ValueError) as error:
            raise RiskConfigError(f"risk configuration is not valid: {error!r}") from error
        minimums = [band.minimum for band in bands]
        if not bands or minimums[-1] is not None or any(m is None for m in minimums[:-1]):
            raise RiskConfigError("risk configuration bands must end with exactly one band without a minimum")
        if minimums[:-1] != sorted(minimums[:-1], reverse=True):
            raise RiskConfigError("risk configuration bands must be ordered from the highest minimum down")
        return cls(version, scorecard, bands, rules)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "scorecard": self.scorecard,
            "bands": [{"name": b.name, "minimum": b.minimum, "consequence": b.consequence.value} for b in self.bands],
            "rules": {
                name: {"severity": s.severity.value, "action": s.action.value, **s.parameters} for name, s in self.rules.items()
            },
        }


def load_default_config(path: Path = DEFAULT_CONFIG) -> RiskConfig:
    return RiskConfig.from_json(json.loads(path.read_text(encoding="utf-8")))
