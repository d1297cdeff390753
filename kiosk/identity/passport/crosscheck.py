"""Comparing the MRZ printed on the data page (as typed or scanned) with the MRZ in the chip's DG1."""

import logging

from kiosk.checks import Check, Outcome
from kiosk.identity.mrz import MrzResult
from kiosk.messages import Message

log = logging.getLogger(__name__)

# Fields compared, with their names for customers and clerks.
FIELD_NAMES = {
    "document_code": ("证件类型", "document code"),
    "issuing_state": ("签发国", "issuing state"),
    "document_number": ("证件号码", "document number"),
    "name": ("姓名", "name"),
    "nationality": ("国籍", "nationality"),
    "birth_date": ("出生日期", "birth date"),
    "sex": ("性别", "sex"),
    "expiry_date": ("有效期至", "expiry date"),
    "optional_data": ("可选数据", "optional data"),
    "optional_data_2": ("可选数据（第二行）", "optional data (line 2)"),
}


def check_mrz_matches_chip(printed: MrzResult, chip: MrzResult) -> Check:
    """Compare every field of the printed MRZ with DG1's; a difference fails the check and is named.

    Fields are compared as printed, fillers included, and the document number whole
    (with any TD1/TD2 overflow). The details list the differing field names only, never
    their values.
    """
    if printed.format != chip.format:
        reason = Message(
            "证件资料页上的机读码与芯片中的格式不同。",
            "The MRZ on the data page and the one on the chip have different formats.",
        )
        details = {
            "printed_format": printed.format.value if printed.format else None,
            "chip_format": chip.format.value if chip.format else None,
        }
        return Check("mrz_matches_chip", Outcome.FAIL, reason, details)

    differing = []
    for name in FIELD_NAMES:
        if name == "document_number":
            same = printed.document_number == chip.document_number
        else:
            same = printed.raw.get(name) == chip.raw.get(name)
        if not same:
            differing.append(name)

    if differing:
        log.warning("document %s: printed MRZ differs from DG1 in %s", printed.masked_document_number, ", ".join(differing))
        names_zh = "、".join(FIELD_NAMES[name][0] for name in differing)
        names_en = ", ".join(FIELD_NAMES[name][1] for name in differing)
        reason = Message(
            f"证件资料页上的机读码与芯片中的不一致：{names_zh}。",
            f"The MRZ on the data page differs from the chip's in: {names_en}.",
        )
        return Check("mrz_matches_chip", Outcome.FAIL, reason, {"fields": differing})

    reason = Message("证件资料页上的机读码与芯片中的一致。", "The MRZ on the data page matches the chip's.")
    return Check("mrz_matches_chip", Outcome.PASS, reason, {"fields_compared": len(FIELD_NAMES)})
