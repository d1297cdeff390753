"""The interface every ID-card reader driver implements."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class CardRead:
    """What a reader returns for one card, before any interpretation.

    ``text`` is the 256-byte UCS-2 text block, ``photo`` the compressed (WLT) photo as
    the chip stores it and ``fingerprint`` the fingerprint block when one was read.
    ``photo_image`` is set by readers whose vendor library decodes the photo itself: an
    image file (usually BMP) that the kiosk uses instead of decoding ``photo``.
    ``appended_address`` is the raw UCS-2 address endorsed after issue, when the reader
    was asked for it and the card has one.
    """

    text: bytes
    photo: bytes
    fingerprint: bytes | None = None
    photo_image: bytes | None = None
    appended_address: bytes | None = None


class IdCardReader(Protocol):
    """A reader of resident ID cards and the cards that share their chip layout.

    ``read_card`` blocks for at most the driver's timeout times its attempts, and
    raises :class:`devices.errors.NoCardError`, :class:`devices.errors.CardRemovedError`,
    :class:`devices.errors.CardReadError`, :class:`devices.errors.FrameError`,
    :class:`devices.errors.ReaderTimeoutError` or, when the reader is unplugged,
    :class:`devices.errors.ReaderUnavailableError`; the next call after the reader is
    back reads again. tests/test_reader_contract.py checks every driver against this.
    """

    def read_card(self) -> CardRead: ...

    def close(self) -> None: ...
