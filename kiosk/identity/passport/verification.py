"""Reading a passport chip and checking it: access, DG1, passive authentication, the printed MRZ and the face."""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from devices.errors import CardRemovedError, NoCardError, ReaderError, ReaderTimeoutError, ReaderUnavailableError
from devices.passport.errors import (
    AccessControlUnsupported,
    BacRejected,
    PaceNotSupported,
    SecureMessagingError,
)
from devices.passport.reader import ChipRead, PassportReader
from kiosk.checks import Check, Outcome
from kiosk.errors import ImageUnreadable
from kiosk.identity.images import decode_image
from kiosk.identity.mrz import MrzResult, bac_key_seed
from kiosk.identity.passport.crosscheck import check_mrz_matches_chip
from kiosk.identity.passport.csca import CscaStore
from kiosk.identity.passport.dg2 import FaceImage, parse_dg2
from kiosk.identity.passport.errors import DataGroupError
from kiosk.identity.passport.lds import parse_dg1
from kiosk.identity.passport.passive_auth import passive_authentication
from kiosk.messages import Message

log = logging.getLogger(__name__)

# The outcome and reason of the chip_access check for each driver error, most specific class first.
_ACCESS_OUTCOMES: list[tuple[type[Exception], Outcome, Message]] = [
    (
        BacRejected,
        Outcome.RETRY,
        Message(
            "护照芯片不接受输入的机读码，请核对机读码后重试。",
            "The passport chip did not accept the MRZ entered. Please check the MRZ and try again.",
        ),
    ),
    (
        PaceNotSupported,
        Outcome.REVIEW,
        Message(
            "该护照芯片只允许 PACE 访问控制，本机暂不支持，请工作人员人工核验护照。",
            "This passport's chip only allows PACE access control, which this terminal does not support yet. "
            "A member of staff must check the passport by hand.",
        ),
    ),
    (
        AccessControlUnsupported,
        Outcome.REVIEW,
        Message(
            "护照芯片拒绝了访问控制，请工作人员人工核验护照。",
            "The passport chip refused access control. A member of staff must check the passport by hand.",
        ),
    ),
    (
        CardRemovedError,
        Outcome.RETRY,
        Message(
            "读取过程中护照被移开，请将护照放稳后重试。",
            "The passport was moved while its chip was read. Please hold it still on the reader and try again.",
        ),
    ),
    (
        NoCardError,
        Outcome.RETRY,
        Message("未检测到护照，请将护照资料页放在读卡区。", "No passport found. Please place the passport's data page on the reader."),
    ),
    (
        ReaderTimeoutError,
        Outcome.RETRY,
        Message("读卡器无响应，请重试。", "The reader did not respond. Please try again."),
    ),
    (
        SecureMessagingError,
        Outcome.RETRY,
        Message("与护照芯片的加密通信出错，请重试。", "The protected exchange with the passport chip failed. Please try again."),
    ),
    (
        ReaderUnavailableError,
        Outcome.REVIEW,
        Message("护照读卡器未连接，请联系工作人员。", "The passport reader is not connected. Please ask a member of staff."),
    ),
    (
        ReaderError,
        Outcome.REVIEW,
        Message(
            "护照芯片无法读取，请工作人员人工核验护照。",
            "The passport chip could not be read. A member of staff must check the passport by hand.",
        ),
    ),
]


@dataclass(frozen=True)
class PassportVerification:
    """Every check of one chip read, with what was read.

    ``face_rgb`` is the DG2 face decoded to an RGB array, for face matching; it and
    ``face`` are kept in memory only.
    """

    checks: tuple[Check, ...]
    chip_mrz: MrzResult | None = field(default=None, repr=False)
    face: FaceImage | None = field(default=None, repr=False)
    face_rgb: np.ndarray | None = field(default=None, repr=False)
    chip_read: ChipRead | None = field(default=None, repr=False)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(check.passed for check in self.checks)

    def check(self, name: str) -> Check:
        """Return the check called ``name``; raises ``KeyError`` when it was not run."""
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)


