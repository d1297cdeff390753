"""Price lists and quotes, in fen (1 yuan = 100 fen) so that no amount is ever a float.

A price list has rates per price group and declared discounts. A discount takes a
percentage (in basis points, 1 bp = 0.01 %) or a fixed amount off the rental amount.
It applies to rentals of a length in days and, optionally, to one customer band only.
Insurance and the deposit are never discounted.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kiosk.errors import CounterSignError
from kiosk.messages import Message

# A return up to this long after a whole number of days costs no extra day.
GRACE_PERIOD = timedelta(hours=1)

BASIS_POINTS_PER_WHOLE = 10_000


class PriceListInvalid(CounterSignError):
    """A price list document is missing a value or declares one that cannot be priced."""

    message = Message(
        "价目表数据有误，无法计算租金，请联系工作人员。",
        "The price list is invalid, so the rental cannot be priced. Please ask a member of staff.",
    )


@dataclass(frozen=True)
class GroupRates:
    """Rates of one price group, in fen."""

    daily_rate_fen: int
    insurance_per_day_fen: int
    deposit_fen: int


@dataclass(frozen=True)
class Discount:
    """A declared discount on the rental amount.

    Exactly one of ``basis_points`` (1 to 10 000) and ``amount_fen`` (above zero) is
    set. The discount applies to rentals of ``min_days`` to ``max_days`` charged days
    (``None``: no upper bound) and, when ``customer_band`` is set, only to customers of
    that band.
    """

    discount_id: str
    label: Message
    min_days: int
    max_days: int | None
    customer_band: str | None
    basis_points: int | None
    amount_fen: int | None

    def applies(self, days: int, customer_band: str | None) -> bool:
        if days < self.min_days or (self.max_days is not None and days > self.max_days):
            return False
        return self.customer_band is None or self.customer_band == customer_band

    def amount_on(self, rental_fen: int) -> int:
        """Return the discount on ``rental_fen``, rounded half up to the fen and never above the rental."""
        if self.basis_points is not None:
            # Half up for non-negative integers: floor(x / 10 000 + 1/2).
            return (rental_fen * self.basis_points + BASIS_POINTS_PER_WHOLE // 2) // BASIS_POINTS_PER_WHOLE
        assert self.amount_fen is not None
        return min(self.amount_fen, rental_fen)

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"id": self.discount_id, "label": self.label.to_json(), "min_days": self.min_days}
        if self.max_days is not None:
            document["max_days"] = self.max_days
        if self.customer_band is not None:
            document["customer_band"] = self.customer_band
        if self.basis_points is not None:
            document["basis_points"] = self.basis_points
        if self.amount_fen is not None:
            document["amount_fen"] = self.amount_fen
        return document


_DISCOUNT_KEYS = frozenset({"id", "label", "min_days", "max_days", "customer_band", "basis_points", "amount_fen"})


def _whole_number(entry: dict, key: str, where: str, minimum: int, default: int | None = None) -> int | None:
    value = entry.get(key, default)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise PriceListInvalid(f"{where}: {key} must be a whole number of at least {minimum}, not {value!r}")
    return value


def _parse_discount(entry: object, index: int) -> Discount:
    """Parse one entry of ``discounts``; raises :class:`PriceListInvalid` naming the entry and the key."""
    where = f"discount {index + 1}"
    if not isinstance(entry, dict):
        raise PriceListInvalid(f"{where} must be an object, not {type(entry).__name__}")
    where = f"discount {entry.get('id', index + 1)!s}"
    unknown = sorted(set(entry) - _DISCOUNT_KEYS)
    if unknown:
        raise PriceListInvalid(f"{where}: unknown key {unknown[0]!r}; known keys: {', '.join(sorted(_DISCOUNT_KEYS))}")

    discount_id = entry.get("id")
    if not isinstance(discount_id, str) or not discount_id.strip():
        raise PriceListInvalid(f"{where}: id must be a non-empty string")
    label = entry.get("label")
    if not isinstance(label, dict) or not isinstance(label.get("zh"), str) or not isinstance(label.get("en"), str) or not label["zh"] or not label["en"]:
        raise PriceListInvalid(f"{where}: label needs non-empty 'zh' and 'en' text")

    min_days = _whole_number(entry, "min_days", where, 1, default=1)
    assert min_days is not None
    max_days = _whole_number(entry, "max_days", where, min_days)
    basis_points = _whole_number(entry, "basis_points", where, 1)
    amount_fen = _whole_number(entry, "amount_fen", where, 1)
    if (basis_points is None) == (amount_fen is None):
        raise PriceListInvalid(f"{where}: set exactly one of basis_points and amount_fen")
    if basis_points is not None and basis_points > BASIS_POINTS_PER_WHOLE:
        raise PriceListInvalid(f"{where}: basis_points is {basis_points}; it cannot exceed {BASIS_POINTS_PER_WHOLE} (100 %)")
    customer_band = entry.get("customer_band")
    if customer_band is not None and (not isinstance(customer_band, str) or not customer_band.strip()):
        raise PriceListInvalid(f"{where}: customer_band must be a non-empty string when given")

    return Discount(
        discount_id=discount_id,
        label=Message(label["zh"], label["en"]),
        min_days=min_days,
        max_days=max_days,
        customer_band=customer_band,
        basis_points=basis_points,
        amount_fen=amount_fen,
    )


@dataclass(frozen=True)
class PriceList:
    version: str
    currency: str
    groups: dict[str, GroupRates]
    discounts: tuple[Discount, ...] = ()

    @classmethod
    def from_json(cls, document: dict) -> "PriceList":
        """Parse a price list document; raises :class:`PriceListInvalid` naming the bad value."""
        try:
            groups = {
                name: GroupRates(int(rates["daily_rate_fen"]), int(rates["insurance_per_day_fen"]), int(rates["deposit_fen"]))
                for name, rates in document["groups"].items()
            }
            version, currency = str(document["version"]), str(document["currency"])
        except KeyError as error:
            raise PriceListInvalid(f"price list is missing {error}") from error
        except (AttributeError, TypeError, ValueError) as error:
            raise PriceListInvalid(f"price list has a malformed group or value: {error}") from error

        entries = document.get("discounts", [])
        if not isinstance(entries, list):
            raise PriceListInvalid(f"price list {version}: discounts must be a list")
        discounts = tuple(_parse_discount(entry, index) for index, entry in enumerate(entries))
        identifiers = [discount.discount_id for discount in discounts]
        if len(set(identifiers)) != len(identifiers):
            raise PriceListInvalid(f"price list {version} repeats a discount id")
        return cls(version=version, currency=currency, groups=groups, discounts=discounts)

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
            "discounts": [discount.to_json() for discount in self.discounts],
        }


@dataclass(frozen=True)
class Quote:
    """Price of a rental, in fen.

    ``rental_fen`` is the daily rate times the days, before the discount.
    ``total_fen`` is the rental less ``discount_fen``, plus cover; the deposit is held
    separately. ``discount_id`` and ``discount_label`` are empty without a discount.
    """

    price_list_version: str
    days: int
    daily_rate_fen: int
    rental_fen: int
    insurance_fen: int
    deposit_fen: int
    total_fen: int
    discount_fen: int = 0
    discount_id: str = ""
    discount_label: str = ""


def rental_days(pickup_at: datetime, return_at: datetime) -> int:
    """Count charged days: started 24-hour periods after the grace period, at least one.

    Raises ``ValueError`` when the return is not after the pick-up.
    """
    if return_at <= pickup_at:
        raise ValueError(f"return {return_at.isoformat()} is not after pick-up {pickup_at.isoformat()}")
    chargeable = max(return_at - pickup_at - GRACE_PERIOD, timedelta(0))
    return max(1, math.ceil(chargeable / timedelta(days=1)))


def best_discount(price_list: PriceList, days: int, rental_fen: int, customer_band: str | None) -> Discount | None:
    """Return the applicable discount worth most on ``rental_fen``; the earlier one wins a tie.

    Discounts never add up: at most one applies to a rental.
    """
    best: Discount | None = None
    for discount in price_list.discounts:
        if not discount.applies(days, customer_band):
            continue
        if best is None or discount.amount_on(rental_fen) > best.amount_on(rental_fen):
            best = discount
    return best


def make_quote(
    price_list: PriceList,
    price_group: str,
    pickup_at: datetime,
    return_at: datetime,
    customer_band: str | None = None,
) -> Quote:
    """Price a rental with the best applicable discount.

    Raises ``KeyError`` when the price list has no such group and ``ValueError`` when
    the return is not after the pick-up.
    """
    rates = price_list.groups[price_group]
    days = rental_days(pickup_at, return_at)
    rental = rates.daily_rate_fen * days
    insurance = rates.insurance_per_day_fen * days

    discount = best_discount(price_list, days, rental, customer_band)
    discount_fen = discount.amount_on(rental) if discount is not None else 0

    return Quote(
        price_list_version=price_list.version,
        days=days,
        daily_rate_fen=rates.daily_rate_fen,
        rental_fen=rental,
        insurance_fen=insurance,
        deposit_fen=rates.deposit_fen,
        total_fen=rental - discount_fen + insurance,
        discount_fen=discount_fen,
        discount_id=discount.discount_id if discount is not None else "",
        discount_label=discount.label.bilingual() if discount is not None else "",
    )
