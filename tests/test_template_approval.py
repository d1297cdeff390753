"""Approval of template versions by HQ's template key: real keys, real files, every refusal."""

import json
import logging
import shutil
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from countersign.config import load_config
from countersign.demo_templates import DEMO_REVIEWER, provision_demo_templates
from countersign.runtime import BranchRuntime
from kiosk.contracts import template_keys
from kiosk.contracts.approval import (
    APPROVAL_FILE,
    WITHDRAWAL_LIST_FILE,
    Withdrawal,
    approve_template,
    load_approved_template,
    sign_withdrawal_list,
)
from kiosk.contracts.template import load_template
from kiosk.contracts.template_errors import (
    TemplateAltered,
    TemplateApprovalMalformed,
    TemplateKeyUnusable,
    TemplateNotApproved,
    TemplateSignatureInvalid,
    TemplateWithdrawn,
    WithdrawalListInvalid,
)
from kiosk.errors import TemplateError, user_message

ZONE = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 11, 30, 9, 0, tzinfo=ZONE)
ID, VERSION = "rental-agreement", "1"


@pytest.fixture
def demo(tmp_path):
    """A folder of templates approved by a fresh demo HQ key, as demo provisioning makes it."""
    return provision_demo_templates(tmp_path, AT)


@pytest.fixture
def version_folder(demo) -> Path:
    return demo.templates_dir / ID / f"v{VERSION}"


def _load(demo, key_file: Path | None = None):
    return load_approved_template(demo.templates_dir, ID, VERSION, key_file or demo.hq_public_key)


def _hq_private_key(demo) -> template_keys.PrivateKey:
    return template_keys.load_private_key(demo.hq_private_key)


def _write_key(path: Path, key) -> Path:
    path.write_bytes(template_keys.public_key_pem(key.public_key()))
    return path


def test_demo_approval_verifies(demo):
    template = _load(demo)
    assert template.approval is not None
    assert template.approval.reviewer == DEMO_REVIEWER
    assert template.approval.sha256 == template.sha256
    assert template.approval.approved_at == "2026-11-30T09:00:00+08:00"
    assert (demo.hq_private_key.stat().st_mode & 0o777) == 0o600


def test_missing_approval_is_refused(demo, version_folder, caplog):
    (version_folder / APPROVAL_FILE).unlink()
    with caplog.at_level(logging.ERROR, logger="kiosk.contracts.approval"), pytest.raises(TemplateNotApproved) as caught:
        _load(demo)
    message = user_message(caught.value)
    assert "合同模板 rental-agreement 第 1 版不能使用：未经总部法务审批" in message.zh
    assert "version 1 cannot be used: headquarters' legal reviewer has not approved it" in message.en
    assert caught.value.code == "not_approved"
    assert "contract template rental-agreement v1 refused: " in caplog.text


def test_altered_template_is_refused(demo, version_folder):
    path = version_folder / "template.json"
    path.write_text(path.read_text(encoding="utf-8").replace("30 日内", "90 日内"), encoding="utf-8")
    with pytest.raises(TemplateAltered) as caught:
        _load(demo)
    assert caught.value.approved_sha256 != caught.value.actual_sha256
    assert "模板文件在审批后被修改" in caught.value.message.zh
    assert "changed after approval" in caught.value.message.en


def test_whitespace_change_counts_as_alteration(demo, version_folder):
    path = version_folder / "template.json"
    path.write_bytes(path.read_bytes() + b"\n")
    with pytest.raises(TemplateAltered):
        _load(demo)


def test_approval_by_another_key_is_refused(demo, version_folder):
    other_key = ed25519.Ed25519PrivateKey.generate()
    approval = approve_template(load_template(demo.templates_dir, ID, VERSION), other_key, "someone", AT)
    (version_folder / APPROVAL_FILE).write_bytes(approval.to_bytes())
    with pytest.raises(TemplateSignatureInvalid) as caught:
        _load(demo)
    assert caught.value.wrong_key
    assert caught.value.code == "wrong_key"
    assert "不是用总部模板密钥签署的" in caught.value.message.zh


def test_edited_approval_fails_signature(demo, version_folder):
    path = version_folder / APPROVAL_FILE
    document = json.loads(path.read_text(encoding="utf-8"))
    document["reviewer"] = "另一位审核人"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(TemplateSignatureInvalid) as caught:
        _load(demo)
    assert caught.value.code == "signature_invalid"


