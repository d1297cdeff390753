"""An emulated passport chip that responds to APDUs, and the vpcd link that puts it in a PC/SC reader.

:class:`PassportChip` plays the chip: the eMRTD application, BAC, secure messaging and
the LDS files it was given. :class:`VpcdCard` connects it to the vpcd reader driver in
pcscd over TCP on 127.0.0.1, speaking vpcd's protocol: every message is a 2-byte
big-endian length and a payload; a 1-byte payload is a control message (0x00 power
off, 0x01 power on, 0x02 reset, 0x04 send the ATR) and a longer one is a command APDU,
answered with the response APDU.
"""

import hashlib
import logging
import os
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

from tests.passport_chip import card_crypto

log = logging.getLogger(__name__)

EMRTD_AID = bytes.fromhex("A0000002471001")
CARD_ACCESS = 0x011C
# An ATR of a contactless card as PC/SC readers present one (ISO 14443-4, no historical bytes).
ATR = bytes.fromhex("3B8080018080")

VPCD_POWER_OFF, VPCD_POWER_ON, VPCD_RESET, VPCD_GET_ATR = 0x00, 0x01, 0x02, 0x04


def sw(word: int) -> bytes:
    return word.to_bytes(2, "big")


@dataclass
class ChipProfile:
    """The files and behaviour of an emulated chip.

    ``application_files`` maps file identifiers of the eMRTD application (0x011E,
    0x0101, ...) to their content; ``card_access`` is EF.CardAccess in the master file.
    ``pace_only`` makes MUTUAL AUTHENTICATE answer 6D00 (instruction not supported).
    ``leave_after`` makes the card leave the reader (close the link) when that many
    APDUs have been answered; ``stall_after`` makes it stop answering instead.
    """

    mrz_information: str
    application_files: dict[int, bytes]
    card_access: bytes | None = None
    pace_only: bool = False
    leave_after: int | None = None
    stall_after: int | None = None
    commands_seen: list[bytes] = field(default_factory=list)


class PassportChip:
    """The chip's logic, transport-free: :meth:`process` takes a command APDU and returns the response."""

    def __init__(self, profile: ChipProfile) -> None:
        self.profile = profile
        seed = hashlib.sha1(profile.mrz_information.encode("ascii")).digest()[:16]
        self.k_enc = card_crypto.kdf(seed, 1)
        self.k_mac = card_crypto.kdf(seed, 2)
        self.reset()

    def reset(self) -> None:
        self.application_selected = False
        self.current_file: bytes | None = None
        self.rnd_icc: bytes | None = None
        self.session: tuple[bytes, bytes] | None = None
        self.ssc = 0

    def process(self, apdu: bytes) -> bytes:
        cla, ins, p1, p2 = apdu[:4]
        if cla & 0x0C == 0x0C:
            return self._process_protected(apdu)
        # A plain command after BAC ends secure messaging, as chips do.
        self.session = None
        body = apdu[5 : 5 + apdu[4]] if len(apdu) > 5 else b""
        le = None
        if len(apdu) == 5:
            le = apdu[4]
        elif len(apdu) > 5 + apdu[4]:
            le = apdu[5 + apdu[4]]

        if ins == 0xA4:
            return self._select(p1, body, protected=False)
        if ins == 0xB0:
            data, status = self._read_binary(p1, p2, le, protected=False)
            return data + sw(status)
        if ins == 0x84:
            if not self.application_selected:
                return sw(0x6985)
            self.rnd_icc = os.urandom(8)
            return self.rnd_icc + sw(0x9000)
        if ins == 0x82:
            return self._mutual_authenticate(body)
        return sw(0x6D00)

    def _select(self, p1: int, body: bytes, protected: bool) -> bytes:
        if p1 == 0x04:
            if body != EMRTD_AID:
                return sw(0x6A82)
            self.application_selected = True
            self.current_file = None
            self.session = None
            return sw(0x9000)

        file_id = int.from_bytes(body, "big")
        if file_id == CARD_ACCESS and not self.application_selected:
            if self.profile.card_access is None:
                return sw(0x6A82)
            self.current_file = self.profile.card_access
            return sw(0x9000)
        if not self.application_selected:
            return sw(0x6A82)
        if not protected:
            return sw(0x6982)
        if file_id not in self.profile.application_files:
            return sw(0x6A82)
        self.current_file = self.profile.application_files[file_id]
        return sw(0x9000)

    def _read_binary(self, p1: int, p2: int, le: int | None, protected: bool) -> tuple[bytes, int]:
        if self.current_file is None:
            return b"", 0x6986
        if self.application_selected and not protected:
            return b"", 0x6982
        offset = (p1 << 8) | p2
        if p1 & 0x80 or offset > len(self.current_file):
            return b"", 0x6B00
        wanted = 256 if le in (None, 0) else le
        data = self.current_file[offset : offset + wanted]
        return data, 0x9000 if len(data) == wanted else 0x6282

    def _mutual_authenticate(self, body: bytes) -> bytes:
        if self.profile.pace_only:
            return sw(0x6D00)
        if self.rnd_icc is None or len(body) != 40:
            return sw(0x6985)
        e_ifd, m_ifd = body[:32], body[32:]
        if card_crypto.mac(self.k_mac, e_ifd) != m_ifd:
            self.rnd_icc = None
            return sw(0x6300)
        plain = card_crypto.tdes_cbc(self.k_enc, e_ifd, encrypt=False)
        rnd_ifd, rnd_icc, k_ifd = plain[:8], plain[8:16], plain[16:]
        if rnd_icc != self.rnd_icc:
            return sw(0x6300)

        k_icc = os.urandom(16)
        e_icc = card_crypto.tdes_cbc(self.k_enc, self.rnd_icc + rnd_ifd + k_icc, encrypt=True)
        seed = bytes(a ^ b for a, b in zip(k_ifd, k_icc))
        self.session = (card_crypto.kdf(seed, 1), card_crypto.kdf(seed, 2))
        self.ssc = int.from_bytes(self.rnd_icc[4:] + rnd_ifd[4:], "big")
        return e_icc + card_crypto.mac(self.k_mac, e_icc) + sw(0x9000)

    def _process_protected(self, apdu: bytes) -> bytes:
        if self.session is None:
            return sw(0x6988)
        ks_enc, ks_mac = self.session
        self.ssc += 1
        header = apdu[:4]
        body = apdu[5 : 5 + apdu[4]]

        objects, offset = {}, 0
        while offset < len(body):
            tag, length = body[offset], body[offset + 1]
            objects[tag] = body[offset : offset + 2 + length]
            offset += 2 + length
        covered = objects.get(0x87, b"") + objects.get(0x97, b"")
        expected = card_crypto.mac(ks_mac, self.ssc.to_bytes(8, "big") + card_crypto.iso_pad(header) + covered)
        if 0x8E not in objects or objects[0x8E][2:] != expected:
            self.session = None
            return sw(0x6988)

        data = b""
        if 0x87 in objects:
            data = card_crypto.iso_unpad(card_crypto.tdes_cbc(ks_enc, objects[0x87][3:], encrypt=False))
        le = objects[0x97][2] if 0x97 in objects else None

        ins, p1, p2 = header[1:]
        if ins == 0xA4:
            status, plain = int.from_bytes(self._select(p1, data, protected=True), "big"), b""
        elif ins == 0xB0:
            plain, status = self._read_binary(p1, p2, le, protected=True)
        else:
            plain, status = b"", 0x6D00
        return self._protect(plain, status)

    def _protect(self, plain: bytes, status: int) -> bytes:
        ks_enc, ks_mac = self.session
        self.ssc += 1
        response = b""
        if plain:
            encrypted = b"\x01" + card_crypto.tdes_cbc(ks_enc, card_crypto.iso_pad(plain), encrypt=True)
            response += b"\x87" + _der_length(len(encrypted)) + encrypted
        response += b"\x99\x02" + sw(status)
        response += b"\x8e\x08" + card_crypto.mac(ks_mac, self.ssc.to_bytes(8, "big") + response)
        return response + sw(status)


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    size = (length.bit_length() + 7) // 8
    return bytes([0x80 | size]) + length.to_bytes(size, "big")


