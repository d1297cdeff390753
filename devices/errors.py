"""Typed errors raised by device drivers.

The kiosk maps each class to a sentence for the customer, so a driver picks the most
specific class and puts the technical detail in the message for the log.
"""


class DeviceError(Exception):
    """A device failed; the message is for the log, not for the customer."""


class ReaderError(DeviceError):
    """The ID-card reader failed in a way that retrying the same command did not fix."""


class ReaderUnavailableError(ReaderError):
    """The reader cannot be reached: its port cannot be opened or failed with an I/O error.

    This is what an unplugged reader looks like. Drivers reopen the port on the next
    call, so the same reader object works again once the reader is back.
    """


class ReaderLibraryError(ReaderUnavailableError):
    """A reader vendor's shared library, or a function it should export, is missing."""


class ReaderTimeoutError(ReaderError):
    """The reader sent no complete frame before the deadline."""


class FrameError(ReaderError):
    """A frame from the reader was malformed: bad checksum, bad length or bad header."""


class NoCardError(ReaderError):
    """No card is on the reader."""


class CardRemovedError(ReaderError):
    """The card was found but left the reader before it was read completely."""


class CardReadError(ReaderError):
    """The reader found the card but could not read it (SAM or card failure)."""


class PhotoDecodeError(DeviceError):
    """The card's compressed photo could not be decoded."""


class CameraError(DeviceError):
    """The camera could not be opened or returned no frame."""


class FrameUnreadableError(CameraError):
    """A camera frame or recorded image could not be decoded."""


class SignaturePadError(DeviceError):
    """The signature pad returned no usable strokes."""
