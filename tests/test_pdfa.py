"""PDF/A-2b of rendered and sealed contracts, checked by the page validator and by reading the file.

The validator is page-validation (PyPI), an independent Rust implementation of the
PDF/A rules that passes the veraPDF and Isartor test corpora. veraPDF itself is
published only on Maven Central, which this project's machines cannot reach.
"""

import io
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, SimpleDocTemplate

from countersign.pki import make_demo_pki
from devices.signature_pad import SimulatedSignaturePad
from kiosk.contracts.drafting import draft_contract
from kiosk.contracts.fonts import contract_fonts
from kiosk.contracts.pdfa import OUTPUT_CONDITION, SRGB_PROFILE
from kiosk.contracts.render import Acknowledgement, RenderedContract, render_contract
from kiosk.contracts.sealing import ContractSealer
from kiosk.contracts.signature_image import render_signature_png
from tests import contract_fixtures as fx

try:
    import page
except ImportError:  # reported by the validator fixture, so that the other tests still run
    page = None

RENDERED_AT = datetime(2026, 12, 5, 10, 1, tzinfo=fx.ZONE)
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
}


@pytest.fixture(scope="module")
def validator():
    if page is None:
        pytest.fail("the PDF/A validator page-validation is not installed; it is a test dependency: pip install -e '.[test]'")
    return page


@pytest.fixture(scope="module")
def rendered() -> RenderedContract:
    """A contract whose lessee has CJK Extension A and B characters in name and address."""
    template = fx.template()
    sources = fx.sources()
    identity = replace(sources.identity, name="欧阳䶮㑇", address="广东省广州市越秀区䶮山路 8 号㐂园 3 栋 𠮷野家")
    sources = replace(sources, identity=identity)
    draft = draft_contract(template, sources)
    acknowledgements = [Acknowledgement(c.clause_id, RENDERED_AT) for c in template.clauses if c.must_acknowledge]
    return render_contract(draft, template, sources.branch, acknowledgements, RENDERED_AT)


@pytest.fixture(scope="module")
def rendered_pdf(rendered) -> bytes:
    return rendered.pdf


@pytest.fixture(scope="module")
def sealed_pdf(rendered, tmp_path_factory) -> bytes:
    folder = tmp_path_factory.mktemp("pdfa-seal")
    pki = make_demo_pki(folder / "pki", folder / "keys", fx.sources().branch)
    sealer = ContractSealer.from_pkcs12(pki.pkcs12, pki.passphrase_file.read_bytes(), "北京")
    return sealer.seal(rendered, render_signature_png(SimulatedSignaturePad().capture()), reason="test").pdf


def _failures(report) -> str:
    return "\n".join(f"{failure.rule_id}: {failure.message}" for failure in report.failures)


def _xmp(reader: PdfFileReader) -> ET.Element:
    return ET.fromstring(reader.root["/Metadata"].data)


def _xmp_value(xmp: ET.Element, prefix: str, name: str) -> str | None:
    """Return a simple or first-item XMP property, written as an attribute or as an element."""
    tag = f"{{{NS[prefix]}}}{name}"
    for description in xmp.iter(f"{{{NS['rdf']}}}Description"):
        if tag in description.attrib:
            return description.attrib[tag]
        element = description.find(tag)
        if element is not None:
            item = element.find(".//rdf:li", NS)
            return (item if item is not None else element).text
    return None


def _info_date(reader: PdfFileReader, key: str) -> datetime:
    return generic.parse_pdf_date(str(reader.trailer["/Info"][key]))


def test_rendered_contract_is_pdfa_2b(validator, rendered_pdf):
    report = validator.validate_pdf_bytes(rendered_pdf, profile="2b")
    assert report.is_compliant, _failures(report)
    assert report.rules.failed == 0


def test_sealed_contract_is_pdfa_2b(validator, sealed_pdf):
    report = validator.validate_pdf_bytes(sealed_pdf, profile="2b")
    assert report.is_compliant, _failures(report)
    assert report.rules.failed == 0


def test_validator_rejects_plain_reportlab_output(validator):
    buffer = io.BytesIO()
    style = ParagraphStyle("plain", fontName=contract_fonts().main, fontSize=10)
    SimpleDocTemplate(buffer, pagesize=A4).build([Paragraph("汽车租赁合同", style)])

    report = validator.validate_pdf_bytes(buffer.getvalue(), profile="2b")
    assert not report.is_compliant
    assert report.rules.failed > 0


