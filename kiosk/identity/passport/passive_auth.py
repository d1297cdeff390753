"""Passive authentication (ICAO 9303 part 11, section 5.1): is the chip's data what the issuing state signed?

Each step is a :class:`kiosk.checks.Check`. Every data group read must hash to the
value in EF.SOD, and the SOD's signature must verify with the document signer (DS)
certificate it carries. That certificate must be issued by one of the branch's CSCA
certificates, and both certificates must be valid at the time of the check.
"""

import hashlib
import hmac
import logging
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from kiosk.checks import Check, Outcome
from kiosk.identity.passport.csca import CscaStore
from kiosk.identity.passport.errors import SodError
from kiosk.identity.passport.sod import LDS_SECURITY_OBJECT_OID, SecurityObject, parse_sod
from kiosk.messages import Message

log = logging.getLogger(__name__)

_HASHES = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}
_SIGNATURE_FAILED = Message(
    "护照芯片数据的签名无效，数据可能被篡改。",
    "The signature over the passport chip's data is not valid; the data may have been altered.",
)
_ALGORITHM_UNSUPPORTED = Message(
    "本机暂不支持该护照所用的签名算法，请工作人员人工核验护照。",
    "This terminal does not support the passport's signature algorithm yet. A member of staff must check the passport by hand.",
)


def passive_authentication(
    sod_data: bytes, data_groups: dict[int, bytes], csca: CscaStore, now: datetime
) -> tuple[Check, ...]:
    """Run every passive authentication step; return one check per step.

    ``data_groups`` maps the number of each data group read to its file. ``now`` is an
    aware datetime for the validity checks. When EF.SOD cannot be parsed, the only
    check returned is ``sod_structure``, failed.
    """
    try:
        sod = parse_sod(sod_data)
    except SodError as error:
        log.warning("passive authentication: EF.SOD rejected: %s", error)
        reason = Message("护照芯片的安全对象（SOD）无法识别。", "The passport chip's security object (SOD) could not be understood.")
        return (Check("sod_structure", Outcome.FAIL, reason, {"error": str(error)}),)

    checks = [check_data_group_hash(number, content, sod) for number, content in sorted(data_groups.items())]
    checks.append(check_sod_signature(sod))
    chain, issuer = check_document_signer_chain(sod, csca)
    checks.append(chain)
    if sod.signer is not None:
        checks.append(check_validity("document_signer_validity", "文档签名证书", "document signer certificate", sod.signer, now))
    if issuer is not None:
        checks.append(check_validity("csca_validity", "签发国证书（CSCA）", "CSCA certificate", issuer, now))

    failed = [check.name for check in checks if not check.passed]
    log.info("passive authentication: %d checks, not passed: %s", len(checks), ", ".join(failed) or "none")
    return tuple(checks)


def check_data_group_hash(number: int, content: bytes, sod: SecurityObject) -> Check:
    """Check that data group ``number`` hashes to the value EF.SOD lists for it."""
    name = f"dg{number}_hash"
    details = {"data_group": number, "hash_algorithm": sod.hash_algorithm}
    expected = sod.data_group_hashes.get(number)
    if expected is None:
        reason = Message(f"安全对象（SOD）中没有 DG{number} 的哈希值。", f"The security object (SOD) has no hash for DG{number}.")
        return Check(name, Outcome.FAIL, reason, details)

    if not hmac.compare_digest(hashlib.new(sod.hash_algorithm, content).digest(), expected):
        log.warning("passive authentication: DG%d does not match its hash in EF.SOD", number)
        reason = Message(
            f"护照芯片中 DG{number} 的数据与签名的哈希值不符，数据可能被篡改。",
            f"DG{number} on the passport chip does not match its signed hash; the data may have been altered.",
        )
        return Check(name, Outcome.FAIL, reason, details)
    reason = Message(f"护照芯片中 DG{number} 的数据与签名的哈希值一致。", f"DG{number} on the passport chip matches its signed hash.")
    return Check(name, Outcome.PASS, reason, details)


def check_sod_signature(sod: SecurityObject) -> Check:
    """Check the signed attributes (content type, message digest) and the DS signature over them."""
    details = {"signature_algorithm": sod.signature_algorithm, "digest_algorithm": sod.digest_algorithm}

    if sod.signer is None:
        reason = Message(
            "安全对象（SOD）中没有文档签名证书，无法验证签名。",
            "The security object (SOD) carries no document signer certificate, so its signature cannot be checked.",
        )
        return Check("sod_signature", Outcome.FAIL, reason, details)
    if sod.content_type_attribute != LDS_SECURITY_OBJECT_OID:
        return _signature_failed(details, f"content-type attribute is {sod.content_type_attribute}")
    if sod.digest_algorithm not in _HASHES:
        return _signature_failed(details, f"digest algorithm {sod.digest_algorithm} is not supported")
    digest = hashlib.new(sod.digest_algorithm, sod.e_content).digest()
    if sod.message_digest is None or not hmac.compare_digest(digest, sod.message_digest):
        return _signature_failed(details, "message-digest attribute does not match the LDS security object")

    try:
        _verify_signature(sod)
    except InvalidSignature:
        return _signature_failed(details, "signature does not verify with the document signer's key")
    except UnsupportedAlgorithm as error:
        log.warning("passive authentication: SOD signature not checked: %s", error)
        return Check("sod_signature", Outcome.REVIEW, _ALGORITHM_UNSUPPORTED, {**details, "error": str(error)})
    except (ValueError, TypeError, KeyError) as error:
        return _signature_failed(details, f"signature cannot be verified: {type(error).__name__}: {error}")

    details["document_signer"] = sod.signer.subject.rfc4514_string()
    reason = Message("护照芯片数据的签名有效。", "The signature over the passport chip's data is valid.")
    return Check("sod_signature", Outcome.PASS, reason, details)


