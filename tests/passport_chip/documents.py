"""Test passports made from scratch: a CSCA and document signer, the LDS files, and an SOD they sign.

Everything here encodes independently of the kiosk's parsers (its own TLV encoder,
ASN.1 schema and check digits), so that a parser bug is not mirrored by the data.
"""

import datetime
import hashlib
import io
import struct
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import algos, cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from PIL import Image

LDS_SECURITY_OBJECT = "2.23.136.1.1.1"
UTC = datetime.timezone.utc
NOW = datetime.datetime.now(UTC)


# --- MRZ --------------------------------------------------------------------------

def mrz_check_digit(text: str) -> str:
    values = {**{str(d): d for d in range(10)}, **{chr(65 + i): 10 + i for i in range(26)}, "<": 0}
    return str(sum(values[c] * (7, 3, 1)[i % 3] for i, c in enumerate(text)) % 10)


def td3_mrz(surname: str, given: str, number: str, nationality: str, birth: str, sex: str, expiry: str,
            personal: str = "", state: str = "UTO") -> str:
    """Return a TD3 MRZ (two lines) with its check digits computed here."""
    name = (surname + "<<" + given.replace(" ", "<")).ljust(39, "<")[:39]
    line1 = f"P<{state}{name}"
    number_field = number.ljust(9, "<")
    personal_field = personal.ljust(14, "<")
    personal_check = mrz_check_digit(personal_field) if personal else "<"
    line2 = (
        number_field + mrz_check_digit(number_field) + nationality + birth + mrz_check_digit(birth) + sex
        + expiry + mrz_check_digit(expiry) + personal_field + personal_check
    )
    composite = line2[0:10] + line2[13:20] + line2[21:43]
    return line1 + "\n" + line2 + mrz_check_digit(composite)


def mrz_information(mrz: str) -> str:
    line2 = mrz.splitlines()[1]
    return line2[0:10] + line2[13:20] + line2[21:28]


# --- BER-TLV ----------------------------------------------------------------------

def tlv(tag: int, value: bytes) -> bytes:
    tag_bytes = tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big")
    if len(value) < 0x80:
        length = bytes([len(value)])
    elif len(value) < 0x100:
        length = b"\x81" + bytes([len(value)])
    else:
        length = b"\x82" + len(value).to_bytes(2, "big")
    return tag_bytes + length + value


def make_com(tags: bytes = b"\x61\x75") -> bytes:
    return tlv(0x60, tlv(0x5F01, b"0107") + tlv(0x5F36, b"040000") + tlv(0x5C, tags))


def make_dg1(mrz: str) -> bytes:
    return tlv(0x61, tlv(0x5F1F, mrz.replace("\n", "").encode("ascii")))


def make_dg2(image: bytes, jpeg2000: bool, width: int, height: int) -> bytes:
    """Wrap an image in an ISO/IEC 19794-5:2005 facial record inside the DG2 templates."""
    image_information = struct.pack(">BBHHBBHH", 1, 1 if jpeg2000 else 0, width, height, 1, 2, 0, 0)
    face_header = struct.pack(">IHBBB3sH3s3s", 20 + 12 + len(image), 0, 0, 0, 0, b"\0\0\0", 0, b"\0\0\0", b"\0\0\0")
    body = face_header + image_information + image
    record = struct.pack(">4s4sIH", b"FAC\0", b"010\0", 14 + len(body), 1) + body
    header = tlv(0xA1, tlv(0x80, b"\x01\x01") + tlv(0x81, b"\x02") + tlv(0x87, b"\x01\x01") + tlv(0x88, b"\x00\x08"))
    return tlv(0x75, tlv(0x7F61, tlv(0x02, b"\x01") + tlv(0x7F60, header + tlv(0x5F2E, record))))


def pace_card_access() -> bytes:
    """EF.CardAccess with one PACEInfo: id-PACE-ECDH-GM-AES-CBC-CMAC-128, version 2, brainpoolP256r1 (13)."""
    oid = bytes.fromhex("04007F00070202040202")
    return tlv(0x31, tlv(0x30, tlv(0x06, oid) + tlv(0x02, b"\x02") + tlv(0x02, b"\x0d")))


# --- Face images ------------------------------------------------------------------

def face_image(photo: Path, jpeg2000: bool, target_bytes: int = 20_000) -> tuple[bytes, int, int]:
    """Encode ``photo`` at ICAO-like size (about 360 pixels wide) to about ``target_bytes``."""
    image = Image.open(photo).convert("RGB")
    width = 360
    image = image.resize((width, round(image.height * width / image.width)))
    if jpeg2000:
        pixels = image.width * image.height * 3
        output = io.BytesIO()
        image.save(output, "JPEG2000", quality_mode="rates", quality_layers=[pixels / target_bytes])
        return output.getvalue(), image.width, image.height
    best = b""
    for quality in range(95, 20, -5):
        output = io.BytesIO()
        image.save(output, "JPEG", quality=quality)
        best = output.getvalue()
        if len(best) <= target_bytes:
            break
    return best, image.width, image.height


