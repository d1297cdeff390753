"""Driving licence details as they arrive: typed by a clerk or the customer, or scanned as text.

Every source goes through :func:`licence_from_fields`, so a licence typed at the kiosk
passes exactly the checks of one typed at the counter. :func:`parse_licence_text` reads
"label: value" lines with Chinese or English labels, as the electronic licence's text
export and most scanner apps present them.

NOTE: the QR code shown by the official electronic licence app carries a signed,
encrypted token for the traffic police's own verification service. Nothing here decodes
that token; a branch scans the licence's text form instead.
"""

import re
from datetime import date

from kiosk.errors import LicenceInputError
from kiosk.identity.card_fields import LONG_TERM
from kiosk.identity.licence import DrivingLicence, parse_licence_classes
from kiosk.messages import Message

FIELDS = ("number", "name", "licence_class", "first_issue_date", "valid_from", "valid_to")

# Labels accepted in scanned text, mapped to field names.
LABELS = {
    "证号": "number",
    "驾驶证号": "number",
    "number": "number",
    "licence number": "number",
    "姓名": "name",
    "name": "name",
    "准驾车型": "licence_class",
    "class": "licence_class",
    "licence class": "licence_class",
    "初次领证日期": "first_issue_date",
    "first issue date": "first_issue_date",
    "有效起始日期": "valid_from",
    "有效期起始日期": "valid_from",
    "valid from": "valid_from",
    "有效期限": "valid_to",
    "有效期至": "valid_to",
    "valid to": "valid_to",
}
_FIELD_LABELS = {
    "number": Message("驾驶证号", "licence number"),
    "name": Message("姓名", "name"),
    "licence_class": Message("准驾车型", "licence class"),
    "first_issue_date": Message("初次领证日期", "first issue date"),
    "valid_from": Message("有效起始日期", "valid-from date"),
    "valid_to": Message("有效期限", "valid-to date"),
}
# Either with separators ("2020-1-12", "2020年01月12日") or as exactly eight digits, so
# that a compact date is never ambiguous ("2020112" could be 2 November or 12 January).
_DATE = re.compile(r"([0-9]{4})[-./年]([0-9]{1,2})[-./月]([0-9]{1,2})日?|([0-9]{4})([0-9]{2})([0-9]{2})")


def _problem(field: str, detail: str, zh: str, en: str) -> LicenceInputError:
    label = _FIELD_LABELS[field]
    return LicenceInputError(detail, field, Message(f"{label.zh}{zh}", f"The {label.en} {en}"))


def _date(field: str, value: str) -> date:
    match = _DATE.fullmatch(value.strip())
    if not match:
        raise _problem(field, f"{field} {value!r} is not a date", "不是有效日期，请按 2020-01-31 的格式填写。", "is not a date; write it as 2020-01-31.")
    year, month, day = (match[1], match[2], match[3]) if match[1] else (match[4], match[5], match[6])
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise _problem(field, f"{field} {value!r} is not a calendar date", "不是真实日期。", "is not a real date.") from None


def licence_from_fields(fields: dict[str, str], today: date) -> DrivingLicence:
    """Validate licence details from any source; raises :class:`LicenceInputError` naming the first bad field."""
    for field in FIELDS:
        if not str(fields.get(field, "")).strip():
            raise _problem(field, f"{field} is missing", "未填写。", "is missing.")

    number = str(fields["number"]).strip().upper()
    if not re.fullmatch(r"[0-9A-Z]{8,18}", number):
        raise _problem("number", "licence number has the wrong form", "格式不正确。", "has the wrong form.")
    licence_class = str(fields["licence_class"]).strip().upper()
    try:
        parse_licence_classes(licence_class)
    except ValueError:
        raise _problem("licence_class", f"licence class {licence_class!r} is unknown", "无法识别。", "is not a known class code.") from None

    first_issue = _date("first_issue_date", str(fields["first_issue_date"]))
    valid_from = _date("valid_from", str(fields["valid_from"]))
    raw_valid_to = str(fields["valid_to"]).strip()
    valid_to = None if raw_valid_to in (LONG_TERM, "long-term") else _date("valid_to", raw_valid_to)

    if first_issue > today:
        raise _problem("first_issue_date", "first issue date is in the future", "晚于今天。", "is in the future.")
    if valid_from < first_issue:
        raise _problem("valid_from", "valid-from date precedes the first issue", "早于初次领证日期。", "is before the first issue date.")
    if valid_to is not None and valid_to < valid_from:
        raise _problem("valid_to", "valid-to date precedes valid-from date", "早于有效起始日期。", "is before the valid-from date.")

    return DrivingLicence(
        number=number,
        name=str(fields["name"]).strip(),
        licence_class=licence_class,
        first_issue_date=first_issue,
        valid_from=valid_from,
        valid_to=valid_to,
    )


def parse_licence_text(text: str, today: date) -> DrivingLicence:
    """Read "label: value" lines (full-width colons accepted) and validate them; unknown labels are ignored."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        label, separator, value = line.replace("：", ":").partition(":")
        if not separator:
            continue
        field = LABELS.get(label.strip().lower())
        if field is not None:
            fields[field] = value.strip()
    return licence_from_fields(fields, today)
