"""Key slots in the operating system's keystore through the ``keyring`` package.

On Linux that is the Secret Service (GNOME Keyring, KeePassXC) over D-Bus, on Windows
the Credential Manager. Each slot is one entry: service ``service``, user name
``{name}/{slot}``, the key in hex as the password.
"""

import logging

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from kiosk.store.key_sources import StoreKeyError, StoreKeySource

log = logging.getLogger(__name__)

try:
    from secretstorage.exceptions import SecretStorageException

    _SECRET_SERVICE_ERRORS: tuple[type[Exception], ...] = (SecretStorageException,)
except ImportError:  # not installed on Windows
    _SECRET_SERVICE_ERRORS = ()

# Backends that keep secrets in an encrypted OS keystore. Any other, such as the
# plain-text backends of keyrings.alt or the "fail" backend, is rejected.
TRUSTED_BACKENDS = (
    "keyring.backends.SecretService",
    "keyring.backends.Windows",
    "keyring.backends.macOS",
    "keyring.backends.libsecret",
    "keyring.backends.kwallet",
)


class KeyringSource(StoreKeySource):
    """Slots kept as ``service`` entries named ``{name}/{slot}`` in the default keyring backend."""

    kind = "keyring"

    def __init__(self, service: str, name: str, backend: KeyringBackend | None = None) -> None:
        self.service = service
        self.name = name
        self._backend = backend

    def describe(self) -> dict[str, str]:
        return {"kind": self.kind, "service": self.service, "name": self.name}

    def read_secret(self, slot: str) -> bytes | None:
        value = self._call("read", lambda backend: backend.get_password(self.service, self._user(slot)))
        if value is None:
            return None
        try:
            return bytes.fromhex(value)
        except ValueError:
            raise StoreKeyError(f"the keystore entry {self.service} {self._user(slot)} does not contain a hex key") from None

    def write_secret(self, slot: str, secret: bytes) -> None:
        self._call("write", lambda backend: backend.set_password(self.service, self._user(slot), secret.hex()))

    def delete_secret(self, slot: str) -> None:
        def delete(backend: KeyringBackend) -> None:
            try:
                backend.delete_password(self.service, self._user(slot))
            except keyring.errors.PasswordDeleteError:
                pass  # already absent

        self._call("delete", delete)

    def backend(self) -> KeyringBackend:
        """Return the keyring backend; raises :class:`StoreKeyError` for one that is not an OS keystore."""
        backend = self._backend or keyring.get_keyring()
        members = getattr(backend, "backends", [backend])
        for member in members:
            if not type(member).__module__.startswith(TRUSTED_BACKENDS):
                raise StoreKeyError(
                    f"the keyring backend {type(member).__module__}.{type(member).__name__} is not an OS keystore; "
                    "start the Secret Service (GNOME Keyring) or use key_source \"wrapped_file\""
                )
        return backend

    def _user(self, slot: str) -> str:
        return f"{self.name}/{slot}"

    def _call(self, action: str, operation):
        backend = self.backend()
        try:
            return operation(backend)
        except (keyring.errors.KeyringError, OSError, *_SECRET_SERVICE_ERRORS) as error:
            raise StoreKeyError(f"cannot {action} the store key in the keystore ({type(backend).__name__}): {error}") from error