def test_approval_hash_moved_to_altered_template_fails_signature(demo, version_folder):
    """Editing the template and the hash in its approval together does not pass as approved."""
    template_path = version_folder / "template.json"
    template_path.write_text(template_path.read_text(encoding="utf-8").replace("30 日内", "90 日内"), encoding="utf-8")
    approval_path = version_folder / APPROVAL_FILE
    document = json.loads(approval_path.read_text(encoding="utf-8"))
    document["sha256"] = load_template(demo.templates_dir, ID, VERSION).sha256
    approval_path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(TemplateSignatureInvalid):
        _load(demo)


def test_approval_of_another_version_is_refused(demo, version_folder):
    key = _hq_private_key(demo)
    other_folder = demo.templates_dir / ID / "v2"
    other_folder.mkdir()
    document = json.loads((version_folder / "template.json").read_text(encoding="utf-8"))
    document["version"] = "2"
    (other_folder / "template.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    approval = approve_template(load_template(demo.templates_dir, ID, "2"), key, "reviewer", AT)
    (version_folder / APPROVAL_FILE).write_bytes(approval.to_bytes())
    with pytest.raises(TemplateNotApproved, match="the approval file is for rental-agreement v2"):
        _load(demo)


@pytest.mark.parametrize(
    "content, detail",
    [
        (b"{not json", "not UTF-8 JSON"),
        (b"[" * 100_000, "not UTF-8 JSON"),
        (b"[]", "keys are list"),
        (json.dumps({"sha256": "00"}).encode(), "keys are ['sha256']"),
    ],
)
def test_malformed_approval_is_refused(demo, version_folder, content, detail):
    (version_folder / APPROVAL_FILE).write_bytes(content)
    with pytest.raises(TemplateApprovalMalformed) as caught:
        _load(demo)
    assert detail in str(caught.value)
    assert "审批文件格式有误" in caught.value.message.zh


def test_approval_with_bad_base64_is_refused(demo, version_folder):
    path = version_folder / APPROVAL_FILE
    document = json.loads(path.read_text(encoding="utf-8"))
    document["signature"] = "not base64!"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(TemplateApprovalMalformed, match="signature must be non-empty base64"):
        _load(demo)


def test_withdrawn_version_is_refused(demo):
    template = load_template(demo.templates_dir, ID, VERSION)
    withdrawal = Withdrawal(ID, VERSION, template.sha256, "法务部 张三", "押金条款需修订", "2026-12-01T09:00:00+08:00")
    withdrawal_list = sign_withdrawal_list([withdrawal], _hq_private_key(demo), AT)
    (demo.templates_dir / WITHDRAWAL_LIST_FILE).write_bytes(withdrawal_list.to_bytes())
    with pytest.raises(TemplateWithdrawn) as caught:
        _load(demo)
    assert "已于 2026-12-01T09:00:00+08:00 被总部撤回（押金条款需修订）" in caught.value.message.zh
    assert "headquarters withdrew it on 2026-12-01T09:00:00+08:00" in caught.value.message.en


def test_withdrawal_matches_content_under_another_version(demo):
    template = load_template(demo.templates_dir, ID, VERSION)
    withdrawal = Withdrawal(ID, "0", template.sha256, "reviewer", "same text as a withdrawn draft", "2026-12-01T09:00:00+08:00")
    (demo.templates_dir / WITHDRAWAL_LIST_FILE).write_bytes(sign_withdrawal_list([withdrawal], _hq_private_key(demo), AT).to_bytes())
    with pytest.raises(TemplateWithdrawn):
        _load(demo)


def test_withdrawal_of_other_version_leaves_this_one(demo):
    withdrawal = Withdrawal(ID, "0", "0" * 64, "reviewer", "old draft", "2026-12-01T09:00:00+08:00")
    (demo.templates_dir / WITHDRAWAL_LIST_FILE).write_bytes(sign_withdrawal_list([withdrawal], _hq_private_key(demo), AT).to_bytes())
    assert _load(demo).approval is not None


def test_missing_withdrawal_list_is_allowed(demo):
    (demo.templates_dir / WITHDRAWAL_LIST_FILE).unlink()
    assert _load(demo).approval is not None


def test_withdrawal_list_by_another_key_is_refused(demo):
    other_list = sign_withdrawal_list([], ed25519.Ed25519PrivateKey.generate(), AT)
    (demo.templates_dir / WITHDRAWAL_LIST_FILE).write_bytes(other_list.to_bytes())
    with pytest.raises(WithdrawalListInvalid, match="not signed with HQ's template key") as caught:
        _load(demo)
    assert "所有模板暂停使用" in caught.value.message.zh


def test_withdrawal_list_with_entry_removed_is_refused(demo):
    template = load_template(demo.templates_dir, ID, VERSION)
    withdrawal = Withdrawal(ID, VERSION, template.sha256, "reviewer", "reason", "2026-12-01T09:00:00+08:00")
    path = demo.templates_dir / WITHDRAWAL_LIST_FILE
    path.write_bytes(sign_withdrawal_list([withdrawal], _hq_private_key(demo), AT).to_bytes())
    document = json.loads(path.read_text(encoding="utf-8"))
    document["withdrawn"] = []
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(WithdrawalListInvalid, match="signature does not verify"):
        _load(demo)


@pytest.mark.parametrize(
    "content, detail",
    [(b"[]", "must have exactly the keys"), (b"[" * 100_000, "not UTF-8 JSON"), (b'{"a": ' + b"7" * 5000 + b"}", "not UTF-8 JSON")],
    ids=["list", "deep-nesting", "huge-integer"],
)
def test_malformed_withdrawal_list_is_refused(demo, content, detail):
    (demo.templates_dir / WITHDRAWAL_LIST_FILE).write_bytes(content)
    with pytest.raises(WithdrawalListInvalid, match=detail):
        _load(demo)


def test_ecdsa_p256_key_approves_and_verifies(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    templates_dir = tmp_path / "templates"
    shutil.copytree(provision_demo_templates(tmp_path / "demo", AT).templates_dir, templates_dir)
    template = load_template(templates_dir, ID, VERSION)
    approval = approve_template(template, key, "reviewer", AT)
    (templates_dir / ID / f"v{VERSION}" / APPROVAL_FILE).write_bytes(approval.to_bytes())
    (templates_dir / WITHDRAWAL_LIST_FILE).write_bytes(sign_withdrawal_list([], key, AT).to_bytes())

    public = _write_key(tmp_path / "hq-ecdsa.pem", key)
    loaded = load_approved_template(templates_dir, ID, VERSION, public)
    assert loaded.approval is not None
    assert loaded.approval.algorithm == "ECDSA-P256-SHA256"

    other_public = _write_key(tmp_path / "other-ecdsa.pem", ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(TemplateSignatureInvalid):
        load_approved_template(templates_dir, ID, VERSION, other_public)


def test_forged_fingerprint_fails_signature(demo, version_folder, tmp_path):
    """A signature by another key that copies HQ's fingerprint still fails to verify."""
    hq_public = template_keys.load_public_key(demo.hq_public_key)
    impostor = ed25519.Ed25519PrivateKey.generate()
    approval = approve_template(load_template(demo.templates_dir, ID, VERSION), impostor, "someone", AT)
    forged = replace(approval, key_fingerprint=template_keys.key_fingerprint(hq_public))
    forged = replace(forged, signature=template_keys.sign(impostor, forged.statement()))
    (version_folder / APPROVAL_FILE).write_bytes(forged.to_bytes())
    with pytest.raises(TemplateSignatureInvalid) as caught:
        _load(demo)
    assert caught.value.code == "signature_invalid"


def test_rsa_key_is_refused(demo, tmp_path):
    path = _write_key(tmp_path / "rsa.pem", rsa.generate_private_key(public_exponent=65537, key_size=2048))
    with pytest.raises(TemplateKeyUnusable, match="unsupported key type") as caught:
        _load(demo, path)
    assert "总部合同模板密钥不可用" in caught.value.message.zh


@pytest.mark.parametrize("content", [None, b"", b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"])
def test_unreadable_hq_key_is_refused(demo, tmp_path, content):
    path = tmp_path / "hq.pem"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(TemplateKeyUnusable):
        _load(demo, path)


def test_unconfigured_hq_key_is_refused(demo):
    with pytest.raises(TemplateKeyUnusable, match=r"set \[contract\] hq_template_key"):
        load_approved_template(demo.templates_dir, ID, VERSION, None)


def test_encrypted_private_key_needs_its_passphrase(tmp_path):
    key = ed25519.Ed25519PrivateKey.generate()
    path = tmp_path / "hq.pem"
    path.write_bytes(template_keys.private_key_pem(key, b"correct horse"))
    assert template_keys.key_fingerprint(template_keys.load_private_key(path, b"correct horse").public_key()) == (
        template_keys.key_fingerprint(key.public_key())
    )
    with pytest.raises(TemplateKeyUnusable):
        template_keys.load_private_key(path, b"wrong")
    with pytest.raises(TemplateKeyUnusable):
        template_keys.load_private_key(path)


def test_every_refusal_is_a_template_error(demo, version_folder):
    (version_folder / APPROVAL_FILE).write_bytes(b"")
    with pytest.raises(TemplateError):
        _load(demo)


def test_demo_branch_configures_key_and_templates(branch_home):
    config = load_config(branch_home)
    assert config.hq_template_key == branch_home / "pki" / "hq-template-key.pub.pem"
    assert config.templates_dir == branch_home / "templates"
    assert load_approved_template(config.templates_dir, config.template_id, config.template_version, config.hq_template_key).approval


def test_runtime_refuses_altered_template(branch_home, face_model):
    config = load_config(branch_home)
    path = config.templates_dir / ID / f"v{VERSION}" / "template.json"
    path.write_text(path.read_text(encoding="utf-8").replace("30 日内", "31 日内"), encoding="utf-8")
    with pytest.raises(TemplateAltered):
        BranchRuntime(config, face_model=face_model).start()


def test_public_key_pem_round_trip(tmp_path):
    key = ed25519.Ed25519PrivateKey.generate()
    path = _write_key(tmp_path / "k.pem", key)
    loaded = template_keys.load_public_key(path)
    assert loaded.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) == key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def _withdraw_at_branch(config, issued_at: datetime, withdrawn: bool) -> bytes:
    """Write a withdrawal list signed by the demo HQ key into the branch; return its bytes."""
    key = template_keys.load_private_key(config.home / "keys" / "hq-template-key.pem")
    template = load_template(config.templates_dir, ID, VERSION)
    entries = [Withdrawal(ID, VERSION, template.sha256, "法务部 张三", "押金条款需修订", issued_at.isoformat())] if withdrawn else []
    raw = sign_withdrawal_list(entries, key, issued_at).to_bytes()
    (config.templates_dir / WITHDRAWAL_LIST_FILE).write_bytes(raw)
    return raw


def _start(config, face_model) -> None:
    with BranchRuntime(config, face_model=face_model):
        pass


def test_deleted_withdrawal_list_still_applies(branch_home, face_model):
    config = load_config(branch_home)
    _withdraw_at_branch(config, datetime(2026, 12, 1, 9, 0, tzinfo=ZONE), withdrawn=True)
    with pytest.raises(TemplateWithdrawn):
        _start(config, face_model)

    (config.templates_dir / WITHDRAWAL_LIST_FILE).unlink()
    with pytest.raises(TemplateWithdrawn):
        _start(config, face_model)


def test_older_withdrawal_list_is_ignored(branch_home, face_model, caplog):
    config = load_config(branch_home)
    older = _withdraw_at_branch(config, datetime(2026, 12, 1, 9, 0, tzinfo=ZONE), withdrawn=False)
    _withdraw_at_branch(config, datetime(2026, 12, 2, 9, 0, tzinfo=ZONE), withdrawn=True)
    with pytest.raises(TemplateWithdrawn):
        _start(config, face_model)

    (config.templates_dir / WITHDRAWAL_LIST_FILE).write_bytes(older)
    with caplog.at_level(logging.WARNING), pytest.raises(TemplateWithdrawn):
        _start(config, face_model)
    assert "before the one kept in the store" in caplog.text


def test_newer_list_can_reinstate_version(branch_home, face_model):
    config = load_config(branch_home)
    _withdraw_at_branch(config, datetime(2026, 12, 1, 9, 0, tzinfo=ZONE), withdrawn=True)
    with pytest.raises(TemplateWithdrawn):
        _start(config, face_model)

    _withdraw_at_branch(config, datetime(2026, 12, 3, 9, 0, tzinfo=ZONE), withdrawn=False)
    _start(config, face_model)
