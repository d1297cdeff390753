"""Judging contract files: valid, modified, invalid, unsigned; and the ``countersign contract verify`` command."""

import io
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import copy_into_new_writer
from pyhanko.sign.timestamps import HTTPTimeStamper

from countersign import cli
from kiosk.contracts.pdf_intake import MESSAGES
from kiosk.contracts.sealing import ContractSealer
from kiosk.contracts.timestamps import ContractTimestamper, add_document_timestamp
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


@pytest.fixture(scope="module")
def sealed(seal_pkcs12, rendered, signature_png) -> bytes:
    return ContractSealer.from_pkcs12(seal_pkcs12, SEAL_PASSPHRASE, "北京").seal(rendered, signature_png, "test").pdf


def _append_update(pdf: bytes, change) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    change(writer)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _add_page_text(writer: IncrementalPdfFileWriter) -> None:
    """Draw "PAID" on the first page through a new content stream, as a forger would."""
    page_ref, _ = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    extra = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (PAID) Tj ET"))
    contents = page["/Contents"]
    existing = list(contents) if isinstance(contents, generic.ArrayObject) else [page.raw_get("/Contents")]
    page["/Contents"] = generic.ArrayObject(existing + [extra])
    writer.update_container(page)


def _add_free_text_note(writer: IncrementalPdfFileWriter) -> None:
    """Put a FreeText annotation over the first page, which could hide or add terms."""
    page_ref, _ = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    note = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
            generic.NameObject("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in (100, 100, 300, 140)]),
            generic.NameObject("/Contents"): generic.TextStringObject("Deposit waived"),
            generic.NameObject("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
        }
    )
    annotations = page.get("/Annots", generic.ArrayObject())
    page["/Annots"] = generic.ArrayObject(list(annotations) + [writer.add_object(note)])
    writer.update_container(page)


def test_sealed_contract_is_valid(sealed, trust_roots):
    result = verify_contract_pdf(sealed, trust_roots)
    assert result.status == "valid"
    assert result.pades_level == "B-B"
    assert result.covers_whole_file
    (finding,) = result.signatures
    assert finding.intact and finding.valid and finding.trusted
    assert finding.problems == ()
    assert finding.docmdp == "FILL_FORMS"  # a certification: form filling and further signatures only


def test_unsigned_pdf_is_unsigned(rendered, trust_roots):
    result = verify_contract_pdf(rendered.pdf, trust_roots)
    assert result.status == "unsigned"
    assert result.pades_level is None
    assert not result.covers_whole_file


def test_changed_signed_byte_is_invalid_for_both(sealed, trust_roots, nss_db, tmp_path):
    data = bytearray(sealed)
    position = data.index(b"/Title")
    data[position + 1] = ord("t")

    result = verify_contract_pdf(bytes(data), trust_roots)
    assert result.status == "invalid"
    assert "the signed bytes no longer match the signature" in result.signatures[0].problems

    output = pdfsig(bytes(data), nss_db, tmp_path)
    assert "Signature is Valid." not in output
    assert "Signature is Invalid." in output or "Digest Mismatch." in output


# pyHanko 0.38's default diff policy has no annotation level and reports a new
# annotation as OTHER, which the seal's form-filling policy does not allow either.
@pytest.mark.parametrize("change", [_add_page_text, _add_free_text_note], ids=["page text", "annotation"])
def test_update_after_seal_is_modified_for_both(sealed, trust_roots, nss_db, tmp_path, change):
    changed = _append_update(sealed, change)

    result = verify_contract_pdf(changed, trust_roots)
    assert result.status == "modified", result.to_json()
    assert not result.covers_whole_file
    (finding,) = result.signatures
    assert finding.intact and finding.trusted
    assert finding.modification_level == "OTHER"
    assert finding.changes_allowed is False

    output = pdfsig(changed, nss_db, tmp_path)
    assert "Signature is Valid." in output
    assert "Not total document signed" in output


def _retitle(writer: IncrementalPdfFileWriter) -> None:
    """Give the contract a new title, which pyHanko writes to the document information and the XMP."""
    writer.document_meta.title = "押金已免除 Deposit waived"
    writer.update_root()  # pyHanko writes no update without a changed object


def _describe_in_xmp(writer: IncrementalPdfFileWriter) -> None:
    """Replace the XMP packet with one that adds a dc:description, as the fresh-user review did."""
    metadata = writer.root["/Metadata"]
    xmp = metadata.data.replace(
        b"</rdf:RDF>",
        b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        b"<dc:description>deposit waived</dc:description></rdf:Description></rdf:RDF>",
    )
    writer.update_container(metadata)
    metadata._data = xmp
    metadata._encoded_data = None


