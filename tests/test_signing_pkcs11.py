"""The company seal from a PKCS#11 token: a SoftHSM2 token per test, checked by pyHanko and by pdfsig."""

import logging

import pytest

from countersign.config import load_config
from countersign.runtime import build_sealer
from kiosk.contracts.sealing import ContractSealer
from kiosk.contracts.signers import (
    Pkcs11KeySource,
    Pkcs11ModuleError,
    Pkcs12KeySource,
    SealKeyFileError,
    SealObjectNotFound,
    TokenNotFound,
    TokenPinRejected,
)
from kiosk.contracts.validation import verify_contract_pdf
from kiosk.errors import ConfigError, SealingError, user_message
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
    softhsm_token,
    trust_roots,
)
from tests.pki.softhsm import import_seal

KEY_LABEL = "company-seal"


def _source(token, tmp_path, **changes) -> Pkcs11KeySource:
    pin_file = tmp_path / "seal.pin"
    if not pin_file.exists():
        pin_file.write_text(token.pin + "\n")
        pin_file.chmod(0o600)
    values = {"module": token.module, "token_label": token.label, "key_label": KEY_LABEL, "pin_file": pin_file}
    values.update(changes)
    return Pkcs11KeySource(**values)


def test_token_seal_is_valid_for_pyhanko_and_pdfsig(softhsm_token, seal, rendered, signature_png, trust_roots, nss_db, tmp_path):
    import_seal(softhsm_token, seal, KEY_LABEL)
    sealer = ContractSealer.open(_source(softhsm_token, tmp_path), "北京")
    try:
        sealed = sealer.seal(rendered, signature_png, reason="test")
    finally:
        sealer.close()

    result = verify_contract_pdf(sealed.pdf, trust_roots)
    assert result.status == "valid", result.to_json()
    assert result.pades_level == "B-B"
    assert result.covers_whole_file
    assert "合同专用章" in sealed.signer_subject

    output = pdfsig(sealed.pdf, nss_db, tmp_path)
    assert "Signature Validation: Signature is Valid." in output
    assert "Certificate Validation: Certificate is Trusted." in output
    assert "Total document signed" in output
    assert "ETSI.CAdES.detached" in output


def test_rsa_key_on_token_signs(softhsm_token, authority, rendered, signature_png, trust_roots, tmp_path):
    import_seal(softhsm_token, authority.issue_seal("rsa-seal", key_type="rsa"), KEY_LABEL)
    sealer = ContractSealer.open(_source(softhsm_token, tmp_path), "北京")
    try:
        sealed = sealer.seal(rendered, signature_png, reason="test")
    finally:
        sealer.close()

    result = verify_contract_pdf(sealed.pdf, trust_roots)
    assert result.status == "valid", result.to_json()
    assert "rsa-seal" in sealed.signer_subject


def test_wrong_pin_names_token_and_file_not_pin(softhsm_token, seal, tmp_path, caplog):
    import_seal(softhsm_token, seal, KEY_LABEL)
    pin_file = tmp_path / "wrong.pin"
    pin_file.write_text("97531\n")

    with caplog.at_level(logging.DEBUG), pytest.raises(TokenPinRejected) as caught:
        ContractSealer.open(_source(softhsm_token, tmp_path, pin_file=pin_file), "北京")

    text = str(caught.value)
    assert f"'{softhsm_token.label}'" in text
    assert str(softhsm_token.module) in text
    assert str(pin_file) in text
    assert "97531" not in text
    assert "97531" not in caplog.text
    assert isinstance(caught.value, SealingError)
    assert user_message(caught.value).en.startswith("The contract seal key is not available")


def test_missing_token_lists_tokens_present(softhsm_token, seal, tmp_path):
    import_seal(softhsm_token, seal, KEY_LABEL)
    with pytest.raises(TokenNotFound) as caught:
        ContractSealer.open(_source(softhsm_token, tmp_path, token_label="Branch HSM 2"), "北京")

    text = str(caught.value)
    assert "'Branch HSM 2' not found" in text
    assert str(softhsm_token.module) in text
    assert f"'{softhsm_token.label}'" in text


def test_missing_key_label_lists_labels_present(softhsm_token, seal, tmp_path):
    import_seal(softhsm_token, seal, KEY_LABEL)
    with pytest.raises(SealObjectNotFound) as caught:
        ContractSealer.open(_source(softhsm_token, tmp_path, key_label="seal-2027"), "北京")

    text = str(caught.value)
    assert "no private key labelled 'seal-2027'" in text
    assert f"'{KEY_LABEL}'" in text
    assert f"'{softhsm_token.label}'" in text


def test_key_without_certificate_is_reported(softhsm_token, seal, tmp_path):
    import_seal(softhsm_token, seal, KEY_LABEL)
    with pytest.raises(SealObjectNotFound, match="no certificate labelled 'other-cert'"):
        ContractSealer.open(_source(softhsm_token, tmp_path, cert_label="other-cert"), "北京")


