"""Opening the company seal key as a pyHanko ``Signer``: a PKCS#12 file, or a key on a PKCS#11 token or HSM.

Branch configuration names a key source (:class:`Pkcs12KeySource` or
:class:`Pkcs11KeySource`), and :func:`open_seal_key` turns it into a :class:`SealKey`.
Every failure raises a :class:`SealKeyError` subclass whose text names the file,
module, token or label and names what to check. PINs and passphrases are read from
files and never appear in an error or a log line.
"""

import logging
from dataclasses import dataclass
from pathlib import Path

import pkcs11
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11 import exceptions as pkcs11_errors
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign import signers
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

from kiosk.errors import SealingError
from kiosk.messages import Message

log = logging.getLogger(__name__)


class SealKeyError(SealingError):
    """The seal key cannot be used; the text names what failed and what to check."""

    message = Message(
        "合同签章密钥不可用，请联系门店 IT。",
        "The contract seal key is not available. Please contact branch IT.",
    )


class SealKeyFileError(SealKeyError):
    """A PKCS#12 file, passphrase file or PIN file is missing, unreadable or wrong."""


class Pkcs11ModuleError(SealKeyError):
    """The PKCS#11 module (the token vendor's library) cannot be loaded."""


class TokenNotFound(SealKeyError):
    """No token with the configured label is present in the module's slots."""


class TokenPinRejected(SealKeyError):
    """The token rejected the PIN, or the PIN is locked."""


class SealObjectNotFound(SealKeyError):
    """The token has no private key or no certificate under the configured label."""


@dataclass(frozen=True)
class Pkcs12KeySource:
    """A PKCS#12 file with the seal key and chain, and a file holding its passphrase."""

    path: Path
    passphrase_file: Path

    def describe(self) -> str:
        return f"PKCS#12 file {self.path}"


@dataclass(frozen=True)
class Pkcs11KeySource:
    """A seal key on a PKCS#11 token; ``cert_label`` defaults to ``key_label``."""

    module: Path
    token_label: str
    key_label: str
    pin_file: Path
    cert_label: str | None = None

    def describe(self) -> str:
        return f"key '{self.key_label}' on PKCS#11 token '{self.token_label}' (module {self.module})"


KeySource = Pkcs12KeySource | Pkcs11KeySource


class SealKey:
    """An open seal key: a pyHanko ``Signer`` and, for a token, the session to close."""

    def __init__(self, signer: signers.Signer, description: str, session: pkcs11.Session | None = None) -> None:
        self.signer = signer
        self.description = description
        self._session = session

    def close(self) -> None:
        """Close the token session, if any; safe to call twice."""
        if self._session is None:
            return
        try:
            self._session.close()
        except pkcs11_errors.PKCS11Error as error:
            log.warning("closing the session of %s failed: %r", self.description, error)
        self._session = None


def open_seal_key(source: KeySource) -> SealKey:
    """Open ``source`` and return its signer; raises a :class:`SealKeyError` subclass on any failure."""
    if isinstance(source, Pkcs12KeySource):
        passphrase = _read_secret(source.passphrase_file, "passphrase file")
        return SealKey(load_pkcs12_signer(source.path, passphrase), source.describe())
    return _open_pkcs11(source)


def load_pkcs12_signer(path: Path, passphrase: bytes) -> signers.SimpleSigner:
    """Load the seal key and chain from a PKCS#12 file; raises :class:`SealKeyFileError`."""
    if not path.is_file():
        raise SealKeyFileError(f"signing key file {path} not found; check signing.pkcs12 in branch.toml")
    try:
        signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=passphrase)
    except (OSError, ValueError) as error:
        raise SealKeyFileError(f"cannot load signing key {path}: {error}") from error
    if signer is None:
        raise SealKeyFileError(
            f"cannot load signing key {path}: wrong passphrase or not a PKCS#12 file; check signing.passphrase_file"
        )
    return signer


def _read_secret(path: Path, what: str) -> bytes:
    try:
        secret = path.read_bytes().strip()
    except OSError as error:
        raise SealKeyFileError(f"cannot read the seal {what} {path}: {error.strerror}") from error
    if not secret:
        raise SealKeyFileError(f"the seal {what} {path} is empty")
    if path.stat().st_mode & 0o077:
        # Not refused, so that a branch keeps sealing; IT should see it in the log.
        log.warning("the seal %s %s can be read by other users; make it private with chmod 600", what, path)
    return secret


