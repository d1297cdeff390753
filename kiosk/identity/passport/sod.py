"""EF.SOD, the document security object (ICAO 9303 part 10, section 4.6.2, and part 12).

EF.SOD is tag 77 around a CMS SignedData (RFC 5652) whose encapsulated content, of
type id-icao-mrtd-security-ldsSecurityObject, is an LDSSecurityObject: the hash
algorithm and the hash of every data group. The document signer (DS) certificate
travels in the SignedData's certificates.
"""

import logging
from dataclasses import dataclass, field

from asn1crypto import algos, cms, core
from cryptography import x509

from devices.passport.tlv import TlvError, read_tlv
from kiosk.identity.passport.errors import SodError

log = logging.getLogger(__name__)

TAG_SOD = 0x77
LDS_SECURITY_OBJECT_OID = "2.23.136.1.1.1"
HASH_ALGORITHMS = {"sha1", "sha224", "sha256", "sha384", "sha512"}

# asn1crypto raises these for malformed DER, sometimes only when a value is first read.
# cryptography raises ValueError, or InvalidVersion for a certificate version other than 1 or 3.
_DECODING_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError, x509.InvalidVersion)


class DataGroupHash(core.Sequence):
    _fields = [("data_group_number", core.Integer), ("data_group_hash_value", core.OctetString)]


class DataGroupHashes(core.SequenceOf):
    _child_spec = DataGroupHash


class LdsVersionInfo(core.Sequence):
    _fields = [("lds_version", core.PrintableString), ("unicode_version", core.PrintableString)]


class LdsSecurityObject(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("data_group_hash_values", DataGroupHashes),
        ("lds_version_info", LdsVersionInfo, {"optional": True}),
    ]


@dataclass(frozen=True)
class SecurityObject:
    """The parts of EF.SOD that passive authentication uses.

    ``signed_attributes`` is the DER of the signed attributes as a SET, which is what
    the signature covers. ``certificates`` are those in the SignedData, and
    ``signer`` picks the DS certificate among them (``None`` when none matches the
    signer identifier). ``signature_algorithm`` is asn1crypto's name
    ("rsassa_pkcs1v15", "rsassa_pss", "ecdsa"); ``pss_parameters`` is set for PSS.
    """

    hash_algorithm: str
    data_group_hashes: dict[int, bytes] = field(repr=False)
    e_content: bytes = field(repr=False)
    content_type_attribute: str | None
    message_digest: bytes | None = field(repr=False)
    digest_algorithm: str
    signature_algorithm: str
    pss_parameters: dict | None = field(repr=False)
    signed_attributes: bytes = field(repr=False)
    signature: bytes = field(repr=False)
    certificates: tuple[x509.Certificate, ...] = field(repr=False)
    signer: x509.Certificate | None = field(repr=False)


def parse_sod(data: bytes) -> SecurityObject:
    """Parse EF.SOD; raises :class:`SodError` when any layer of it is malformed or not what 9303 prescribes.

    Checks structure only: hashes and the signature are checked by
    :mod:`kiosk.identity.passport.passive_auth`.
    """
    try:
        outer = read_tlv(data)
    except TlvError as error:
        raise SodError(f"EF.SOD is not well-formed BER-TLV: {error}") from error
    if outer.tag != TAG_SOD or outer.end != len(data):
        raise SodError(f"EF.SOD starts with tag {outer.tag:X} or has trailing bytes; expected exactly one object 77")

    try:
        security_object = _parse_signed_data(outer.value)
    except SodError:
        raise
    except _DECODING_ERRORS as error:
        raise SodError(f"EF.SOD's CMS structure is malformed: {type(error).__name__}: {error}") from error
    log.info(
        "EF.SOD parsed: %s hashes of DG %s, %d certificate(s)",
        security_object.hash_algorithm,
        ",".join(str(number) for number in sorted(security_object.data_group_hashes)),
        len(security_object.certificates),
    )
    return security_object


