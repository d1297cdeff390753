"""Fixtures for the signing tests; a test module imports the ones it uses by name.

The local PKI server and its authority live for one test module. Every test that
revokes a certificate issues its own, so the others keep a good one. SoftHSM2 tokens
are made per test.
"""

import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from devices.signature_pad import SimulatedSignaturePad
from kiosk.contracts.drafting import draft_contract
from kiosk.contracts.render import Acknowledgement, RenderedContract, render_contract
from kiosk.contracts.signature_image import render_signature_png
from kiosk.contracts.validation import load_trust_roots
from tests import contract_fixtures as fx
from tests.pki.authority import IssuedCertificate, TestAuthority, make_authority
from tests.pki.servers import LocalPkiServer
from tests.pki.softhsm import SoftHsmToken, make_token, reset_library

SEAL_PASSPHRASE = b"test-seal-passphrase"


@pytest.fixture(scope="module")
def pki_server():
    with LocalPkiServer() as server:
        yield server


@pytest.fixture(scope="module")
def authority(pki_server, tmp_path_factory) -> TestAuthority:
    """A root CA whose certificates name ``pki_server`` for OCSP and CRLs; the server also serves as its TSA."""
    created = make_authority(tmp_path_factory.mktemp("authority"), pki_server.base_url)
    pki_server.serve(created, created.issue_tsa())
    return created


@pytest.fixture(scope="module")
def seal(authority) -> IssuedCertificate:
    return authority.issue_seal()


@pytest.fixture(scope="module")
def seal_pkcs12(authority, seal) -> Path:
    return authority.write_pkcs12(seal, SEAL_PASSPHRASE)


@pytest.fixture(scope="module")
def trust_roots(authority) -> list:
    return load_trust_roots([authority.root.certificate_path])


@pytest.fixture(scope="module")
def rendered() -> RenderedContract:
    template = fx.template()
    sources = fx.sources()
    at = datetime(2026, 12, 5, 10, 1, tzinfo=fx.ZONE)
    acknowledgements = [Acknowledgement(c.clause_id, at) for c in template.clauses if c.must_acknowledge]
    return render_contract(draft_contract(template, sources), template, sources.branch, acknowledgements, at)


@pytest.fixture(scope="module")
def signature_png() -> bytes:
    return render_signature_png(SimulatedSignaturePad().capture())


@pytest.fixture(scope="module")
def nss_db(authority, tmp_path_factory) -> Path:
    """An NSS database that trusts the test root, so pdfsig checks the chain (and asks the OCSP responder)."""
    folder = tmp_path_factory.mktemp("nss")
    subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"], check=True)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{folder}", "-n", "test-root", "-t", "CT,C,C", "-i", str(authority.root.certificate_path)],
        check=True,
    )
    return folder


def pdfsig(pdf: bytes, nss_db: Path, folder: Path) -> str:
    """Write ``pdf`` to ``folder`` and return what poppler's pdfsig prints about it."""
    path = folder / "pdfsig-input.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss_db}", str(path)], capture_output=True, text=True, timeout=60)
    return result.stdout + result.stderr


def pdfsig_signatures(output: str) -> list[str]:
    """Split pdfsig's output into one block of lines per signature, in file order."""
    return output.split("Signature #")[1:]


@pytest.fixture
def softhsm_token(tmp_path, monkeypatch) -> SoftHsmToken:
    """A fresh SoftHSM2 token in this test's folder, selected through SOFTHSM2_CONF."""
    token = make_token(tmp_path / "softhsm", "CounterSign Seal")
    monkeypatch.setenv("SOFTHSM2_CONF", str(token.config_path))
    reset_library(token.module)
    yield token
    reset_library(token.module)
