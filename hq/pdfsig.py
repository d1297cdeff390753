"""A second opinion on archived contracts from poppler's ``pdfsig``, independent of pyHanko.

:func:`nss_trust_store` builds a throwaway NSS database that trusts HQ's roots, and
:func:`read_signatures` runs ``pdfsig`` against it and parses what it prints, one
:class:`PdfsigSignature` per signature or document timestamp. pdfsig queries the OCSP
responder that each signer's certificate names, because poppler 22.12 with
``-no-ocsp`` reported a seal certificate that names an OCSP responder as "Unknown
issue". An unreachable responder gives that same verdict, which
:func:`certificate_unchecked` reports so that the caller tries again later.
"""

import logging
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

PDFSIG_TIMEOUT_SECONDS = 60
SIGNATURE_VALID = "Signature is Valid."
CERTIFICATE_TRUSTED = "Certificate is Trusted."
CERTIFICATE_UNKNOWN = "Unknown issue with Certificate or corrupted data."
# Sub-filters of signatures made with a certificate, as opposed to RFC 3161 document timestamps.
SIGNATURE_TYPES = frozenset({"ETSI.CAdES.detached", "adbe.pkcs7.detached", "adbe.pkcs7.sha1"})

_RANGE = re.compile(r"\[(\d+) - (\d+)\]")


class PdfsigUnavailable(RuntimeError):
    """``pdfsig`` or ``certutil`` is missing, timed out or failed before it judged the file."""


@dataclass(frozen=True)
class PdfsigSignature:
    """One ``Signature #N`` block of pdfsig's output."""

    field_name: str
    signer: str
    signature_type: str  # the sub-filter; poppler 22.12 prints "unknown" for a document timestamp
    ranges: tuple[tuple[int, int], ...]
    validation: str
    certificate: str

    @property
    def is_signature(self) -> bool:
        """Return whether this is a signature with a signer's certificate, not a document timestamp."""
        return self.signature_type in SIGNATURE_TYPES

    @property
    def end(self) -> int:
        """Return the offset of the last byte this signature covers."""
        return max((stop for _, stop in self.ranges), default=0)


@contextmanager
def nss_trust_store(trust_roots: Sequence[Path]) -> Iterator[Path]:
    """Yield a temporary NSS database that trusts each certificate of ``trust_roots`` as a CA.

    Raises :class:`PdfsigUnavailable` when ``certutil`` (libnss3-tools) is missing or
    rejects a certificate.
    """
    if shutil.which("certutil") is None:
        raise PdfsigUnavailable("certutil is not installed; install libnss3-tools")
    with tempfile.TemporaryDirectory(prefix="countersign-nss-") as folder:
        _certutil(["-N", "-d", f"sql:{folder}", "--empty-password"])
        for number, root in enumerate(trust_roots):
            _certutil(["-A", "-d", f"sql:{folder}", "-n", f"trust-root-{number}", "-t", "CT,C,C", "-i", str(root)])
        yield Path(folder)


def read_signatures(pdf: bytes, nss_dir: Path) -> list[PdfsigSignature]:
    """Run pdfsig on ``pdf`` against ``nss_dir`` and return its signatures in file order.

    Raises :class:`PdfsigUnavailable` when pdfsig is missing, times out, or fails
    without printing any signature.
    """
    if shutil.which("pdfsig") is None:
        raise PdfsigUnavailable("pdfsig is not installed; install poppler-utils")
    with tempfile.TemporaryDirectory(prefix="countersign-pdfsig-") as folder:
        path = Path(folder) / "contract.pdf"
        path.write_bytes(pdf)
        try:
            result = subprocess.run(
                ["pdfsig", "-nssdir", f"sql:{nss_dir}", str(path)],
                capture_output=True, text=True, timeout=PDFSIG_TIMEOUT_SECONDS,
            )
        except subprocess.TimeoutExpired as error:
            raise PdfsigUnavailable(f"pdfsig did not finish within {PDFSIG_TIMEOUT_SECONDS} s") from error
    signatures = parse_pdfsig_output(result.stdout)
    if not signatures and result.returncode != 0:
        raise PdfsigUnavailable(f"pdfsig exited with {result.returncode}: {result.stderr.strip()[:500]}")
    return signatures


def parse_pdfsig_output(output: str) -> list[PdfsigSignature]:
    """Parse the ``Signature #N`` blocks of pdfsig's output (poppler 22.12 wording)."""
    signatures = []
    for block in output.split("Signature #")[1:]:
        fields = {}
        for line in block.splitlines():
            name, separator, value = line.strip().removeprefix("- ").partition(":")
            if separator:
                fields[name.strip()] = value.strip()
        signatures.append(
            PdfsigSignature(
                field_name=fields.get("Signature Field Name", ""),
                signer=fields.get("Signer Certificate Common Name", ""),
                signature_type=fields.get("Signature Type", ""),
                ranges=tuple((int(start), int(stop)) for start, stop in _RANGE.findall(fields.get("Signed Ranges", ""))),
                validation=fields.get("Signature Validation", ""),
                certificate=fields.get("Certificate Validation", ""),
            )
        )
    return signatures


def certificate_unchecked(signatures: Sequence[PdfsigSignature]) -> bool:
    """Return whether pdfsig could not judge a signer's certificate, as when its OCSP responder is unreachable."""
    return any(signature.is_signature and signature.certificate == CERTIFICATE_UNKNOWN for signature in signatures)


def b_lta_problems(signatures: Sequence[PdfsigSignature]) -> list[str]:
    """Return why pdfsig's view of a file falls short of B-LTA; an empty list when it does not.

    pdfsig names no PAdES level, so this checks what it can see. Every signature with
    a certificate must be valid and trusted. The newest entry must be a document
    timestamp that covers more of the file than the newest signature, because the
    validation data was added after that signature.
    """
    if not signatures:
        return ["pdfsig found no signature"]
    problems = []
    sealed = [signature for signature in signatures if signature.is_signature]
    if not sealed:
        problems.append("pdfsig found no signature with a certificate")
    for signature in sealed:
        if signature.validation != SIGNATURE_VALID:
            problems.append(f"pdfsig: {signature.field_name}: {signature.validation or 'no validation result'}")
        if signature.certificate != CERTIFICATE_TRUSTED:
            problems.append(f"pdfsig: {signature.field_name}: {signature.certificate or 'no certificate result'}")

    newest = max(signatures, key=lambda signature: signature.end)
    if newest.is_signature:
        problems.append(f"pdfsig: the newest entry {newest.field_name} is a signature, not a document timestamp")
    elif sealed and newest.end <= max(signature.end for signature in sealed):
        problems.append(f"pdfsig: the document timestamp {newest.field_name} does not cover the data added after the seal")
    return problems


def _certutil(arguments: list[str]) -> None:
    try:
        subprocess.run(["certutil", *arguments], check=True, capture_output=True, text=True, timeout=30)
    except subprocess.CalledProcessError as error:
        raise PdfsigUnavailable(f"certutil {' '.join(arguments[:1])} failed: {error.stderr.strip()[:500]}") from error
    except subprocess.TimeoutExpired as error:
        raise PdfsigUnavailable("certutil did not finish within 30 s") from error