@pytest.mark.parametrize("change", [_retitle, _describe_in_xmp], ids=["title", "xmp"])
def test_metadata_change_after_seal_is_modified(sealed, trust_roots, nss_db, tmp_path, change):
    changed = _append_update(sealed, change)

    result = verify_contract_pdf(changed, trust_roots)

    assert result.status == "modified", result.to_json()
    (finding,) = result.signatures
    assert finding.changes_allowed is False
    assert any(" changes " in problem for problem in finding.problems)
    output = pdfsig(changed, nss_db, tmp_path)
    assert "Signature is Valid." in output
    assert "Not total document signed" in output


def test_timestamp_after_metadata_change_is_modified(pki_server, sealed, trust_roots):
    retitled = _append_update(sealed, _retitle)
    stamped = add_document_timestamp(retitled, HTTPTimeStamper(pki_server.tsa_url))

    result = verify_contract_pdf(stamped, trust_roots)

    assert result.status == "modified", result.to_json()
    seal_finding = next(finding for finding in result.signatures if finding.kind == "signature")
    assert seal_finding.changes_allowed is False


def test_timestamp_alone_after_seal_is_valid(pki_server, sealed, trust_roots):
    stamped = add_document_timestamp(sealed, HTTPTimeStamper(pki_server.tsa_url))

    result = verify_contract_pdf(stamped, trust_roots)

    assert result.status == "valid", result.to_json()
    assert result.pades_level == "B-T"


def test_untrusted_signer_is_invalid(sealed):
    result = verify_contract_pdf(sealed, [])
    assert result.status == "invalid"
    assert result.signatures[0].intact
    assert "the signer's certificate does not chain to a trusted root" in result.signatures[0].problems


def _encrypted(pdf: bytes) -> bytes:
    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(pdf)))
    writer.encrypt("owner-secret", "user-secret")
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


