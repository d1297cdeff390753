"""Decoding the card photo, which the chip stores in the licensed WLT format.

Only the reader vendor's library can decode WLT. Drivers therefore return the 1024
compressed bytes and the kiosk calls a :class:`PhotoDecoder` chosen by branch
configuration. docs/photo-decoder.md explains how a vendor library plugs in.
"""

import hashlib
from collections.abc import Iterable
from typing import Protocol

from devices.errors import PhotoDecodeError

WLT_SIZE = 1024


class PhotoDecoder(Protocol):
    """Turns the 1024-byte WLT photo into an image file (BMP, PNG or JPEG bytes).

    Raises :class:`devices.errors.PhotoDecodeError` when the data cannot be decoded.
    """

    def decode(self, wlt: bytes) -> bytes: ...


class SimulatedPhotoCodec:
    """Stands in for WLT on simulated cards.

    A simulated card's photo block holds a tag and the SHA-256 of the photo it was made
    from, padded to 1024 bytes, and :meth:`decode` returns that photo. It carries no
    image data, so it tests the plumbing around the decoder, not WLT itself.
    """

    TAG = b"CSIM-WLT"

    def __init__(self, photos: Iterable[bytes] = ()) -> None:
        self._photos: dict[bytes, bytes] = {}
        for photo in photos:
            self.register(photo)

    def register(self, photo: bytes) -> bytes:
        """Remember ``photo`` and return the 1024-byte block that stands for it."""
        digest = hashlib.sha256(photo).digest()
        self._photos[digest] = photo
        return (self.TAG + digest).ljust(WLT_SIZE, b"\x00")

    def decode(self, wlt: bytes) -> bytes:
        if len(wlt) != WLT_SIZE:
            raise PhotoDecodeError(f"photo block is {len(wlt)} bytes, expected {WLT_SIZE}")
        if not wlt.startswith(self.TAG):
            raise PhotoDecodeError("photo block is not from a simulated card")
        digest = wlt[len(self.TAG) : len(self.TAG) + 32]
        try:
            return self._photos[digest]
        except KeyError:
            raise PhotoDecodeError("simulated photo block names a photo this decoder does not hold") from None


class NoWltDecoder:
    """The decoder of a branch whose readers decode photos themselves (vendor-SDK readers).

    It is called only when a reader returned no decoded photo, which such readers never
    should, so it always raises :class:`devices.errors.PhotoDecodeError`.
    """

    def decode(self, wlt: bytes) -> bytes:
        raise PhotoDecodeError("no WLT decoder is configured; this branch's reader must return decoded photos")