def test_empty_token_has_no_key(softhsm_token, tmp_path):
    with pytest.raises(SealObjectNotFound, match="private key labels present: none"):
        ContractSealer.open(_source(softhsm_token, tmp_path), "北京")


@pytest.mark.parametrize("module", ["/usr/lib/softhsm/no-such-module.so", "/etc/hostname"], ids=["missing", "not a library"])
def test_bad_module_is_reported(softhsm_token, tmp_path, module):
    with pytest.raises(Pkcs11ModuleError) as caught:
        ContractSealer.open(_source(softhsm_token, tmp_path, module=type(softhsm_token.module)(module)), "北京")
    assert module in str(caught.value)


def test_missing_pin_file_is_reported(softhsm_token, tmp_path):
    missing = tmp_path / "no-such.pin"
    with pytest.raises(SealKeyFileError, match="PIN file .*no-such.pin"):
        ContractSealer.open(_source(softhsm_token, tmp_path, pin_file=missing), "北京")


def test_pkcs12_source_opens_and_wrong_passphrase_fails(seal_pkcs12, rendered, signature_png, trust_roots, tmp_path):
    passphrase_file = tmp_path / "seal.pass"
    passphrase_file.write_bytes(SEAL_PASSPHRASE + b"\n")
    sealer = ContractSealer.open(Pkcs12KeySource(seal_pkcs12, passphrase_file), "北京")
    assert verify_contract_pdf(sealer.seal(rendered, signature_png, "test").pdf, trust_roots).status == "valid"

    passphrase_file.write_bytes(b"not the passphrase")
    with pytest.raises(SealKeyFileError, match="wrong passphrase"):
        ContractSealer.open(Pkcs12KeySource(seal_pkcs12, passphrase_file), "北京")


def _use_pkcs11(home, token, pin_file, extra: str = "") -> None:
    config = home / "branch.toml"
    text = config.read_text()
    start = text.index("[signing]")
    end = text.index("\n[", start + 1)
    table = (
        "[signing]\n"
        'kind = "pkcs11"\n'
        f'module = "{token.module}"\n'
        f'token_label = "{token.label}"\n'
        f'key_label = "{KEY_LABEL}"\n'
        f'pin_file = "{pin_file}"\n'
        'trust_roots = ["pki/demo-root-ca.pem"]\n'
        f"{extra}"
    )
    config.write_text(text[:start] + table + text[end:])


def test_branch_configuration_builds_token_sealer(branch_home, softhsm_token, seal, rendered, signature_png, trust_roots, tmp_path):
    import_seal(softhsm_token, seal, KEY_LABEL)
    pin_file = tmp_path / "branch.pin"
    pin_file.write_text(softhsm_token.pin)
    _use_pkcs11(branch_home, softhsm_token, pin_file, 'tsa_timeout = 2.5\n')

    config = load_config(branch_home)
    assert config.seal_key == Pkcs11KeySource(softhsm_token.module, softhsm_token.label, KEY_LABEL, pin_file)
    assert config.tsa_url is None
    assert config.tsa_timeout == 2.5

    sealer = build_sealer(config)
    try:
        sealed = sealer.seal(rendered, signature_png, reason="test")
    finally:
        sealer.close()
    assert sealed.pades_level == "B-B"
    assert sealed.timestamp_pending is None
    assert verify_contract_pdf(sealed.pdf, trust_roots).status == "valid"


@pytest.mark.parametrize(
    "extra, message",
    [
        ('pkcs12 = "pki/company-seal.p12"\n', "so signing.pkcs12 does not apply"),
        ("tsa_timeout = 30\n", "signing.tsa_timeout is 30"),
        ('tsa_url = "tsa.example"\n', "must be an http:// or https:// URL"),
        ('key_label = ""\n', "cannot be read"),
    ],
    ids=["other kind's key", "long TSA wait", "TSA URL without scheme", "duplicate key"],
)
def test_bad_signing_table_is_reported(branch_home, softhsm_token, tmp_path, extra, message):
    _use_pkcs11(branch_home, softhsm_token, tmp_path / "branch.pin", extra)
    with pytest.raises(ConfigError) as caught:
        load_config(branch_home)
    assert message in str(caught.value)


def test_missing_pkcs11_keys_are_named(branch_home):
    config = branch_home / "branch.toml"
    config.write_text(config.read_text().replace('kind = "pkcs12"', 'kind = "pkcs11"'))
    with pytest.raises(ConfigError) as caught:
        load_config(branch_home)
    assert "missing: signing.module, signing.token_label, signing.key_label, signing.pin_file" in str(caught.value)


def test_readable_pin_file_is_logged(softhsm_token, seal, tmp_path, caplog):
    import_seal(softhsm_token, seal, KEY_LABEL)
    source = _source(softhsm_token, tmp_path)
    source.pin_file.chmod(0o644)

    with caplog.at_level(logging.WARNING):
        ContractSealer.open(source, "北京").close()

    assert "can be read by other users" in caplog.text
    assert softhsm_token.pin not in caplog.text
