"""Text of rendered and sealed contracts: extracted exactly as filled, every font embedded, no empty boxes.

Extraction is checked with poppler's pdftotext and, independently, with pypdf. Rare
characters come from CJK Extension A (U+3400–U+4DBF) and B (U+20000–U+2A6DF).
"""

import io
import logging
import subprocess
from dataclasses import replace
from datetime import datetime

import pytest
from pypdf import PdfReader

from countersign.pki import make_demo_pki
from devices.signature_pad import SimulatedSignaturePad
from kiosk.contracts.drafting import draft_contract
from kiosk.contracts.fonts import FONT_NAME, GlyphMissing, Typesetter, contract_fonts
from kiosk.contracts.formatting import format_value
from kiosk.contracts.render import Acknowledgement, render_contract
from kiosk.contracts.sealing import ContractSealer
from kiosk.contracts.signature_image import render_signature_png
from kiosk.errors import FontMissing, user_message
from tests import contract_fixtures as fx

RENDERED_AT = datetime(2026, 12, 5, 10, 1, tzinfo=fx.ZONE)
NAME = "欧阳䶮㑇"  # 䶮 U+4DAE and 㑇 U+3447 are CJK Extension A
ADDRESS = "广东省广州市越秀区䶮山路 8 号㐂园 3 栋 𠮷野家 A&B <2>"  # 㐂 U+3402 (Ext. A), 𠮷 U+20BB7 (Ext. B)
PRIVATE_USE = "\U000f0000"  # Supplementary Private Use Area-A: no font has it
BIANG = "\U00030ede"  # 𰻞, CJK Extension G: not in the default fonts


def _render(name: str = NAME, address: str = ADDRESS):
    template = fx.template()
    sources = fx.sources()
    sources = replace(sources, identity=replace(sources.identity, name=name, address=address))
    draft = draft_contract(template, sources)
    acknowledgements = [Acknowledgement(c.clause_id, RENDERED_AT) for c in template.clauses if c.must_acknowledge]
    rendered = render_contract(draft, template, sources.branch, acknowledgements, RENDERED_AT)
    return rendered, draft, template


@pytest.fixture(scope="module")
def contract():
    rendered, draft, template = _render()
    filled = [format_value(draft.values[spec.name], spec.type) for spec in template.fields]
    return rendered, filled


@pytest.fixture(scope="module")
def pdf_files(contract, tmp_path_factory):
    """The rendered and the sealed contract as files, keyed by "rendered" and "sealed"."""
    rendered, _ = contract
    folder = tmp_path_factory.mktemp("render-text")
    pki = make_demo_pki(folder / "pki", folder / "keys", fx.sources().branch)
    sealer = ContractSealer.from_pkcs12(pki.pkcs12, pki.passphrase_file.read_bytes(), "北京")
    sealed = sealer.seal(rendered, render_signature_png(SimulatedSignaturePad().capture()), reason="test")

    files = {"rendered": folder / "rendered.pdf", "sealed": folder / "sealed.pdf"}
    files["rendered"].write_bytes(rendered.pdf)
    files["sealed"].write_bytes(sealed.pdf)
    return files