def _signature_failed(details: dict, error: str) -> Check:
    log.warning("passive authentication: SOD signature rejected: %s", error)
    return Check("sod_signature", Outcome.FAIL, _SIGNATURE_FAILED, {**details, "error": error})


def _verify_signature(sod: SecurityObject) -> None:
    """Verify the DS signature over the signed attributes; raises ``InvalidSignature`` when it fails."""
    assert sod.signer is not None
    # NOTE: cryptography 50 loads explicit EC parameters only when they match secp256r1,
    # secp384r1 or secp521r1. DS keys on explicit Brainpool curves, which several issuing
    # states use, raise UnsupportedAlgorithm here, and such documents go to a clerk for review.
    key = sod.signer.public_key()
    digest = _HASHES[sod.digest_algorithm]()

    if isinstance(key, ec.EllipticCurvePublicKey) and sod.signature_algorithm == "ecdsa":
        key.verify(sod.signature, sod.signed_attributes, ec.ECDSA(digest))
    elif isinstance(key, rsa.RSAPublicKey) and sod.signature_algorithm == "rsassa_pkcs1v15":
        key.verify(sod.signature, sod.signed_attributes, padding.PKCS1v15(), digest)
    elif isinstance(key, rsa.RSAPublicKey) and sod.signature_algorithm == "rsassa_pss":
        parameters = sod.pss_parameters or {}
        pss_digest = _HASHES[parameters["hash_algorithm"]["algorithm"]]()
        mgf_digest = _HASHES[parameters["mask_gen_algorithm"]["parameters"]["algorithm"]]()
        pss = padding.PSS(mgf=padding.MGF1(mgf_digest), salt_length=parameters["salt_length"])
        key.verify(sod.signature, sod.signed_attributes, pss, pss_digest)
    else:
        raise UnsupportedAlgorithm(f"{sod.signature_algorithm} with a {type(key).__name__} key")


def check_document_signer_chain(sod: SecurityObject, csca: CscaStore) -> tuple[Check, x509.Certificate | None]:
    """Check that the DS certificate was issued by a configured CSCA; return the check and that CSCA.

    The outcome is ``review`` when no configured CSCA has the DS certificate's issuer
    name (the issuing state's CSCA is missing from the branch's list) or the keys use an
    algorithm this terminal cannot check. It is ``fail`` when a CSCA has that name but
    its key did not sign the certificate.
    """
    if sod.signer is None:
        reason = Message("无法核对文档签名证书的签发机构。", "The document signer certificate cannot be checked against a CSCA.")
        return Check("document_signer_chain", Outcome.FAIL, reason, {}), None

    details = {"issuer": sod.signer.issuer.rfc4514_string(), "configured_cscas": len(csca.certificates)}
    candidates = csca.issuers_of(sod.signer)
    unsupported = False
    for candidate in candidates:
        try:
            sod.signer.verify_directly_issued_by(candidate)
        except UnsupportedAlgorithm as error:
            log.warning("DS certificate cannot be checked against CSCA %s: %s", candidate.serial_number, error)
            unsupported = True
            continue
        except (InvalidSignature, ValueError, TypeError) as error:
            log.info("DS certificate not issued by CSCA %s: %s", candidate.serial_number, error)
            continue
        reason = Message(
            "文档签名证书由受信任的签发国证书（CSCA）签发。",
            "The document signer certificate was issued by a trusted country signing CA (CSCA).",
        )
        return Check("document_signer_chain", Outcome.PASS, reason, details), candidate

    if unsupported:
        return Check("document_signer_chain", Outcome.REVIEW, _ALGORITHM_UNSUPPORTED, details), None
    if not candidates:
        log.warning("passive authentication: no configured CSCA is named %s", details["issuer"])
        reason = Message(
            "本店未配置该证件签发国的证书（CSCA），请工作人员人工核验护照。",
            "This branch has no CSCA certificate of the issuing state. A member of staff must check the passport by hand.",
        )
        return Check("document_signer_chain", Outcome.REVIEW, reason, details), None
    log.warning("passive authentication: DS certificate fails against %d CSCA(s) named %s", len(candidates), details["issuer"])
    reason = Message(
        "文档签名证书不是由受信任的签发国证书（CSCA）签发的，证件可能是伪造的。",
        "The document signer certificate was not issued by a trusted CSCA; the document may be forged.",
    )
    return Check("document_signer_chain", Outcome.FAIL, reason, details), None


def check_validity(name: str, label_zh: str, label_en: str, certificate: x509.Certificate, now: datetime) -> Check:
    """Check that ``certificate`` is valid at ``now`` (an aware datetime)."""
    not_before, not_after = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    details = {"not_before": not_before.isoformat(), "not_after": not_after.isoformat(), "checked_at": now.isoformat()}
    if now < not_before:
        reason = Message(f"{label_zh}尚未生效。", f"The {label_en} is not valid yet.")
        return Check(name, Outcome.FAIL, reason, details)
    if now > not_after:
        reason = Message(
            f"{label_zh}已于 {not_after:%Y-%m-%d} 过期。", f"The {label_en} expired on {not_after:%Y-%m-%d}."
        )
        return Check(name, Outcome.FAIL, reason, details)
    reason = Message(f"{label_zh}在有效期内。", f"The {label_en} is within its validity period.")
    return Check(name, Outcome.PASS, reason, details)