def test_xmp_identifies_pdfa_2b(rendered_pdf):
    xmp = _xmp(PdfFileReader(io.BytesIO(rendered_pdf)))
    assert _xmp_value(xmp, "pdfaid", "part") == "2"
    assert _xmp_value(xmp, "pdfaid", "conformance") == "B"


def test_xmp_repeats_info_dictionary(rendered_pdf):
    reader = PdfFileReader(io.BytesIO(rendered_pdf))
    info = reader.trailer["/Info"]
    xmp = _xmp(reader)
    assert _xmp_value(xmp, "dc", "title") == str(info["/Title"])
    assert "BJ-CY01-20261205-0001" in str(info["/Title"])
    assert _xmp_value(xmp, "dc", "creator") == str(info["/Author"])
    assert _xmp_value(xmp, "dc", "description") == str(info["/Subject"])
    assert _xmp_value(xmp, "pdf", "Keywords") == str(info["/Keywords"])
    assert _xmp_value(xmp, "xmp", "CreatorTool") == str(info["/Creator"])


def test_dates_are_rendering_time_in_both(rendered_pdf):
    reader = PdfFileReader(io.BytesIO(rendered_pdf))
    xmp = _xmp(reader)
    assert _info_date(reader, "/CreationDate") == RENDERED_AT
    assert _info_date(reader, "/ModDate") == RENDERED_AT
    assert datetime.fromisoformat(_xmp_value(xmp, "xmp", "CreateDate")) == RENDERED_AT
    assert datetime.fromisoformat(_xmp_value(xmp, "xmp", "ModifyDate")) == RENDERED_AT


def test_sealed_metadata_stays_consistent(sealed_pdf):
    reader = PdfFileReader(io.BytesIO(sealed_pdf))
    info = reader.trailer["/Info"]
    xmp = _xmp(reader)
    assert _xmp_value(xmp, "pdfaid", "part") == "2"
    assert _xmp_value(xmp, "pdfaid", "conformance") == "B"
    assert datetime.fromisoformat(_xmp_value(xmp, "xmp", "ModifyDate")) == _info_date(reader, "/ModDate")
    assert datetime.fromisoformat(_xmp_value(xmp, "xmp", "CreateDate")) == _info_date(reader, "/CreationDate")
    assert _xmp_value(xmp, "pdf", "Producer") == str(info["/Producer"])


def test_output_intent_is_shipped_srgb(rendered_pdf):
    reader = PdfFileReader(io.BytesIO(rendered_pdf))
    (intent,) = reader.root["/OutputIntents"]
    profile = intent["/DestOutputProfile"]
    assert intent["/S"] == "/GTS_PDFA1"
    assert str(intent["/OutputConditionIdentifier"]) == OUTPUT_CONDITION
    assert profile["/N"] == 3
    assert profile.data == SRGB_PROFILE.read_bytes()
    assert profile.data[12:20] == b"mntrRGB "  # an RGB display profile, as an sRGB intent must be


def _walk(value, seen: set[int]):
    """Yield every dictionary reachable from ``value``, following references once."""
    if isinstance(value, generic.IndirectObject):
        key = value.idnum
        if key in seen:
            return
        seen.add(key)
        value = value.get_object()
    if isinstance(value, generic.DictionaryObject):
        yield value
        for item in value.values():
            yield from _walk(item, seen)
    elif isinstance(value, generic.ArrayObject):
        for item in value:
            yield from _walk(item, seen)


def test_sealed_has_no_javascript_or_transparency_group(sealed_pdf):
    reader = PdfFileReader(io.BytesIO(sealed_pdf))
    dictionaries = list(_walk(reader.trailer.raw_get("/Root"), set()))
    assert len(dictionaries) > 20
    for dictionary in dictionaries:
        assert "/JS" not in dictionary
        assert "/JavaScript" not in dictionary
        assert dictionary.get("/S") != "/JavaScript"
        assert "/AA" not in dictionary
        group = dictionary.get("/Group")
        assert group is None or group.get("/S") != "/Transparency", "transparency group found"
