"""Damaged, encrypted and re-saved contract PDFs: named at intake, judged honestly, and compared with poppler's pdfsig.

Every bad file is built from a contract this project renders and seals: pikepdf (qpdf)
re-saves it with encryption or object streams, and hand-written incremental updates
add a hybrid cross-reference section or an object with an orphaned generation.
"""

import io
import re

import pikepdf
import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from kiosk.contracts.pdf_intake import MESSAGES, inspect_pdf
from kiosk.contracts.sealing import ContractSealer
from kiosk.contracts.validation import verify_contract_pdf
from tests.pki.fixtures import (  # noqa: F401 - fixtures are found by name
    SEAL_PASSPHRASE,
    authority,
    nss_db,
    pdfsig,
    pki_server,
    rendered,
    seal,
    seal_pkcs12,
    signature_png,
    trust_roots,
)

PAID = b"BT /F1 24 Tf 100 100 Td (PAID) Tj ET"


@pytest.fixture(scope="module")
def sealed(seal_pkcs12, rendered, signature_png) -> bytes:
    return ContractSealer.from_pkcs12(seal_pkcs12, SEAL_PASSPHRASE, "北京").seal(rendered, signature_png, "test").pdf


# Bad files ---------------------------------------------------------------------


def _resave(pdf: bytes, **options) -> bytes:
    """Rewrite ``pdf`` as a whole with qpdf through pikepdf, as a PDF tool's "Save as" does."""
    output = io.BytesIO()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        document.save(output, **options)
    return output.getvalue()


def encrypted_with_password(pdf: bytes) -> bytes:
    return _resave(pdf, encryption=pikepdf.Encryption(owner="owner-secret", user="user-secret", R=6))


def permission_restricted(pdf: bytes) -> bytes:
    """Encrypt with an empty user password, so that it opens without one, and forbid copying and editing."""
    permissions = pikepdf.Permissions(extract=False, modify_other=False, modify_annotation=False)
    return _resave(pdf, encryption=pikepdf.Encryption(owner="owner-secret", user="", R=6, allow=permissions))


def with_object_streams(pdf: bytes) -> bytes:
    """Re-save with object streams and a cross-reference stream: a sound file, but no longer the one sealed."""
    return _resave(pdf, object_stream_mode=pikepdf.ObjectStreamMode.generate)


def _last_startxref(pdf: bytes) -> int:
    return int(re.findall(rb"startxref\s+(\d+)\s*%%EOF", pdf)[-1])


def shifted_xref_offsets(pdf: bytes, by: int = 7) -> bytes:
    """Add ``by`` to every in-use offset of the newest cross-reference table, keeping its length."""
    start = _last_startxref(pdf)
    end = pdf.index(b"trailer", start)
    table = re.sub(rb"(\d{10}) (\d{5}) n", lambda entry: b"%010d %s n" % (int(entry.group(1)) + by, entry.group(2)), pdf[start:end])
    return pdf[:start] + table + pdf[end:]


def moved_startxref(pdf: bytes) -> bytes:
    """Point the final startxref 40 bytes too early, into the middle of an object."""
    start = _last_startxref(pdf)
    marker = pdf.rindex(b"startxref")
    return pdf[:marker] + b"startxref\n%d\n%%%%EOF\n" % (start - 40)


def looping_prev(pdf: bytes) -> bytes:
    """Make the newest trailer's /Prev point at its own table."""
    start = _last_startxref(pdf)
    trailer_at = pdf.rindex(b"trailer")
    trailer = re.sub(rb"/Prev \d+", b"", pdf[trailer_at:])
    return pdf[:trailer_at] + trailer.replace(b"<<", b"<< /Prev %d" % start, 1)


def _serialise(obj: generic.PdfObject) -> bytes:
    output = io.BytesIO()
    obj.write_to_stream(output)
    return output.getvalue()


def _raw_copy(dictionary: generic.DictionaryObject) -> generic.DictionaryObject:
    """Copy a dictionary keeping indirect references as references."""
    return generic.DictionaryObject({key: dictionary.raw_get(key) for key in dictionary.keys()})


def _newest_trailer(reader: PdfFileReader, pdf: bytes, size: int) -> generic.DictionaryObject:
    trailer = _raw_copy(reader.trailer.flatten())
    trailer[generic.NameObject("/Size")] = generic.NumberObject(size)
    trailer[generic.NameObject("/Prev")] = generic.NumberObject(_last_startxref(pdf))
    return trailer


