"""Key slots in one file, encrypted with AES-256-GCM under a key derived from a passphrase by scrypt.

The file is JSON. Its header names the format, the scrypt parameters and salt, and
the whole header is the GCM associated data, so a changed parameter fails like a wrong
passphrase. The passphrase comes from a file readable only by the kiosk's user, or
from an environment variable, so that a kiosk starts without a prompt.
"""

import base64
import json
import logging
import os
import secrets
import stat
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from kiosk.store.key_sources import StoreKeyError, StoreKeySource

log = logging.getLogger(__name__)

FORMAT = "countersign-wrapped-keys"
VERSION = 1
# scrypt cost: 2**15 x 8 uses 32 MiB and about 0.1 s per unwrap on a desktop CPU (an estimate).
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
NONCE_BYTES = 12


class WrongPassphrase(StoreKeyError):
    """The passphrase does not unwrap the key file; nothing was changed."""


class WrappedFileSource(StoreKeySource):
    """Slots kept in ``path``; the passphrase is read from ``passphrase_file`` or the variable ``passphrase_env``."""

    kind = "wrapped_file"

    def __init__(self, path: Path, passphrase_file: Path | None = None, passphrase_env: str | None = None) -> None:
        if passphrase_file is None and not passphrase_env:
            raise StoreKeyError(f"the wrapped key file {path} needs a passphrase file or a passphrase variable")
        self.path = path
        self.passphrase_file = passphrase_file
        self.passphrase_env = passphrase_env
        self._derived: tuple[bytes, bytes] | None = None  # (salt, key) of the last derivation

    def describe(self) -> dict[str, str]:
        origin = f"file {self.passphrase_file}" if self.passphrase_file else f"variable {self.passphrase_env}"
        return {"kind": self.kind, "path": str(self.path), "passphrase": origin}

    def read_secret(self, slot: str) -> bytes | None:
        value = self._read_slots().get(slot)
        return bytes.fromhex(value) if value is not None else None

    def write_secret(self, slot: str, secret: bytes) -> None:
        slots = self._read_slots()
        slots[slot] = secret.hex()
        self._write_slots(slots)

    def delete_secret(self, slot: str) -> None:
        slots = self._read_slots()
        if slots.pop(slot, None) is not None:
            self._write_slots(slots)

    def passphrase(self) -> bytes:
        """Return the passphrase from the environment variable if set, else from the passphrase file."""
        if self.passphrase_env and os.environ.get(self.passphrase_env):
            return os.environ[self.passphrase_env].encode("utf-8")
        if self.passphrase_file is None:
            raise StoreKeyError(f"the passphrase variable {self.passphrase_env} is not set; set it before starting the kiosk")
        try:
            mode = self.passphrase_file.stat().st_mode
            text = self.passphrase_file.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise StoreKeyError(f"passphrase file {self.passphrase_file} not found") from None
        except (OSError, UnicodeDecodeError) as error:
            raise StoreKeyError(f"passphrase file {self.passphrase_file} cannot be read: {error}") from error
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise StoreKeyError(
                f"passphrase file {self.passphrase_file} is readable by other users (mode {stat.S_IMODE(mode):o}); run chmod 600"
            )
        if not text:
            raise StoreKeyError(f"passphrase file {self.passphrase_file} is empty")
        return text.encode("utf-8")

    def _key_for(self, salt: bytes, n: int, r: int, p: int) -> bytes:
        if self._derived is not None and self._derived[0] == salt:
            return self._derived[1]
        key = Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(self.passphrase())
        self._derived = (salt, key)
        return key

    def _read_slots(self) -> dict[str, str]:
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise StoreKeyError(f"wrapped key file {self.path} cannot be read: {error}") from error
        try:
            header = document["header"]
            if header["format"] != FORMAT or header["version"] != VERSION:
                raise StoreKeyError(f"{self.path} is not a version {VERSION} wrapped key file")
            kdf = header["kdf"]
            key = self._key_for(base64.b64decode(kdf["salt"]), int(kdf["n"]), int(kdf["r"]), int(kdf["p"]))
            nonce = base64.b64decode(document["nonce"])
            ciphertext = base64.b64decode(document["ciphertext"])
        except (KeyError, TypeError, ValueError) as error:
            raise StoreKeyError(f"wrapped key file {self.path} is malformed: {error}") from error
        try:
            plaintext = AESGCM(key).decrypt(nonce, ciphertext, _canonical(header))
        except InvalidTag:
            self._derived = None
            raise WrongPassphrase(
                f"the passphrase does not unwrap {self.path} (wrong passphrase, or the file was altered); nothing was changed"
            ) from None
        return json.loads(plaintext)

    def _write_slots(self, slots: dict[str, str]) -> None:
        salt = self._derived[0] if self._derived is not None else secrets.token_bytes(SALT_BYTES)
        header = {
            "format": FORMAT,
            "version": VERSION,
            "cipher": "AES-256-GCM",
            "kdf": {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": base64.b64encode(salt).decode()},
        }
        key = self._key_for(salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        nonce = secrets.token_bytes(NONCE_BYTES)
        ciphertext = AESGCM(key).encrypt(nonce, json.dumps(slots, sort_keys=True).encode(), _canonical(header))
        document = {
            "header": header,
            "nonce": base64.b64encode(nonce).decode(),
            "ciphertext": base64.b64encode(ciphertext).decode(),
        }
        _write_private(self.path, json.dumps(document, indent=2).encode("utf-8"))


def _canonical(header: dict) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically with ``data``, mode 0600 in a 0700 folder."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def write_passphrase_file(path: Path, passphrase: str) -> None:
    """Write a passphrase file (mode 0600) at provisioning; refuses to overwrite one."""
    if path.exists():
        raise StoreKeyError(f"passphrase file {path} already exists; refusing to overwrite it")
    _write_private(path, passphrase.encode("utf-8") + b"\n")
