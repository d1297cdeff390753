"""The interface of passport chip readers, and what a read returns."""

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class ChipRead:
    """The files read from one passport chip, as stored, before any interpretation.

    ``data_groups`` maps the data group number to the file (DG1 contains the MRZ, DG2 the
    face). ``card_access`` is ``None`` when the chip has no EF.CardAccess.
    """

    com: bytes = field(repr=False)
    data_groups: dict[int, bytes] = field(repr=False)
    sod: bytes = field(repr=False)
    card_access: bytes | None = field(default=None, repr=False)
    atr: bytes = b""


class PassportReader(Protocol):
    """A reader of ICAO 9303 passport chips.

    ``read_chip`` takes the MRZ information that BAC needs (see
    :func:`devices.passport.bac.derive_bac_keys`) and blocks for a bounded time. It
    raises :class:`devices.errors.NoCardError`, :class:`devices.errors.CardRemovedError`,
    :class:`devices.errors.ReaderTimeoutError` or a
    :class:`devices.passport.errors.PassportChipError` subclass.
    """

    def read_chip(self, mrz_information: str) -> ChipRead: ...

    def close(self) -> None: ...
