"""Formatting of contract values on screen and on paper."""

from datetime import date, datetime
from typing import Any


def format_money(fen: int) -> str:
    """Format fen as yuan with thousands separators: 89700 -> "¥897.00"."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def format_value(value: Any, field_type: str) -> str:
    """Format a typed field value; ``None`` becomes an empty string."""
    if value is None:
        return ""
    if field_type == "money":
        return format_money(int(value))
    if field_type == "datetime" and isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if field_type == "date" and isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def format_timestamp(moment: datetime) -> str:
    """Format an aware time with its UTC offset, which a zone abbreviation like CST leaves ambiguous."""
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M:%S} (UTC{offset[:3]}:{offset[3:]})" if offset else f"{moment:%Y-%m-%d %H:%M:%S}"