def verify_passport_chip(
    reader: PassportReader, printed: MrzResult, csca: CscaStore, now: datetime | None = None
) -> PassportVerification:
    """Read the chip with the keys from the printed MRZ and run every check on what it contains.

    Device failures end in a ``chip_access`` check that is not passed (retry or
    review), never in an exception. Raises :class:`kiosk.identity.mrz.MrzInvalid` when
    ``printed`` is not a valid MRZ, because BAC needs its fields.
    """
    now = now or datetime.now(timezone.utc)
    seed = bac_key_seed(printed)

    try:
        chip_read = reader.read_chip(seed.mrz_information)
    except ReaderError as error:
        return PassportVerification((_access_failed(error, seed.masked_document_number),))
    checks = [
        Check("chip_access", Outcome.PASS, Message("已读取护照芯片。", "The passport chip was read."), {"access_control": "BAC"})
    ]

    chip_mrz, dg1_check = _read_dg1(chip_read, now)
    checks.append(dg1_check)
    checks.extend(passive_authentication(chip_read.sod, chip_read.data_groups, csca, now))
    if chip_mrz is not None:
        checks.append(check_mrz_matches_chip(printed, chip_mrz))
    face, face_rgb, face_check = _read_face(chip_read)
    checks.append(face_check)

    not_passed = [check.name for check in checks if not check.passed]
    log.info("passport %s verified: %d checks, not passed: %s", seed.masked_document_number, len(checks), ", ".join(not_passed) or "none")
    return PassportVerification(tuple(checks), chip_mrz, face, face_rgb, chip_read)


def _access_failed(error: ReaderError, masked_number: str) -> Check:
    for error_type, outcome, reason in _ACCESS_OUTCOMES:
        if isinstance(error, error_type):
            break
    log.warning("passport %s: chip not read: %s: %s", masked_number, type(error).__name__, error)
    return Check("chip_access", outcome, reason, {"error": type(error).__name__})


def _read_dg1(chip_read: ChipRead, now: datetime) -> tuple[MrzResult | None, Check]:
    unreadable = Message("护照芯片中的机读码（DG1）无法识别。", "The MRZ on the passport chip (DG1) could not be understood.")
    if 1 not in chip_read.data_groups:
        return None, Check("dg1_mrz", Outcome.FAIL, unreadable, {"error": "DG1 was not read"})
    try:
        chip_mrz = parse_dg1(chip_read.data_groups[1], now.date())
    except DataGroupError as error:
        log.warning("DG1 not usable: %s", error)
        return None, Check("dg1_mrz", Outcome.FAIL, unreadable, {"error": str(error)})
    if not chip_mrz.valid:
        log.warning("DG1's MRZ is invalid: %s", ", ".join(error.code for error in chip_mrz.errors))
        return chip_mrz, Check("dg1_mrz", Outcome.FAIL, unreadable, {"errors": [error.code for error in chip_mrz.errors]})
    reason = Message("护照芯片中的机读码（DG1）有效。", "The MRZ on the passport chip (DG1) is valid.")
    return chip_mrz, Check("dg1_mrz", Outcome.PASS, reason, {"format": chip_mrz.format.value})


def _read_face(chip_read: ChipRead) -> tuple[FaceImage | None, np.ndarray | None, Check]:
    unreadable = Message("护照芯片中的照片（DG2）无法读取。", "The photo on the passport chip (DG2) could not be read.")
    if 2 not in chip_read.data_groups:
        return None, None, Check("dg2_face", Outcome.FAIL, unreadable, {"error": "DG2 was not read"})
    try:
        face = parse_dg2(chip_read.data_groups[2])
        face_rgb = decode_image(face.data)
    except (DataGroupError, ImageUnreadable) as error:
        log.warning("DG2 face not usable: %s", error)
        return None, None, Check("dg2_face", Outcome.FAIL, unreadable, {"error": str(error)})
    details = {"format": face.format, "width": int(face_rgb.shape[1]), "height": int(face_rgb.shape[0])}
    return face, face_rgb, Check("dg2_face", Outcome.PASS, Message("已读取护照芯片中的照片。", "The photo on the passport chip was read."), details)
