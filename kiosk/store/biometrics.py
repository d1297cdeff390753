"""Face templates and signature strokes encrypted under the branch's biometric key.

The store key opens the SQLCipher file; this second key, kept in the same key source
as a separate secret, encrypts each biometric value with AES-256-GCM before it is
written. Identity data and biometric data therefore need different keys to read.

Formats (the associated data names the kind of value, so one cannot stand in for the other):

- a face template is ``b"CSBT1" + nonce + ciphertext`` (545 bytes for 128 float32 values);
- signature strokes are the text ``"csbio1:" + base64(nonce + ciphertext)`` of the JSON.

Stores written before the biometric key hold plain values. Schema migration 7 flags
them, and :meth:`BiometricCipher.bind` encrypts them on the first open with the key.
"""

import base64
import binascii
import hashlib
import hmac
import logging
import secrets

import sqlcipher3
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.errors import StoreError

log = logging.getLogger(__name__)

TEMPLATE_PREFIX = b"CSBT1"
STROKES_PREFIX = "csbio1:"
NONCE_BYTES = 12
TEMPLATE_AAD = b"countersign face template v1"
STROKES_AAD = b"countersign signature strokes v1"

KEY_CHECK_NAME = "biometric_key_check"
UNSEALED_NAME = "biometrics_unsealed"


class BiometricKeyError(StoreError):
    """The biometric key is missing, wrong for this store, or a value does not decrypt."""


class BiometricCipher:
    """AES-256-GCM over face templates and, when ``strokes`` is true, signature strokes, with one 32-byte key."""

    def __init__(self, key: bytes, strokes: bool = True) -> None:
        self.strokes = strokes
        if len(key) != 32:
            raise BiometricKeyError(f"the biometric key has {len(key)} bytes, expected 32")
        self._aead = AESGCM(key)
        self.key_check = hmac.new(key, b"countersign biometric key check", hashlib.sha256).hexdigest()[:32]

    def __repr__(self) -> str:
        return f"BiometricCipher(check {self.key_check[:8]})"

    def seal_template(self, template: bytes) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return TEMPLATE_PREFIX + nonce + self._aead.encrypt(nonce, template, TEMPLATE_AAD)

    def open_template(self, sealed: bytes) -> bytes:
        """Decrypt a stored template; raises :class:`BiometricKeyError` when it was altered or is plain."""
        if not is_sealed_template(sealed):
            raise BiometricKeyError("a stored face template is not encrypted under the biometric key")
        nonce = sealed[len(TEMPLATE_PREFIX):len(TEMPLATE_PREFIX) + NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, sealed[len(TEMPLATE_PREFIX) + NONCE_BYTES:], TEMPLATE_AAD)
        except InvalidTag:
            raise BiometricKeyError("a stored face template does not decrypt under the biometric key (altered or a wrong key)") from None

    def seal_strokes(self, strokes_json: str) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = nonce + self._aead.encrypt(nonce, strokes_json.encode("utf-8"), STROKES_AAD)
        return STROKES_PREFIX + base64.b64encode(sealed).decode("ascii")

    def open_strokes(self, sealed: str) -> str:
        """Decrypt stored strokes; raises :class:`BiometricKeyError` when they were altered."""
        try:
            raw = base64.b64decode(sealed[len(STROKES_PREFIX):], validate=True)
            return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], STROKES_AAD).decode("utf-8")
        except (InvalidTag, binascii.Error, UnicodeDecodeError):
            raise BiometricKeyError("stored signature strokes do not decrypt under the biometric key (altered or a wrong key)") from None

    def text_factory(self, raw: bytes) -> str:
        """Decode a TEXT value read from the store, decrypting sealed strokes.

        Installed on the connection by :meth:`bind`, so that the evidence code hashes
        and the archive check compares the plain strokes JSON. Sealed strokes that do not
        decrypt are returned as stored, so the archive check reports them as altered.
        """
        text = raw.decode("utf-8", "surrogateescape")
        if not text.startswith(STROKES_PREFIX):
            return text
        try:
            return self.open_strokes(text)
        except BiometricKeyError:
            log.error("stored signature strokes do not decrypt; returned as stored")
            return text

    def bind(self, connection: sqlcipher3.Connection) -> None:
        """Check this key against the store, encrypt values written before it, and decrypt strokes on read.

        The first key bound to a store is recorded as a check value; a different key later
        raises :class:`BiometricKeyError` and changes nothing. Must run on the store's
        owner thread, outside a transaction.
        """
        row = connection.execute("SELECT value FROM store_meta WHERE name = ?", (KEY_CHECK_NAME,)).fetchone()
        if row is not None and str(row[0]) != self.key_check:
            raise BiometricKeyError(
                "the biometric key does not match this store (the key source contains another branch's key, or was replaced)"
            )
        connection.execute("BEGIN IMMEDIATE")
        try:
            if row is None:
                connection.execute("INSERT INTO store_meta (name, value) VALUES (?, ?)", (KEY_CHECK_NAME, self.key_check))
            flagged = connection.execute("SELECT 1 FROM store_meta WHERE name = ?", (UNSEALED_NAME,)).fetchone()
            sealed = self._seal_plain_rows(connection) if row is None or flagged else 0
            connection.execute("DELETE FROM store_meta WHERE name = ?", (UNSEALED_NAME,))
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        connection.text_factory = self.text_factory
        if sealed:
            log.info("encrypted %d stored biometric values under the biometric key", sealed)

    def _seal_plain_rows(self, connection: sqlcipher3.Connection) -> int:
        count = 0
        for template_id, template in connection.execute("SELECT template_id, template FROM face_templates").fetchall():
            if not is_sealed_template(bytes(template)):
                connection.execute(
                    "UPDATE face_templates SET template = ? WHERE template_id = ?", (self.seal_template(bytes(template)), template_id)
                )
                count += 1
        # Read as BLOB, so that a text factory installed by an earlier bind does not decrypt.
        query = "SELECT contract_no, CAST(signature_strokes AS BLOB) FROM contracts"
        rows = connection.execute(query).fetchall() if self.strokes else []
        for contract_no, strokes in rows:
            text = bytes(strokes).decode("utf-8")
            if not text.startswith(STROKES_PREFIX):
                connection.execute(
                    "UPDATE contracts SET signature_strokes = ? WHERE contract_no = ?", (self.seal_strokes(text), contract_no)
                )
                count += 1
        return count