# --- PKI --------------------------------------------------------------------------

@dataclass
class Signer:
    key: object = field(repr=False)
    certificate: x509.Certificate


def _name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "UT"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Utopia Passport Office"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _new_key(kind: str):
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def make_csca(common_name: str = "Utopia CSCA", kind: str = "ec", years: int = 15) -> Signer:
    key = _new_key(kind)
    name = _name(common_name)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - datetime.timedelta(days=365))
        .not_valid_after(NOW + datetime.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return Signer(key, certificate)


def make_document_signer(csca: Signer, kind: str = "ec", not_before=None, not_after=None) -> Signer:
    key = _new_key(kind)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name("Utopia Document Signer"))
        .issuer_name(csca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - datetime.timedelta(days=30))
        .not_valid_after(not_after or NOW + datetime.timedelta(days=365 * 10))
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        .sign(csca.key, hashes.SHA256())
    )
    return Signer(key, certificate)


def csca_pem(signer: Signer) -> bytes:
    return signer.certificate.public_bytes(serialization.Encoding.PEM)


# --- EF.SOD -----------------------------------------------------------------------

class _DataGroupHash(core.Sequence):
    _fields = [("number", core.Integer), ("hash", core.OctetString)]


class _LdsSecurityObject(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("algorithm", algos.DigestAlgorithm),
        ("hashes", core.SequenceOf, {"spec": _DataGroupHash}),
    ]


def make_sod(data_groups: dict[int, bytes], signer: Signer, hash_name: str = "sha256", pss: bool = False) -> bytes:
    """Return EF.SOD: tag 77 around CMS SignedData over the LDS security object of ``data_groups``."""
    e_content = _LdsSecurityObject({
        "version": 0,
        "algorithm": {"algorithm": hash_name},
        "hashes": [{"number": n, "hash": hashlib.new(hash_name, content).digest()} for n, content in sorted(data_groups.items())],
    }).dump()

    attributes = cms.CMSAttributes([
        {"type": "content_type", "values": [LDS_SECURITY_OBJECT]},
        {"type": "message_digest", "values": [hashlib.new(hash_name, e_content).digest()]},
    ])
    to_sign = attributes.dump()
    digest = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha1": hashes.SHA1()}[hash_name]
    if isinstance(signer.key, rsa.RSAPrivateKey) and pss:
        pss_padding = padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
        signature = signer.key.sign(to_sign, pss_padding, digest)
        signature_algorithm = {
            "algorithm": "rsassa_pss",
            "parameters": {
                "hash_algorithm": {"algorithm": hash_name},
                "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": hash_name}},
                "salt_length": digest.digest_size,
            },
        }
    elif isinstance(signer.key, rsa.RSAPrivateKey):
        signature = signer.key.sign(to_sign, padding.PKCS1v15(), digest)
        signature_algorithm = {"algorithm": f"{hash_name}_rsa"}
    else:
        signature = signer.key.sign(to_sign, ec.ECDSA(digest))
        signature_algorithm = {"algorithm": f"{hash_name}_ecdsa"}

    certificate = asn1_x509.Certificate.load(signer.certificate.public_bytes(serialization.Encoding.DER))
    signer_info = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({
            "issuer_and_serial_number": {"issuer": certificate.issuer, "serial_number": certificate.serial_number}
        }),
        "digest_algorithm": {"algorithm": hash_name},
        "signed_attrs": attributes,
        "signature_algorithm": signature_algorithm,
        "signature": signature,
    })
    signed_data = cms.SignedData({
        "version": "v3",
        "digest_algorithms": [{"algorithm": hash_name}],
        "encap_content_info": {"content_type": LDS_SECURITY_OBJECT, "content": e_content},
        "certificates": [certificate],
        "signer_infos": [signer_info],
    })
    return tlv(0x77, cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump())


# --- A whole passport ---------------------------------------------------------------

@dataclass
class SamplePassport:
    mrz: str
    files: dict[int, bytes] = field(repr=False)
    face: bytes = field(repr=False)

    @property
    def mrz_information(self) -> str:
        return mrz_information(self.mrz)


def make_passport(mrz: str, photo: Path, signer: Signer, jpeg2000: bool = False, pss: bool = False) -> SamplePassport:
    """Build EF.COM, DG1, DG2 (the face from ``photo``) and an SOD that ``signer`` signs over them."""
    face, width, height = face_image(photo, jpeg2000)
    dg1, dg2 = make_dg1(mrz), make_dg2(face, jpeg2000, width, height)
    sod = make_sod({1: dg1, 2: dg2}, signer, pss=pss)
    files = {0x011E: make_com(), 0x0101: dg1, 0x0102: dg2, 0x011D: sod}
    return SamplePassport(mrz, files, face)
