"""Rendering and sealing a contract, checked by pyHanko and, independently, by poppler."""

import subprocess
from datetime import datetime

import pytest

from countersign.config import load_config
from devices.signature_pad import SimulatedSignaturePad, Signature, StrokePoint
from kiosk.contracts.drafting import draft_contract
from kiosk.contracts.render import Acknowledgement, render_contract
from kiosk.contracts.sealing import ContractSealer
from kiosk.contracts.signature_image import check_signature, render_signature_png
from kiosk.contracts.validation import SealInvalid, load_trust_roots, validate_sealed_pdf
from kiosk.errors import SealingError, SignatureRejected
from tests import contract_fixtures as fx


@pytest.fixture
def config(branch_home):
    return load_config(branch_home)


@pytest.fixture
def sealed_pdf(config, tmp_path):
    template = fx.template()
    sources = fx.sources()
    draft = draft_contract(template, sources)
    at = datetime(2026, 12, 5, 10, 1, tzinfo=fx.ZONE)
    acknowledgements = [Acknowledgement(c.clause_id, at) for c in template.clauses if c.must_acknowledge]
    rendered = render_contract(draft, template, sources.branch, acknowledgements, at)
    sealer = ContractSealer.from_pkcs12(config.pkcs12_path, config.pkcs12_passphrase_file.read_bytes(), "北京")
    sealed = sealer.seal(rendered, render_signature_png(SimulatedSignaturePad().capture()), reason="test")
    path = tmp_path / "contract.pdf"
    path.write_bytes(sealed.pdf)
    return path


@pytest.fixture
def nss_db(config, tmp_path):
    """An NSS database that trusts the demo root, so pdfsig can check the chain too."""
    folder = tmp_path / "nss"
    folder.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"], check=True)
    subprocess.run(
        ["certutil", "-A", "-d", f"sql:{folder}", "-n", "demo-root", "-t", "CT,C,C", "-i", str(config.trust_roots[0])],
        check=True,
    )
    return folder


def _pdfsig(path, nss_db) -> str:
    return subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss_db}", str(path)], capture_output=True, text=True, check=False
    ).stdout


def test_pyhanko_reports_intact_trusted_whole_file(sealed_pdf, config):
    (report,) = validate_sealed_pdf(sealed_pdf.read_bytes(), load_trust_roots(list(config.trust_roots)))
    assert report.intact
    assert report.valid
    assert report.trusted
    assert report.covers_whole_file
    assert "合同专用章" in report.signer


def test_pdfsig_reports_valid_whole_file_trusted(sealed_pdf, nss_db):
    output = _pdfsig(sealed_pdf, nss_db)
    assert "Signature Validation: Signature is Valid." in output
    assert "Total document signed" in output
    assert "Certificate Validation: Certificate is Trusted." in output
    assert "ETSI.CAdES.detached" in output


def test_changed_byte_breaks_both_validators(sealed_pdf, config, nss_db):
    data = bytearray(sealed_pdf.read_bytes())
    position = data.index(b"/Title")
    data[position + 1] = ord("t")
    sealed_pdf.write_bytes(bytes(data))

    (report,) = validate_sealed_pdf(bytes(data), load_trust_roots(list(config.trust_roots)))
    assert not report.intact
    assert "Signature is Valid." not in _pdfsig(sealed_pdf, nss_db)


def test_untrusted_root_is_not_trusted(sealed_pdf):
    (report,) = validate_sealed_pdf(sealed_pdf.read_bytes(), [])
    assert report.intact
    assert not report.trusted


def test_fonts_are_embedded_and_chinese_extracts(sealed_pdf):
    fonts = subprocess.run(["pdffonts", str(sealed_pdf)], capture_output=True, text=True, check=True).stdout
    font_lines = fonts.splitlines()[2:]
    assert font_lines
    for line in font_lines:
        assert "WenQuanYi" in line
        assert line.split()[-5] == "yes", f"font not embedded: {line}"
    text = subprocess.run(["pdftotext", str(sealed_pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "汽车租赁合同" in text
    assert "Car Rental Agreement" in text
    assert "王建国" in text
    assert "¥867.00" in text


def test_signature_field_is_visible_on_last_page(sealed_pdf):
    from pyhanko.pdf_utils.reader import PdfFileReader

    with sealed_pdf.open("rb") as handle:
        reader = PdfFileReader(handle)
        (signature,) = reader.embedded_signatures
        assert signature.field_name == "ContractSeal"
        widget = signature.sig_field["/Kids"][0] if "/Kids" in signature.sig_field else signature.sig_field
        rectangle = [float(v) for v in widget["/Rect"]]
        assert rectangle[2] - rectangle[0] > 100
        assert rectangle[3] - rectangle[1] > 50
        assert "/AP" in widget


def test_corrupt_pdf_is_reported(tmp_path):
    with pytest.raises(SealInvalid):
        validate_sealed_pdf(b"%PDF-1.7\nthis is not a pdf", [])


def test_wrong_passphrase_is_a_sealing_error(config):
    with pytest.raises(SealingError):
        ContractSealer.from_pkcs12(config.pkcs12_path, b"wrong", "北京")


@pytest.mark.parametrize(
    "strokes",
    [
        [],
        [[StrokePoint(100, 100, 0.5, 0)]],
        [[StrokePoint(10 + i * 5, 100, 0.5, i * 10) for i in range(100)]],
    ],
    ids=["blank", "dot", "flat line"],
)
def test_non_signatures_are_rejected(strokes):
    with pytest.raises(SignatureRejected):
        check_signature(Signature(600, 200, strokes))


def test_simulated_signature_is_accepted():
    check_signature(SimulatedSignaturePad().capture())