def is_sealed_template(value: bytes) -> bool:
    # A plain template is 512 bytes; a sealed one is longer by the prefix, nonce and tag.
    return value.startswith(TEMPLATE_PREFIX) and len(value) > 512


def store_is_sealed(connection: sqlcipher3.Connection) -> bool:
    """Return whether a biometric key was ever bound to this store."""
    return connection.execute("SELECT 1 FROM store_meta WHERE name = ?", (KEY_CHECK_NAME,)).fetchone() is not None


def protect_template(cipher: BiometricCipher | None, connection: sqlcipher3.Connection, template: bytes) -> bytes:
    """Return the value to store for a face template; call inside the write transaction.

    Without a cipher the template stays plain and the store is flagged for encryption at
    the next open with the key, unless the store already has a biometric key, in which
    case :class:`BiometricKeyError` is raised and nothing plain is written.
    """
    if cipher is not None:
        return cipher.seal_template(template)
    _flag_unsealed(connection)
    return template


def protect_strokes(cipher: BiometricCipher | None, connection: sqlcipher3.Connection, strokes_json: str) -> str:
    """Return the value to store for signature strokes; the same rules as :func:`protect_template`.

    A cipher made with ``strokes=False`` leaves the strokes plain.
    """
    if cipher is not None:
        return cipher.seal_strokes(strokes_json) if cipher.strokes else strokes_json
    _flag_unsealed(connection)
    return strokes_json


def reveal_template(cipher: BiometricCipher | None, stored: bytes) -> bytes:
    """Return a stored face template's plain 512 bytes; raises :class:`BiometricKeyError` without the key."""
    if cipher is not None and is_sealed_template(stored):
        return cipher.open_template(stored)
    if is_sealed_template(stored):
        raise BiometricKeyError("the stored face templates are encrypted; open the store with its biometric key")
    return stored


def _flag_unsealed(connection: sqlcipher3.Connection) -> None:
    # NOTE: a store opened without a biometric key (tests and tools that build a RentalStore
    # from a bare Database) may still write plain values until the key is first bound.
    if store_is_sealed(connection):
        raise BiometricKeyError("this store encrypts biometric data; open it with its biometric key to write any")
    connection.execute("INSERT OR REPLACE INTO store_meta (name, value) VALUES (?, '1')", (UNSEALED_NAME,))