def _parse_signed_data(content_info_der: bytes) -> SecurityObject:
    content_info = cms.ContentInfo.load(content_info_der, strict=True)
    if content_info["content_type"].dotted != "1.2.840.113549.1.7.2":
        raise SodError(f"EF.SOD contains CMS content {content_info['content_type'].dotted}, not SignedData")
    signed_data = content_info["content"]

    encapsulated = signed_data["encap_content_info"]
    if encapsulated["content_type"].dotted != LDS_SECURITY_OBJECT_OID:
        raise SodError(f"SignedData contains {encapsulated['content_type'].dotted}, not an LDS security object")
    if encapsulated["content"].native is None:
        raise SodError("SignedData has no encapsulated LDS security object")
    e_content = bytes(encapsulated["content"].contents)
    lds_object = LdsSecurityObject.load(e_content, strict=True)

    hash_algorithm = lds_object["hash_algorithm"]["algorithm"].native
    if hash_algorithm not in HASH_ALGORITHMS:
        raise SodError(f"LDS security object uses hash algorithm {hash_algorithm}, which is not supported")
    hashes: dict[int, bytes] = {}
    for entry in lds_object["data_group_hash_values"]:
        number = entry["data_group_number"].native
        if not 1 <= number <= 16 or number in hashes:
            raise SodError(f"LDS security object lists data group {number} twice or outside 1..16")
        hashes[number] = entry["data_group_hash_value"].native

    signer_infos = signed_data["signer_infos"]
    if len(signer_infos) != 1:
        raise SodError(f"SignedData has {len(signer_infos)} signers; ICAO 9303 requires exactly one")
    signer_info = signer_infos[0]
    certificates = tuple(_load_certificates(signed_data))
    signed_attributes = signer_info["signed_attrs"]
    if not signed_attributes:
        raise SodError("the signer has no signed attributes; ICAO 9303 requires them")

    content_type, message_digest = _read_attributes(signed_attributes)
    signature_algorithm = signer_info["signature_algorithm"]
    pss_parameters = None
    if signature_algorithm.signature_algo == "rsassa_pss":
        pss_parameters = signature_algorithm["parameters"].native
    # The signature covers the attributes encoded as a SET (tag 31), not as the [0] field that carries them.
    signed_der = b"\x31" + signed_attributes.dump()[1:]

    return SecurityObject(
        hash_algorithm=hash_algorithm,
        data_group_hashes=hashes,
        e_content=e_content,
        content_type_attribute=content_type,
        message_digest=message_digest,
        digest_algorithm=signer_info["digest_algorithm"]["algorithm"].native,
        signature_algorithm=signature_algorithm.signature_algo,
        pss_parameters=pss_parameters,
        signed_attributes=signed_der,
        signature=signer_info["signature"].native,
        certificates=certificates,
        signer=_find_signer(signer_info["sid"], certificates),
    )


def _load_certificates(signed_data: cms.SignedData) -> list[x509.Certificate]:
    """Load the SignedData's certificates, reading now the fields that ``cryptography`` would parse later.

    ``cryptography`` decodes names, dates and extensions on first use, so a malformed
    one would otherwise raise far from here. The public key is left for the signature
    check, which reports keys it cannot use (such as explicit curve parameters).
    """
    loaded = []
    for choice in signed_data["certificates"] or []:
        if choice.name != "certificate":
            continue
        certificate = x509.load_der_x509_certificate(choice.chosen.dump())
        certificate.subject, certificate.issuer, certificate.extensions  # noqa: B018
        certificate.not_valid_before_utc, certificate.not_valid_after_utc  # noqa: B018
        loaded.append(certificate)
    return loaded


def _read_attributes(signed_attributes: cms.CMSAttributes) -> tuple[str | None, bytes | None]:
    content_type = message_digest = None
    for attribute in signed_attributes:
        name = attribute["type"].native
        values = attribute["values"]
        if len(values) != 1:
            raise SodError(f"signed attribute {name} has {len(values)} values, expected one")
        if name == "content_type":
            content_type = values[0].dotted
        elif name == "message_digest":
            message_digest = values[0].native
    return content_type, message_digest


def _find_signer(sid: cms.SignerIdentifier, certificates: tuple[x509.Certificate, ...]) -> x509.Certificate | None:
    """Return the certificate the signer identifier names: by issuer and serial number, or by key identifier."""
    for certificate in certificates:
        if sid.name == "issuer_and_serial_number":
            issuer = sid.chosen["issuer"].dump()
            serial = sid.chosen["serial_number"].native
            if certificate.serial_number == serial and certificate.issuer.public_bytes() == issuer:
                return certificate
        elif sid.name == "subject_key_identifier":
            try:
                identifier = certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
            except x509.ExtensionNotFound:
                continue
            if identifier == sid.chosen.native:
                return certificate
    return None
