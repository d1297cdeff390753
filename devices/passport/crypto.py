"""The 3DES primitives of BAC and its secure messaging (ICAO 9303 part 11, section 9.8).

Encryption is two-key 3DES in CBC mode with a zero IV. MACs are ISO/IEC 9797-1 MAC
algorithm 3 (the "retail MAC": single DES in CBC mode over all blocks, then 3DES on the
last) with padding method 2. Keys come from SHA-1 of a seed and a 32-bit counter.

The DES block cipher comes from the ``cryptography`` package (its "decrepit" module,
which keeps 3DES). It is the one library that ``devices/`` imports besides the standard
library, pyserial, pyscard and OpenCV. The CBC mode of the MAC is built here on its ECB mode.
"""

import hashlib

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

BLOCK_SIZE = 8
ZERO_IV = bytes(BLOCK_SIZE)
KDF_COUNTER_ENC = 1
KDF_COUNTER_MAC = 2


def pad(data: bytes) -> bytes:
    """Pad per ISO/IEC 9797-1 method 2: append 0x80, then zeros to a multiple of 8 bytes."""
    padded = data + b"\x80"
    return padded + bytes(-len(padded) % BLOCK_SIZE)


def unpad(data: bytes) -> bytes:
    """Remove method 2 padding; raises ``ValueError`` when there is none."""
    stripped = data.rstrip(b"\x00")
    if not stripped.endswith(b"\x80") or len(data) - len(stripped) >= BLOCK_SIZE:
        raise ValueError("data does not end in ISO/IEC 9797-1 method 2 padding")
    return stripped[:-1]


def _three_keys(key: bytes) -> bytes:
    """Expand a single DES key (8 bytes) or a two-key 3DES key (16) to the 24 bytes ``cryptography`` expects."""
    if len(key) == 8:
        return key * 3
    if len(key) == 16:
        return key + key[:8]
    raise ValueError(f"DES key must be 8 or 16 bytes, not {len(key)}")


def _ecb(key: bytes, block: bytes, encrypt: bool) -> bytes:
    cipher = Cipher(TripleDES(_three_keys(key)), modes.ECB())
    worker = cipher.encryptor() if encrypt else cipher.decryptor()
    return worker.update(block) + worker.finalize()


def _check_blocks(data: bytes) -> None:
    if len(data) % BLOCK_SIZE:
        raise ValueError(f"{len(data)} bytes is not a whole number of 8-byte blocks")


def encrypt(key: bytes, data: bytes) -> bytes:
    """Encrypt whole blocks with 3DES-CBC (16-byte key, zero IV); raises ``ValueError`` otherwise."""
    _check_blocks(data)
    cipher = Cipher(TripleDES(_three_keys(key)), modes.CBC(ZERO_IV)).encryptor()
    return cipher.update(data) + cipher.finalize()


def decrypt(key: bytes, data: bytes) -> bytes:
    """Decrypt whole blocks with 3DES-CBC (16-byte key, zero IV); raises ``ValueError`` otherwise."""
    _check_blocks(data)
    cipher = Cipher(TripleDES(_three_keys(key)), modes.CBC(ZERO_IV)).decryptor()
    return cipher.update(data) + cipher.finalize()


def retail_mac(key: bytes, data: bytes) -> bytes:
    """Return the 8-byte ISO/IEC 9797-1 MAC algorithm 3 of ``data`` padded by method 2.

    ``key`` is 16 bytes: K_a runs single DES in CBC mode over every block, then the last
    result is decrypted with K_b and encrypted again with K_a.
    """
    if len(key) != 16:
        raise ValueError(f"retail MAC key must be 16 bytes, not {len(key)}")
    key_a, key_b = key[:8], key[8:]

    chained = ZERO_IV
    padded = pad(data)
    for start in range(0, len(padded), BLOCK_SIZE):
        block = bytes(x ^ y for x, y in zip(chained, padded[start : start + BLOCK_SIZE]))
        chained = _ecb(key_a, block, encrypt=True)

    return _ecb(key_a, _ecb(key_b, chained, encrypt=False), encrypt=True)


def adjust_parity(key: bytes) -> bytes:
    """Set the lowest bit of each byte so that every byte has odd parity, as DES keys do."""
    adjusted = bytearray()
    for byte in key:
        high_bits = byte & 0xFE
        adjusted.append(high_bits | (bin(high_bits).count("1") % 2 == 0))
    return bytes(adjusted)


def derive_key(seed: bytes, counter: int) -> bytes:
    """Return the 16-byte 3DES key from ``seed`` and ``counter`` (1 for encryption, 2 for MAC)."""
    digest = hashlib.sha1(seed + counter.to_bytes(4, "big")).digest()
    return adjust_parity(digest[:16])