@pytest.mark.parametrize(
    "damage, code",
    [
        (lambda pdf: pdf[: len(pdf) // 2], "truncated"),
        (lambda pdf: pdf[:-7], "truncated"),
        (lambda pdf: b"", "not_pdf"),
        (lambda pdf: b"GIF89a not a contract at all", "not_pdf"),
        (_encrypted, "encrypted"),
    ],
    ids=["truncated half", "truncated end", "empty", "not a PDF", "encrypted"],
)
def test_damaged_file_is_invalid_with_reason(sealed, trust_roots, damage, code):
    result = verify_contract_pdf(damage(sealed), trust_roots)
    assert result.status == "invalid"
    assert result.error.startswith(f"{code}: ")
    assert [reason.code for reason in result.reasons] == [code]
    assert result.pades_level is None
    assert result.signatures == ()


@pytest.mark.parametrize("junk", [b"appended junk\n", bytes(range(256)) * 20], ids=["short", "long binary"])
def test_junk_after_end_is_invalid(sealed, trust_roots, junk):
    result = verify_contract_pdf(sealed + junk, trust_roots)
    assert result.status == "invalid"
    assert not result.covers_whole_file
    assert [reason.code for reason in result.reasons] == ["trailing_data"]
    assert result.problems[0].startswith("trailing_data: ")
    assert result.signatures[0].intact
    assert result.signatures[0].covers_whole_file is False


def test_trailing_newlines_are_allowed(sealed, trust_roots):
    assert verify_contract_pdf(sealed + b"\r\n\n", trust_roots).status == "valid"


# The command line --------------------------------------------------------------


@pytest.fixture
def run(capsys, tmp_path):
    """Run ``countersign`` in-process; return (status, stdout, stderr)."""
    home = tmp_path / "no-branch"

    def invoke(*arguments: str) -> tuple[int, str, str]:
        status = cli.main(["--home", str(home), *arguments])
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return invoke


def test_cli_valid_contract_exits_zero(run, sealed, authority, tmp_path):
    path = tmp_path / "contract.pdf"
    path.write_bytes(sealed)

    status, out, err = run("contract", "verify", str(path), "--trust", str(authority.root.certificate_path), "--json")

    assert status == 0, err
    payload = json.loads(out)
    assert payload["status"] == "valid"
    assert payload["pades_level"] == "B-B"
    assert payload["covers_whole_file"] is True
    assert payload["signatures"][0]["field"] == "ContractSeal"
    assert payload["signatures"][0]["trusted"] is True


def test_cli_b_t_contract_reports_level_in_text(run, pki_server, seal_pkcs12, rendered, signature_png, authority, tmp_path):
    sealer = ContractSealer.from_pkcs12(seal_pkcs12, SEAL_PASSPHRASE, "北京", ContractTimestamper(pki_server.tsa_url))
    path = tmp_path / "contract.pdf"
    path.write_bytes(sealer.seal(rendered, signature_png, "test").pdf)

    status, out, _ = run("contract", "verify", str(path), "--trust", str(authority.root.certificate_path))

    assert status == 0
    assert "status       valid" in out
    assert "签章有效，签章后文件未被改动。" in out
    assert "pades_level  B-T" in out


@pytest.mark.parametrize(
    "content, status_text",
    [(b"%PDF-1.7\nthis is not a pdf", "invalid"), (None, "unsigned")],
    ids=["corrupt", "unsigned"],
)
def test_cli_bad_contract_exits_one(run, rendered, authority, tmp_path, content, status_text):
    path = tmp_path / "contract.pdf"
    path.write_bytes(rendered.pdf if content is None else content)

    status, out, err = run("contract", "verify", str(path), "--trust", str(authority.root.certificate_path), "--json")

    assert status == 1
    assert json.loads(out)["status"] == status_text
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "damage, code",
    [(_encrypted, "encrypted"), (lambda pdf: pdf + b"appended junk\n", "trailing_data")],
    ids=["encrypted", "trailing data"],
)
def test_cli_damaged_contract_names_reason(run, sealed, authority, tmp_path, damage, code):
    path = tmp_path / "contract.pdf"
    path.write_bytes(damage(sealed))
    trust = ("--trust", str(authority.root.certificate_path))

    status, out, err = run("contract", "verify", str(path), *trust, "--json")
    assert status == 1
    payload = json.loads(out)
    assert payload["status"] == "invalid"
    assert payload["covers_whole_file"] is False
    assert [reason["code"] for reason in payload["reasons"]] == [code]
    assert payload["reasons"][0]["message"]["en"]
    assert "Traceback" not in err

    status, out, err = run("contract", "verify", str(path), *trust)
    assert status == 1
    assert f"reason       {code}: " in out
    assert MESSAGES[code].bilingual() in out
    assert err == ""  # the reason is in the report; log lines go to stderr only with -v

    status, _, err = run("-v", "contract", "verify", str(path), *trust)
    assert "WARNING kiosk.contracts" in err


def test_cli_check_pdf_names_rejection(run, sealed, authority, tmp_path):
    path = tmp_path / "contract.pdf"
    path.write_bytes(_encrypted(sealed))

    status, out, err = run("check-pdf", str(path), "--trust-root", str(authority.root.certificate_path), "--json")

    assert status == 1
    payload = json.loads(out)
    assert payload["ok"] is False
    assert payload["reason"] == "encrypted"
    assert payload["message"] == MESSAGES["encrypted"].to_json()
    assert "Traceback" not in err


def test_cli_check_pdf_flags_trailing_data(run, sealed, authority, tmp_path):
    path = tmp_path / "contract.pdf"
    path.write_bytes(sealed + b"appended junk\n")

    status, out, _ = run("check-pdf", str(path), "--trust-root", str(authority.root.certificate_path), "--json")

    assert status == 1
    payload = json.loads(out)
    assert payload["ok"] is False
    assert [problem["code"] for problem in payload["problems"]] == ["trailing_data"]
    assert payload["signatures"][0]["intact"] is True
    assert payload["signatures"][0]["covers_whole_file"] is False


def test_cli_check_pdf_own_contract_ok(run, sealed, authority, tmp_path):
    path = tmp_path / "contract.pdf"
    path.write_bytes(sealed)

    status, out, _ = run("check-pdf", str(path), "--trust-root", str(authority.root.certificate_path), "--json")

    assert status == 0
    payload = json.loads(out)
    assert payload["ok"] is True
    assert payload["problems"] == []


def test_cli_without_trust_is_invalid_and_says_why(run, sealed, tmp_path):
    path = tmp_path / "contract.pdf"
    path.write_bytes(sealed)

    status, out, _ = run("contract", "verify", str(path))

    assert status == 1
    assert "status       invalid" in out
    assert "No trust root was given" in out


@pytest.mark.parametrize("target", ["missing.pdf", "."], ids=["missing", "directory"])
def test_cli_unreadable_file_exits_two_in_one_line(run, tmp_path, target):
    status, out, err = run("contract", "verify", str(tmp_path / target))

    assert status == 2
    assert out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith("error: cannot read")
    assert line.endswith(" | 错误：无法读取合同文件。")


def test_cli_bad_trust_file_exits_two(run, sealed, tmp_path):
    path = tmp_path / "contract.pdf"
    path.write_bytes(sealed)
    bad_root = tmp_path / "root.pem"
    bad_root.write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")

    status, _, err = run("contract", "verify", str(path), "--trust", str(bad_root))

    assert status == 2
    assert "cannot load a trust root certificate" in err
    assert "Traceback" not in err


def test_cli_public_key_as_trust_exits_two(run, sealed, tmp_path):
    path = tmp_path / "contract.pdf"
    path.write_bytes(sealed)
    key_file = tmp_path / "key.pub.pem"
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    key_file.write_bytes(key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))

    status, _, err = run("contract", "verify", str(path), "--trust", str(key_file))

    assert status == 2
    assert "found a PEM PUBLIC KEY" in err
    assert "unexpected" not in err