def hybrid_update(pdf: bytes) -> bytes:
    """Append an update that draws "PAID" on page 1 through an object that only PDF 1.5 readers can find.

    The classic table lists the changed page. The new content stream is listed only in
    the cross-reference stream named by /XRefStm, so a PDF 1.4 reader resolves it to
    null while a PDF 1.5 reader shows it.
    """
    reader = PdfFileReader(io.BytesIO(pdf))
    size = int(reader.trailer["/Size"])
    page_ref = reader.root["/Pages"].raw_get("/Kids").raw_get(0).reference
    page = _raw_copy(reader.get_object(page_ref))
    content_id, xref_stream_id = size, size + 1
    page[generic.NameObject("/Contents")] = generic.ArrayObject([page.raw_get("/Contents"), generic.IndirectObject(content_id, 0, None)])

    output = bytearray(pdf)
    page_offset = len(output)
    output += b"%d 0 obj\n%s\nendobj\n" % (page_ref.idnum, _serialise(page))
    content_offset = len(output)
    output += b"%d 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (content_id, len(PAID), PAID)
    row = bytes([1]) + content_offset.to_bytes(4, "big") + bytes(2)
    xref_stream_offset = len(output)
    output += b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Index [%d 1] /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (
        xref_stream_id, size + 2, content_id, len(row), row
    )

    trailer = _newest_trailer(reader, pdf, size + 2)
    trailer[generic.NameObject("/XRefStm")] = generic.NumberObject(xref_stream_offset)
    xref_offset = len(output)
    output += b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n" % (page_ref.idnum, page_offset)
    output += b"trailer\n%s\nstartxref\n%d\n%%%%EOF\n" % (_serialise(trailer), xref_offset)
    return bytes(output)


def orphaned_generation_update(pdf: bytes) -> bytes:
    """Append an update that redefines page 1's content stream as generation 1 without freeing generation 0.

    The page still refers to ``N 0 R``, so qpdf then finds no content, and readers that
    ignore generation numbers show "PAID" instead of the contract.
    """
    reader = PdfFileReader(io.BytesIO(pdf))
    content_ref = reader.root["/Pages"]["/Kids"][0].raw_get("/Contents").reference

    output = bytearray(pdf)
    offset = len(output)
    output += b"%d 1 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (content_ref.idnum, len(PAID), PAID)
    trailer = _newest_trailer(reader, pdf, int(reader.trailer["/Size"]))
    xref_offset = len(output)
    output += b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00001 n \n" % (content_ref.idnum, offset)
    output += b"trailer\n%s\nstartxref\n%d\n%%%%EOF\n" % (_serialise(trailer), xref_offset)
    return bytes(output)


REJECTED = [
    (encrypted_with_password, "encrypted"),
    (permission_restricted, "permission_restricted"),
    (shifted_xref_offsets, "broken_xref"),
    (moved_startxref, "broken_xref"),
    (looping_prev, "broken_xref"),
    (hybrid_update, "hybrid_xref"),
    (orphaned_generation_update, "orphaned_generation"),
]
REJECTED_IDS = ["encrypted", "permission restricted", "shifted xref", "moved startxref", "looping prev", "hybrid", "orphaned generation"]


# Intake on its own ------------------------------------------------------------------


def test_own_contracts_pass_unchanged(sealed, rendered):
    for pdf, revisions in ((rendered.pdf, 1), (sealed, 2)):
        intake = inspect_pdf(pdf)
        assert intake.problems == ()
        assert intake.revisions == revisions
        assert intake.pdf == pdf


@pytest.mark.parametrize("source", ["sealed", "rendered"])
@pytest.mark.parametrize("damage, code", REJECTED, ids=REJECTED_IDS)
def test_bad_file_rejected_by_name(request, source, damage, code):
    pdf = request.getfixturevalue(source)
    pdf = pdf.pdf if source == "rendered" else pdf

    intake = inspect_pdf(damage(pdf))

    assert intake.rejection is not None
    assert intake.rejection.code == code
    assert code in intake.codes


def test_object_stream_resave_is_readable(sealed):
    intake = inspect_pdf(with_object_streams(sealed))
    assert intake.problems == ()
    assert intake.revisions == 1


def test_broken_xref_stream_is_rejected(sealed):
    resaved = with_object_streams(sealed)
    widths = re.search(rb"/W \[ ?1 (\d) (\d) ?\]", resaved)
    assert widths is not None, "qpdf wrote no cross-reference stream"
    wider = resaved[: widths.start(2)] + b"%d" % (int(widths.group(2)) + 1) + resaved[widths.end(2):]

    intake = inspect_pdf(wider)

    assert intake.rejection is not None
    assert intake.rejection.code == "broken_xref"


