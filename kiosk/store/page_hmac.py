"""Tell a damaged first page from a wrong key by checking the HMAC of the second page.

SQLCipher reports both as "file is not a database", because page 1 fails its HMAC
either way. Page 1 also contains the file's salt, from which the keys are derived. When
the salt is intact and the key is right, page 2's HMAC still verifies, so a file whose
page 2 verifies under a key that cannot open page 1 has a damaged first page, not a
wrong key. The check follows SQLCipher 4's default format: 4096-byte pages, a 16-byte
IV and a 64-byte HMAC-SHA512 at the end of each page, the page number appended to the
HMAC input in little-endian order, and a HMAC key derived from the encryption key with
two PBKDF2 rounds over the salt with every byte XORed with 0x3a.
"""

import hashlib
import hmac
import re
from pathlib import Path

PAGE_SIZE = 4096
SALT_BYTES = 16
IV_BYTES = 16
HMAC_BYTES = 64
RESERVE_BYTES = IV_BYTES + HMAC_BYTES
KEY_BYTES = 32
PASSPHRASE_KDF_ITERATIONS = 256_000
HMAC_KDF_ITERATIONS = 2
HMAC_SALT_MASK = 0x3A

_RAW_KEY = re.compile(r"^x'(?P<key>[0-9a-fA-F]{64})(?P<salt>[0-9a-fA-F]{32})?'$")


def encryption_key(key_text: str, salt: bytes) -> bytes:
    """Return the page encryption key that ``PRAGMA key = key_text`` derives for a file with ``salt``."""
    raw = _RAW_KEY.match(key_text)
    if raw:
        return bytes.fromhex(raw.group("key"))
    return hashlib.pbkdf2_hmac("sha512", key_text.encode("utf-8"), salt, PASSPHRASE_KDF_ITERATIONS, KEY_BYTES)


def page_hmac_verifies(page: bytes, page_number: int, key: bytes, salt: bytes) -> bool:
    """Return whether ``page`` (not page 1) carries a valid HMAC under the encryption ``key``."""
    if len(page) != PAGE_SIZE or page_number < 2:
        return False
    hmac_salt = bytes(byte ^ HMAC_SALT_MASK for byte in salt)
    hmac_key = hashlib.pbkdf2_hmac("sha512", key, hmac_salt, HMAC_KDF_ITERATIONS, KEY_BYTES)

    covered = page[: PAGE_SIZE - RESERVE_BYTES + IV_BYTES]
    stored = page[PAGE_SIZE - HMAC_BYTES :]
    computed = hmac.new(hmac_key, covered + page_number.to_bytes(4, "little"), hashlib.sha512).digest()
    return hmac.compare_digest(computed, stored)


def second_page_verifies(path: Path, key_text: str) -> bool:
    """Return whether page 2 of ``path`` carries a valid HMAC under ``key_text``.

    Reads the salt from page 1 and derives the keys from it. When page 1 does not open
    with ``key_text`` but this returns True, the key is right and page 1 is damaged.
    Returns False for a file shorter than two pages, and when the salt itself is damaged,
    because then no key verifies page 2 and the two causes cannot be distinguished.
    """
    with path.open("rb") as handle:
        head = handle.read(2 * PAGE_SIZE)
    if len(head) < 2 * PAGE_SIZE:
        return False
    salt = head[:SALT_BYTES]
    return page_hmac_verifies(head[PAGE_SIZE:], 2, encryption_key(key_text, salt), salt)