def _pdftotext(path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _pdffonts(path) -> list[str]:
    output = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return output.splitlines()[2:]


def test_test_values_are_rare_characters():
    assert 0x3400 <= ord("䶮") <= 0x4DBF
    assert 0x3400 <= ord("㑇") <= 0x4DBF
    assert 0x3400 <= ord("㐂") <= 0x4DBF
    assert 0x20000 <= ord("𠮷") <= 0x2A6DF
    assert ord(BIANG) >= 0x30000


@pytest.mark.parametrize("kind", ["rendered", "sealed"])
def test_pdftotext_returns_every_filled_value(pdf_files, contract, kind):
    text = _pdftotext(pdf_files[kind])
    _, filled = contract
    assert NAME in filled
    assert ADDRESS in filled
    assert "¥867.00" in filled
    for value in filled:
        assert value in text, f"{value!r} not extracted from the {kind} contract"


@pytest.mark.parametrize("kind", ["rendered", "sealed"])
def test_pypdf_returns_every_filled_value(pdf_files, contract, kind):
    reader = PdfReader(pdf_files[kind])
    text = "\n".join(page.extract_text() for page in reader.pages)
    _, filled = contract
    for value in filled:
        assert value in text, f"{value!r} not extracted from the {kind} contract"


@pytest.mark.parametrize("kind", ["rendered", "sealed"])
def test_fonts_are_embedded_subsets_with_unicode(pdf_files, kind):
    lines = _pdffonts(pdf_files[kind])
    assert lines
    for line in lines:
        emb, sub, uni = line.split()[-5:-2]
        assert emb == "yes", f"font not embedded: {line}"
        assert sub == "yes", f"font not subset: {line}"
        assert uni == "yes", f"font without ToUnicode map: {line}"
    assert any("WenQuanYi" in line for line in lines)
    assert any("HanaMin" in line for line in lines), "no fallback font drew the Extension A characters"


def test_main_font_alone_without_rare_characters(tmp_path):
    rendered, _, _ = _render(name="王建国", address="北京市朝阳区建国路 88 号院 3 号楼 1201 室")
    path = tmp_path / "plain.pdf"
    path.write_bytes(rendered.pdf)
    lines = _pdffonts(path)
    assert lines
    assert all("WenQuanYi" in line for line in lines)


def test_missing_glyph_is_named_before_rendering(caplog):
    fonts = contract_fonts()
    assert fonts.font_for(PRIVATE_USE) is None, "a configured font has U+F0000; pick another test character"
    assert fonts.font_for(BIANG) is None, "a configured font has U+30EDE; pick another test character"

    with caplog.at_level(logging.ERROR, logger="kiosk.contracts.render"):
        with pytest.raises(GlyphMissing) as raised:
            _render(name=f"王{PRIVATE_USE}", address=f"陕西省西安市{BIANG}{BIANG}面馆")

    error = raised.value
    assert isinstance(error, FontMissing)
    assert error.characters == (PRIVATE_USE, BIANG)
    assert error.places == {PRIVATE_USE: ("field lessee_name",), BIANG: ("field lessee_address",)}
    assert "U+F0000" in error.message.zh
    assert "U+30EDE" in error.message.zh
    assert BIANG in error.message.zh
    assert "U+F0000" in error.message.en
    assert "U+30EDE" in error.message.en
    assert user_message(error) == error.message
    assert "U+F0000 in field lessee_name" in str(error)
    assert any("U+30EDE" in record.getMessage() for record in caplog.records)


def test_typesetter_switches_font_per_run():
    fonts = contract_fonts()
    typeset = Typesetter(fonts)
    runs = typeset.runs("刘䶮 A&B", "test")
    assert [text for _, text in runs] == ["刘", "䶮", " A&B"]
    assert runs[0][0] == FONT_NAME
    assert runs[1][0] != FONT_NAME
    assert runs[2][0] == FONT_NAME
    typeset.raise_if_missing()


def test_typesetter_markup_escapes_and_names_fallback():
    fonts = contract_fonts()
    typeset = Typesetter(fonts)
    markup = typeset.markup("<刘䶮&>", "test")
    assert markup == f'&lt;刘<font name="{fonts.font_for("䶮")}">䶮</font>&amp;&gt;'


def test_typesetter_collects_every_missing_character():
    typeset = Typesetter(contract_fonts())
    typeset.markup(f"a{PRIVATE_USE}b", "first")
    typeset.runs(f"{PRIVATE_USE}{BIANG}", "second")
    with pytest.raises(GlyphMissing) as raised:
        typeset.raise_if_missing()
    assert raised.value.places == {PRIVATE_USE: ("first", "second"), BIANG: ("second",)}


def test_extension_b_round_trips_through_tounicode(pdf_files):
    text = _pdftotext(pdf_files["rendered"])
    assert "𠮷野家" in text
    reader = PdfReader(io.BytesIO(pdf_files["rendered"].read_bytes()))
    assert any("𠮷野家" in page.extract_text() for page in reader.pages)


def test_missing_font_tells_customer_contract_cannot_be_prepared():
    message = user_message(FontMissing("no TrueType font with Chinese glyphs found"))

    assert "缺少合同所需的中文字体" in message.zh
    assert "could not be sealed" not in message.en