@pytest.mark.parametrize(
    "damage, code",
    [
        (lambda pdf: b"", "not_pdf"),
        (lambda pdf: b"GIF89a not a contract at all", "not_pdf"),
        (lambda pdf: b"\n" + pdf, "not_pdf"),
        (lambda pdf: pdf[: len(pdf) // 2], "truncated"),
        (lambda pdf: pdf[:-7], "truncated"),
        (lambda pdf: b"%PDF-1.7\nthis is not a pdf", "truncated"),
    ],
    ids=["empty", "not a PDF", "leading byte", "truncated half", "truncated end", "header only"],
)
def test_unreadable_file_rejected_by_name(sealed, damage, code):
    intake = inspect_pdf(damage(sealed))
    assert intake.rejection is not None
    assert intake.rejection.code == code


@pytest.mark.parametrize("junk", [b"appended junk\n", bytes(range(256)) * 20], ids=["text", "binary"])
def test_trailing_data_is_cut_and_noted(sealed, junk):
    intake = inspect_pdf(sealed + junk)
    assert intake.rejection is None
    assert intake.codes == ("trailing_data",)
    assert intake.pdf == sealed


def test_trailing_line_ends_are_no_problem(sealed):
    intake = inspect_pdf(sealed + b"\r\n\n")
    assert intake.problems == ()


def test_every_code_has_chinese_and_english():
    for code, message in MESSAGES.items():
        assert re.search(r"[\u4e00-\u9fff]", message.zh), code
        assert re.search(r"[A-Za-z]", message.en), code
        assert not re.search(r"[\u4e00-\u9fff]", message.en), code


# Whole verdict, and pdfsig beside it ----------------------------------------------------


@pytest.mark.parametrize("damage, code", REJECTED, ids=REJECTED_IDS)
def test_rejected_signed_file_invalid_for_both(sealed, trust_roots, nss_db, tmp_path, damage, code):
    bad = damage(sealed)

    result = verify_contract_pdf(bad, trust_roots)
    assert result.status == "invalid"
    assert result.rejected
    assert result.reasons[-1].code == code
    assert result.error.startswith(f"{code}: ")
    assert result.signatures == ()
    assert result.pades_level is None
    assert result.covers_whole_file is False
    payload = result.to_json()
    assert payload["reasons"][-1]["code"] == code
    assert payload["reasons"][-1]["message"]["zh"]

    # pdfsig never calls the whole file signed and valid; where it reads the signature over
    # the original bytes, it says an update follows the signed range.
    output = pdfsig(bad, nss_db, tmp_path)
    assert not ("Signature is Valid." in output and "Total document signed" in output), output
    if "Signature is Valid." in output:
        assert "Not total document signed" in output


def test_pdfsig_agrees_on_the_bad_files_it_can_open(sealed, nss_db, tmp_path):
    """Pin what poppler says about each bad file, so a change in either verdict shows here."""
    verdicts = {}
    for damage, name in zip((entry[0] for entry in REJECTED), REJECTED_IDS):
        output = pdfsig(damage(sealed), nss_db, tmp_path)
        verdicts[name] = (
            "valid, partial" if "Signature is Valid." in output and "Not total document signed" in output
            else "valid" if "Signature is Valid." in output
            else "password" if "Incorrect password" in output
            else "not valid"
        )
    assert verdicts == {
        "encrypted": "password",
        "permission restricted": "not valid",
        "shifted xref": "not valid",
        "moved startxref": "not valid",
        "looping prev": "not valid",
        "hybrid": "valid, partial",
        "orphaned generation": "valid, partial",
    }


def test_resaved_with_object_streams_is_invalid_for_both(sealed, trust_roots, nss_db, tmp_path):
    resaved = with_object_streams(sealed)

    result = verify_contract_pdf(resaved, trust_roots)
    assert result.status == "invalid"
    assert not result.rejected
    assert result.signatures, "the seal is still found and judged"
    assert result.signatures[0].problems

    assert "Signature is Valid." not in pdfsig(resaved, nss_db, tmp_path)


def test_trailing_data_is_invalid_but_seal_intact(sealed, trust_roots, nss_db, tmp_path):
    bad = sealed + b"appended junk\n"

    result = verify_contract_pdf(bad, trust_roots)
    assert result.status == "invalid"
    assert result.covers_whole_file is False
    assert [reason.code for reason in result.reasons] == ["trailing_data"]
    assert not result.rejected
    (finding,) = result.signatures
    assert finding.intact
    assert finding.valid
    assert finding.trusted
    assert finding.covers_whole_file is False

    output = pdfsig(bad, nss_db, tmp_path)
    assert "Signature is Valid." in output
    assert "Not total document signed" in output


def test_own_contract_still_valid(sealed, trust_roots, nss_db, tmp_path):
    result = verify_contract_pdf(sealed, trust_roots)
    assert result.status == "valid"
    assert result.covers_whole_file is True
    assert result.reasons == ()

    output = pdfsig(sealed, nss_db, tmp_path)
    assert "Signature is Valid." in output
    assert "Total document signed" in output
