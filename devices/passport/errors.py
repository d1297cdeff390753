"""Typed errors of the passport chip driver.

Each is a :class:`devices.errors.ReaderError`, so callers that handle reader failures in
general handle these too. Card removal and timeouts use the shared
:class:`devices.errors.CardRemovedError` and :class:`devices.errors.ReaderTimeoutError`.
"""

from devices.errors import ReaderError


class PassportChipError(ReaderError):
    """The passport chip returned a response that ended the read."""


class BacRejected(PassportChipError):
    """The chip rejected the BAC keys: the MRZ entered is not this document's."""


class AccessControlUnsupported(PassportChipError):
    """The chip does not run Basic Access Control (it rejects the commands, not the keys) and offers no PACE."""


class PaceNotSupported(PassportChipError):
    """The chip offers PACE only (EF.CardAccess lists a PACEInfo and BAC is refused).

    TODO: PACE (ICAO 9303 part 11, section 4.4) is not implemented, so such chips cannot be read yet.
    """


class SecureMessagingError(PassportChipError):
    """A protected response was malformed, failed its MAC, or the chip ended secure messaging."""


class ChipFileError(PassportChipError):
    """A file could not be selected or read, or its length is malformed or too large."""


class ChipFileNotFound(ChipFileError):
    """The chip has no file with the identifier requested."""


class ChipProtocolError(PassportChipError):
    """The chip returned a status word or response that the protocol does not allow here."""
