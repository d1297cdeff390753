"""Price lists and quotes, in fen (1 yuan = 100 fen) so that no amount is ever a float."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

# A return up to this long after a whole number of days costs no extra day.
GRACE_PERIOD = timedelta(hours=1)


@dataclass(frozen=True)
class GroupRates:
    """Rates of one price group, in fen."""

    daily_rate_fen: int
    insurance_per_day_fen: int
    deposit_fen: int


@dataclass(frozen=True)
class PriceList:
    version: str
    currency: str
    groups: dict[str, GroupRates]

    @classmethod
    def from_json(cls, document: dict) -> "PriceList":
        groups = {
            name: GroupRates(int(rates["daily_rate_fen"]), int(rates["insurance_per_day_fen"]), int(rates["deposit_fen"]))
            for name, rates in document["groups"].items()
        }
        return cls(version=str(document["version"]), currency=str(document["currency"]), groups=groups)

    def to_json(self) -> dict:
        return {
            "version": self.version,
            "currency": self.currency,
            "groups": {
                name: {
                    "daily_rate_fen": rates.daily_rate_fen,
                    "insurance_per_day_fen": rates.insurance_per_day_fen,
                    "deposit_fen": rates.deposit_fen,
                }
                for name, rates in self.groups.items()
            },
        }


@dataclass(frozen=True)
class Quote:
    """Price of a rental. ``total_fen`` is rental plus cover; the deposit is held separately."""

    price_list_version: str
    days: int
    daily_rate_fen: int
    rental_fen: int
    insurance_fen: int
    deposit_fen: int
    total_fen: int


def rental_days(pickup_at: datetime, return_at: datetime) -> int:
    """Count charged days: started 24-hour periods after the grace period, at least one.

    Raises ``ValueError`` when the return is not after the pick-up.
    """
    if return_at <= pickup_at:
        raise ValueError(f"return {return_at.isoformat()} is not after pick-up {pickup_at.isoformat()}")
    chargeable = max(return_at - pickup_at - GRACE_PERIOD, timedelta(0))
    return max(1, math.ceil(chargeable / timedelta(days=1)))


def make_quote(price_list: PriceList, price_group: str, pickup_at: datetime, return_at: datetime) -> Quote:
    """Price a rental; raises ``KeyError`` when the price list has no such group."""
    rates = price_list.groups[price_group]
    days = rental_days(pickup_at, return_at)
    rental = rates.daily_rate_fen * days
    insurance = rates.insurance_per_day_fen * days
    return Quote(
        price_list_version=price_list.version,
        days=days,
        daily_rate_fen=rates.daily_rate_fen,
        rental_fen=rental,
        insurance_fen=insurance,
        deposit_fen=rates.deposit_fen,
        total_fen=rental + insurance,
    )