class VpcdCard:
    """Puts a :class:`PassportChip` into the vpcd reader listening on 127.0.0.1:``port``.

    :meth:`insert` connects (the reader then sees a card), :meth:`remove` disconnects.
    The link runs on its own thread; it ends when the card leaves or the driver closes.
    """

    def __init__(self, port: int, chip: PassportChip) -> None:
        self.port = port
        self.chip = chip
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._answered = 0
        self.error: BaseException | None = None

    def insert(self, timeout: float = 5.0) -> "VpcdCard":
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._socket = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
                break
            except ConnectionRefusedError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self._socket.settimeout(None)
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._thread = threading.Thread(target=self._serve, name=f"vpcd-card-{self.port}", daemon=True)
        self._thread.start()
        return self

    def remove(self) -> None:
        connection, self._socket = self._socket, None
        if connection is not None:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _receive(self, connection: socket.socket, size: int) -> bytes | None:
        data = b""
        while len(data) < size:
            # Without TCP_QUICKACK each APDU took 44 ms here (vpcd 0.8 in Debian 12): the
            # delayed ACK of this side meets Nagle's algorithm on vpcd's side. Linux
            # clears TCP_QUICKACK after use, so it is set before every receive.
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            chunk = connection.recv(size - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def _serve(self) -> None:
        connection = self._socket
        profile = self.chip.profile
        try:
            while True:
                header = self._receive(connection, 2)
                if header is None:
                    return
                payload = self._receive(connection, struct.unpack(">H", header)[0])
                if payload is None:
                    return

                if len(payload) == 1:
                    if payload[0] in (VPCD_POWER_ON, VPCD_RESET, VPCD_POWER_OFF):
                        self.chip.reset()
                    elif payload[0] == VPCD_GET_ATR:
                        connection.sendall(struct.pack(">H", len(ATR)) + ATR)
                    continue

                profile.commands_seen.append(payload)
                if profile.leave_after is not None and self._answered >= profile.leave_after:
                    log.info("emulated card leaves the reader after %d APDUs", self._answered)
                    connection.shutdown(socket.SHUT_RDWR)
                    return
                if profile.stall_after is not None and self._answered >= profile.stall_after:
                    log.info("emulated card stops answering after %d APDUs", self._answered)
                    self._receive(connection, 1)  # blocks until the test removes the card
                    return
                response = self.chip.process(payload)
                self._answered += 1
                connection.sendall(struct.pack(">H", len(response)) + response)
        except OSError as error:
            if self._socket is not None:
                self.error = error
        except Exception as error:  # a bug in the emulator: keep it for the test to report
            self.error = error
            log.exception("emulated chip failed")
            connection.close()
