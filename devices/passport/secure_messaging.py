"""Secure messaging after BAC (ICAO 9303 part 11, section 9.8): wrapping commands and unwrapping responses.

A protected command carries its data encrypted in DO'87', the expected length in
DO'97' and a MAC in DO'8E'. A protected response carries encrypted data in DO'87',
the status word in DO'99' and a MAC in DO'8E'. Each MAC covers the send sequence
counter (SSC), which both sides increment before every command and every response.
"""

import hmac
import logging

from devices.passport import crypto
from devices.passport.apdu import (
    SW_OK,
    SW_SM_OBJECTS_INCORRECT,
    SW_SM_OBJECTS_MISSING,
    CommandApdu,
    ResponseApdu,
)
from devices.passport.bac import SessionKeys
from devices.passport.errors import SecureMessagingError
from devices.passport.tlv import TlvError, encode_tlv, read_header

log = logging.getLogger(__name__)

TAG_ENCRYPTED_DATA = 0x87
TAG_EXPECTED_LENGTH = 0x97
TAG_STATUS = 0x99
TAG_MAC = 0x8E
PADDING_INDICATOR = 0x01
SECURE_MESSAGING_CLA = 0x0C
_SSC_MODULUS = 2**64


class SecureChannel:
    """The protected channel of one BAC session; wrap and unwrap strictly alternate.

    After any :class:`SecureMessagingError`, or an unprotected error status, the SSCs of
    the two sides may differ, so the channel closes and further use raises.
    """

    def __init__(self, session: SessionKeys) -> None:
        self._ks_enc = session.ks_enc
        self._ks_mac = session.ks_mac
        self._ssc = session.ssc
        self.closed = False

    @property
    def ssc(self) -> int:
        return self._ssc

    def _next_ssc(self) -> bytes:
        if self.closed:
            raise SecureMessagingError("secure messaging ended after an earlier error; authenticate again")
        self._ssc = (self._ssc + 1) % _SSC_MODULUS
        return self._ssc.to_bytes(8, "big")

    def wrap(self, command: CommandApdu) -> CommandApdu:
        """Return the protected form of ``command``; raises ``ValueError`` for odd INS with data."""
        if command.data and command.ins & 1:
            raise ValueError("odd INS with data needs DO'85', which is not supported")
        ssc = self._next_ssc()
        header = bytes([command.cla | SECURE_MESSAGING_CLA, command.ins, command.p1, command.p2])

        objects = b""
        if command.data:
            encrypted = crypto.encrypt(self._ks_enc, crypto.pad(command.data))
            objects += encode_tlv(TAG_ENCRYPTED_DATA, bytes([PADDING_INDICATOR]) + encrypted)
        if command.le is not None:
            objects += encode_tlv(TAG_EXPECTED_LENGTH, bytes([command.le % 256]))

        mac = crypto.retail_mac(self._ks_mac, ssc + crypto.pad(header) + objects)
        objects += encode_tlv(TAG_MAC, mac)
        return CommandApdu(header[0], command.ins, command.p1, command.p2, objects, le=256)

    def unwrap(self, response: ResponseApdu) -> ResponseApdu:
        """Verify and decrypt a protected response; return the plain data and the status from DO'99'.

        A response without data objects and with an error status is returned as it is
        (chips may return errors unprotected), and closes the channel. Raises
        :class:`SecureMessagingError` for 6987/6988, a missing or wrong MAC, missing
        DO'99', unknown or repeated objects, or bad padding.
        """
        ssc = self._next_ssc()
        if not response.data:
            self.closed = True
            if response.sw in (SW_SM_OBJECTS_MISSING, SW_SM_OBJECTS_INCORRECT):
                raise SecureMessagingError(f"chip ended secure messaging with status {response.sw:04X}")
            if response.sw == SW_OK:
                raise SecureMessagingError("chip returned 9000 without secure messaging objects")
            log.info("unprotected error status %04X ends secure messaging", response.sw)
            return response

        objects = self._split_objects(response.data)
        if TAG_MAC not in objects or TAG_STATUS not in objects:
            self.closed = True
            raise SecureMessagingError("protected response lacks DO'8E' (MAC) or DO'99' (status)")

        mac_input = ssc + objects.get(TAG_ENCRYPTED_DATA, (b"", b""))[0] + objects[TAG_STATUS][0]
        if not hmac.compare_digest(crypto.retail_mac(self._ks_mac, mac_input), objects[TAG_MAC][1]):
            self.closed = True
            raise SecureMessagingError("response MAC does not verify")

        status = objects[TAG_STATUS][1]
        if len(status) != 2:
            self.closed = True
            raise SecureMessagingError(f"DO'99' has {len(status)} bytes, expected 2")
        data = self._decrypt(objects[TAG_ENCRYPTED_DATA][1]) if TAG_ENCRYPTED_DATA in objects else b""
        return ResponseApdu(data, int.from_bytes(status, "big"))

    def _split_objects(self, data: bytes) -> dict[int, tuple[bytes, bytes]]:
        """Map each tag to (its encoding as received, its value); DO'8E' must come last."""
        objects: dict[int, tuple[bytes, bytes]] = {}
        offset = 0
        try:
            while offset < len(data):
                tag, length, value_offset = read_header(data, offset)
                end = value_offset + length
                if end > len(data):
                    raise TlvError(f"object {tag:X} runs past the end of the response")
                if tag not in (TAG_ENCRYPTED_DATA, TAG_STATUS, TAG_MAC) or tag in objects:
                    raise TlvError(f"unexpected or repeated object {tag:X}")
                if TAG_MAC in objects:
                    raise TlvError("data follows the MAC object")
                objects[tag] = (data[offset:end], data[value_offset:end])
                offset = end
        except TlvError as error:
            self.closed = True
            raise SecureMessagingError(f"malformed protected response: {error}") from error
        if TAG_MAC in objects and len(objects[TAG_MAC][1]) != 8:
            self.closed = True
            raise SecureMessagingError("DO'8E' is not 8 bytes")
        return objects

    def _decrypt(self, value: bytes) -> bytes:
        if len(value) < 9 or value[0] != PADDING_INDICATOR or (len(value) - 1) % crypto.BLOCK_SIZE:
            self.closed = True
            raise SecureMessagingError("DO'87' lacks the padding indicator or whole 8-byte blocks")
        try:
            return crypto.unpad(crypto.decrypt(self._ks_enc, value[1:]))
        except ValueError as error:
            self.closed = True
            raise SecureMessagingError(f"decrypted response data is not padded: {error}") from error