def _open_pkcs11(source: Pkcs11KeySource) -> SealKey:
    """Load the module, find the token, log in and find the key and certificate, each with its own error."""
    pin = _read_secret(source.pin_file, "PIN file").decode("utf-8", errors="strict")

    if not source.module.is_file():
        raise Pkcs11ModuleError(f"PKCS#11 module {source.module} not found; check signing.module in branch.toml")
    try:
        library = pkcs11.lib(str(source.module))
    except pkcs11_errors.PKCS11Error as error:
        raise Pkcs11ModuleError(f"cannot load PKCS#11 module {source.module}: {error}") from error

    present = _token_labels(library)
    if source.token_label not in present:
        found = ", ".join(repr(label) for label in present) or "none"
        raise TokenNotFound(
            f"PKCS#11 token '{source.token_label}' not found in module {source.module} (tokens present: {found}); "
            "check that the token is plugged in and signing.token_label"
        )

    try:
        session = open_pkcs11_session(
            str(source.module), token_criteria=TokenCriteria(label=source.token_label), user_pin=pin
        )
    except (pkcs11_errors.PinIncorrect, pkcs11_errors.PinInvalid, pkcs11_errors.PinLenRange) as error:
        raise TokenPinRejected(
            f"PKCS#11 token '{source.token_label}' (module {source.module}) rejected the PIN from {source.pin_file} "
            f"({type(error).__name__}); correct the PIN file before trying again, because tokens lock after a few wrong PINs"
        ) from error
    except (pkcs11_errors.PinLocked, pkcs11_errors.PinExpired) as error:
        raise TokenPinRejected(
            f"the PIN of PKCS#11 token '{source.token_label}' (module {source.module}) is {type(error).__name__}; "
            "the token's security officer must unlock or reset it"
        ) from error
    except pkcs11_errors.PKCS11Error as error:
        raise SealKeyError(
            f"cannot open a session on PKCS#11 token '{source.token_label}' (module {source.module}): {error!r}"
        ) from error

    try:
        signer = _pkcs11_signer(session, source)
    except BaseException:
        session.close()
        raise
    log.info("seal key opened: %s", source.describe())
    return SealKey(signer, source.describe(), session)


def _token_labels(library) -> list[str]:
    labels = []
    for slot in library.get_slots(token_present=True):
        try:
            labels.append(slot.get_token().label)
        except pkcs11_errors.PKCS11Error:
            continue  # a slot whose token went away between the two calls
    return labels


def _pkcs11_signer(session: pkcs11.Session, source: Pkcs11KeySource) -> PKCS11Signer:
    cert_label = source.cert_label or source.key_label
    keys = _objects(session, ObjectClass.PRIVATE_KEY, source.key_label)
    if len(keys) != 1:
        raise SealObjectNotFound(_label_problem(session, ObjectClass.PRIVATE_KEY, "private key", source.key_label, len(keys), source))
    certificates = _objects(session, ObjectClass.CERTIFICATE, cert_label)
    if len(certificates) != 1:
        raise SealObjectNotFound(_label_problem(session, ObjectClass.CERTIFICATE, "certificate", cert_label, len(certificates), source))

    # Tokens without hash-then-sign ECDSA (SoftHSM 2.6 among them) get the digest
    # from pyHanko and sign it with plain CKM_ECDSA.
    use_raw_mechanism = False
    if keys[0][Attribute.KEY_TYPE] == KeyType.EC:
        mechanisms = session.token.slot.get_mechanisms()
        use_raw_mechanism = Mechanism.ECDSA_SHA256 not in mechanisms
        if use_raw_mechanism and Mechanism.ECDSA not in mechanisms:
            raise SealKeyError(f"PKCS#11 token '{source.token_label}' offers no ECDSA mechanism for {source.describe()}")

    signer = PKCS11Signer(session, cert_label=cert_label, key_label=source.key_label, use_raw_mechanism=use_raw_mechanism)
    try:
        signer.signing_cert  # loads the certificate and key handle now, not during the first contract
    except pkcs11_errors.PKCS11Error as error:
        raise SealKeyError(f"cannot read the seal certificate of {source.describe()}: {error}") from error
    return signer


def _objects(session: pkcs11.Session, object_class: ObjectClass, label: str) -> list:
    return list(session.get_objects({Attribute.CLASS: object_class, Attribute.LABEL: label}))


def _label_problem(session, object_class, what: str, label: str, count: int, source: Pkcs11KeySource) -> str:
    if count > 1:
        return f"PKCS#11 token '{source.token_label}' (module {source.module}) has {count} objects of class {what} labelled '{label}'; labels must be unique"
    present = sorted({str(item[Attribute.LABEL]) for item in session.get_objects({Attribute.CLASS: object_class})})
    found = ", ".join(repr(name) for name in present) or "none"
    return (
        f"no {what} labelled '{label}' on PKCS#11 token '{source.token_label}' (module {source.module}); "
        f"{what} labels present: {found}; check signing.key_label and signing.cert_label"
    )
