"""The card side's own 3DES, retail MAC and key derivation, written apart from devices.passport.

The emulated chip uses these instead of the driver's code, so a mistake in the
driver's cryptography shows up as a failed read rather than being mirrored by the card.
"""

import hashlib

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes


def _cipher(key: bytes, mode) -> Cipher:
    full_key = key * 3 if len(key) == 8 else key + key[:8]
    return Cipher(TripleDES(full_key), mode)


def tdes_cbc(key: bytes, data: bytes, encrypt: bool) -> bytes:
    cipher = _cipher(key, modes.CBC(bytes(8)))
    worker = cipher.encryptor() if encrypt else cipher.decryptor()
    return worker.update(data) + worker.finalize()


def iso_pad(data: bytes) -> bytes:
    data += b"\x80"
    while len(data) % 8:
        data += b"\x00"
    return data


def iso_unpad(data: bytes) -> bytes:
    return data[: data.rindex(b"\x80")]


def mac(key: bytes, data: bytes) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3: DES-CBC with the first key, then decrypt with the second and encrypt with the first."""
    des_cbc = _cipher(key[:8], modes.CBC(bytes(8))).encryptor()
    last = (des_cbc.update(iso_pad(data)) + des_cbc.finalize())[-8:]
    decrypt_b = _cipher(key[8:16], modes.ECB()).decryptor()
    middle = decrypt_b.update(last) + decrypt_b.finalize()
    encrypt_a = _cipher(key[:8], modes.ECB()).encryptor()
    return encrypt_a.update(middle) + encrypt_a.finalize()


def kdf(seed: bytes, counter: int) -> bytes:
    key = bytearray(hashlib.sha1(seed + counter.to_bytes(4, "big")).digest()[:16])
    for index, byte in enumerate(key):
        ones = bin(byte >> 1).count("1")
        key[index] = (byte & 0xFE) | (0 if ones % 2 else 1)
    return bytes(key)
