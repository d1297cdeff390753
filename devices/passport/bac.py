"""Basic Access Control (ICAO 9303 part 11, section 4.3): keys from the MRZ, mutual authentication, session keys."""

import hashlib
import hmac
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from devices.passport import crypto
from devices.passport.apdu import (
    SW_AUTHENTICATION_FAILED,
    SW_SECURITY_STATUS_NOT_SATISFIED,
    CommandApdu,
    ResponseApdu,
)
from devices.passport.errors import AccessControlUnsupported, BacRejected, ChipProtocolError, PaceNotSupported

log = logging.getLogger(__name__)

Transmit = Callable[[CommandApdu], ResponseApdu]

GET_CHALLENGE = CommandApdu(0x00, 0x84, 0x00, 0x00, le=8)
MUTUAL_AUTHENTICATE_INS = 0x82

# Status words with which chips reject wrong BAC keys. Other errors mean the chip does
# not run BAC at all. NOTE: the standard does not fix these codes, and chips differ.
_WRONG_KEY_STATUS = {SW_AUTHENTICATION_FAILED, SW_SECURITY_STATUS_NOT_SATISFIED}


@dataclass(frozen=True)
class BacKeys:
    """K_enc and K_mac, the document's BAC keys derived from the MRZ information."""

    k_enc: bytes = field(repr=False)
    k_mac: bytes = field(repr=False)


@dataclass(frozen=True)
class SessionKeys:
    """The secure messaging keys KS_enc and KS_mac, and the send sequence counter to start from."""

    ks_enc: bytes = field(repr=False)
    ks_mac: bytes = field(repr=False)
    ssc: int = field(repr=False)


def derive_bac_keys(mrz_information: str) -> BacKeys:
    """Derive K_enc and K_mac from the MRZ information (number, birth date and expiry with check digits).

    K_seed is the first 16 bytes of SHA-1 of the ASCII MRZ information. Raises
    ``ValueError`` when the text is not ASCII.
    """
    k_seed = hashlib.sha1(mrz_information.encode("ascii")).digest()[:16]
    return BacKeys(
        k_enc=crypto.derive_key(k_seed, crypto.KDF_COUNTER_ENC),
        k_mac=crypto.derive_key(k_seed, crypto.KDF_COUNTER_MAC),
    )


def authenticate(
    transmit: Transmit,
    bac_keys: BacKeys,
    pace_offered: bool = False,
    random_bytes: Callable[[int], bytes] = os.urandom,
) -> SessionKeys:
    """Run GET CHALLENGE and MUTUAL AUTHENTICATE with the chip; return the session keys.

    ``pace_offered`` is whether EF.CardAccess listed PACE. Raises :class:`BacRejected`
    when the chip rejects the keys (a wrong MRZ), :class:`PaceNotSupported` when a chip
    that offers PACE rejects the BAC commands, :class:`AccessControlUnsupported` when a
    chip without PACE does, and :class:`ChipProtocolError` when the chip's answer fails its
    MAC or does not echo the challenges.
    """
    challenge = transmit(GET_CHALLENGE)
    if not challenge.ok or len(challenge.data) != 8:
        _raise_unsupported("GET CHALLENGE", challenge, pace_offered)
    rnd_icc = challenge.data

    rnd_ifd = random_bytes(8)
    k_ifd = random_bytes(16)
    e_ifd = crypto.encrypt(bac_keys.k_enc, rnd_ifd + rnd_icc + k_ifd)
    m_ifd = crypto.retail_mac(bac_keys.k_mac, e_ifd)

    response = transmit(CommandApdu(0x00, MUTUAL_AUTHENTICATE_INS, 0x00, 0x00, e_ifd + m_ifd, le=40))
    if response.sw in _WRONG_KEY_STATUS:
        raise BacRejected(f"chip rejected the BAC keys (status {response.sw:04X}); the MRZ does not match the chip")
    if not response.ok:
        _raise_unsupported("MUTUAL AUTHENTICATE", response, pace_offered)
    if len(response.data) != 40:
        raise ChipProtocolError(f"MUTUAL AUTHENTICATE returned {len(response.data)} bytes, expected 40")

    e_icc, m_icc = response.data[:32], response.data[32:]
    if not hmac.compare_digest(crypto.retail_mac(bac_keys.k_mac, e_icc), m_icc):
        raise ChipProtocolError("the chip's authentication cryptogram fails its MAC")
    plain = crypto.decrypt(bac_keys.k_enc, e_icc)
    if plain[:8] != rnd_icc or plain[8:16] != rnd_ifd:
        raise ChipProtocolError("the chip's authentication cryptogram does not echo both challenges")

    k_icc = plain[16:32]
    k_seed = bytes(a ^ b for a, b in zip(k_ifd, k_icc))
    log.info("BAC succeeded")
    return SessionKeys(
        ks_enc=crypto.derive_key(k_seed, crypto.KDF_COUNTER_ENC),
        ks_mac=crypto.derive_key(k_seed, crypto.KDF_COUNTER_MAC),
        ssc=int.from_bytes(rnd_icc[4:] + rnd_ifd[4:], "big"),
    )


def _raise_unsupported(step: str, response: ResponseApdu, pace_offered: bool) -> None:
    if pace_offered:
        raise PaceNotSupported(f"{step} failed with status {response.sw:04X}, and the chip offers only PACE")
    raise AccessControlUnsupported(f"{step} failed with status {response.sw:04X}, and the chip offers no PACE")
