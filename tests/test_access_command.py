"""``countersign account|audit|subject`` on a copy of the demo branch, through ``countersign.cli.main``."""

import base64
import json
import stat

import pytest

from countersign.cli import main
from countersign.config import load_config
from countersign.demo_branch import seed_demo_reservation
from countersign.headless import drive_session
from countersign.runtime import BranchRuntime
from devices.signature_pad import SimulatedSignaturePad


@pytest.fixture
def pins(tmp_path):
    folder = tmp_path / "pins"
    folder.mkdir(mode=0o700)
    files = {}
    for name, pin in (("it", "204817"), ("sup", "746251"), ("aud", "318642"), ("wrong", "999990")):
        files[name] = folder / name
        files[name].write_text(pin + "\n")
    return files


def _run(capsys, home, *argv) -> tuple[int, dict]:
    status = main(["--home", str(home), "--json", *argv])
    output = capsys.readouterr().out
    return status, json.loads(output)


@pytest.fixture
def branch(branch_home, pins, capsys):
    """The demo branch with a branch IT, a supervisor and an auditor account."""
    status, created = _run(capsys, branch_home, "account", "add", "it.li", "--name", "Li", "--role", "branch_it", "--new-pin-file", str(pins["it"]))
    assert status == 0, created
    for account_id, role, pin in (("sup.zhao", "supervisor", "sup"), ("aud.qian", "auditor", "aud")):
        status, created = _run(
            capsys, branch_home, "account", "add", account_id, "--name", account_id, "--role", role,
            "--new-pin-file", str(pins[pin]), "--as", "it.li", "--pin-file", str(pins["it"]),
        )
        assert status == 0, created
    return branch_home


def test_first_account_needs_no_sign_in(branch, pins, capsys):
    status, listing = _run(capsys, branch, "account", "list", "--as", "it.li", "--pin-file", str(pins["it"]))
    assert status == 0
    assert [(a["account_id"], a["role"]) for a in listing["accounts"]] == [
        ("aud.qian", "auditor"), ("it.li", "branch_it"), ("sup.zhao", "supervisor"),
    ]


def test_second_bootstrap_is_refused(branch, pins, capsys):
    status, error = _run(capsys, branch, "account", "add", "it.two", "--name", "Two", "--role", "branch_it", "--new-pin-file", str(pins["it"]))
    assert status == 2
    assert "no acting account" in error["error"]


def test_lockout_then_unlock(branch, pins, capsys, monkeypatch):
    for _ in range(4):
        status, error = _run(capsys, branch, "account", "list", "--as", "sup.zhao", "--pin-file", str(pins["wrong"]))
        assert status == 1
        assert error["message"]["en"] == "The account or PIN is not correct."
    status, error = _run(capsys, branch, "account", "list", "--as", "sup.zhao", "--pin-file", str(pins["wrong"]))
    assert "locked" in error["error"]
    status, error = _run(capsys, branch, "account", "list", "--as", "sup.zhao", "--pin-file", str(pins["sup"]))
    assert status == 1
    assert "locked" in error["error"]

    monkeypatch.setenv("COUNTERSIGN_PIN", "204817")
    status, unlocked = _run(capsys, branch, "account", "unlock", "sup.zhao", "--as", "it.li")
    assert status == 0
    assert unlocked["locked"] is False
    status, _ = _run(capsys, branch, "account", "list", "--as", "sup.zhao", "--pin-file", str(pins["sup"]))
    assert status == 0


def test_audit_verify_and_report(branch, pins, capsys):
    status, report = _run(capsys, branch, "audit", "verify", "--as", "it.li", "--pin-file", str(pins["it"]))
    assert status == 0
    assert report["ok"] is True
    assert report["entries"] >= 3

    status, review = _run(capsys, branch, "audit", "report", "--from", "2000-01-01", "--to", "2100-12-31", "--as", "aud.qian", "--pin-file", str(pins["aud"]))
    assert status == 0
    it = next(a for a in review["accounts"] if a["account_id"] == "it.li")
    assert it["actions"]["account_added"] == 2

    status, error = _run(capsys, branch, "audit", "report", "--from", "2000-01-01", "--to", "2100-12-31", "--as", "it.li", "--pin-file", str(pins["it"]))
    assert status == 1
    assert error["message"]["zh"] == "您的角色无权进行此操作。"


def _seed_reservation(home) -> str:
    """Store the demo customer's reservation, as ``countersign demo`` does, and return the document number."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from countersign.config import load_config
    from countersign.demo_branch import seed_demo_reservation
    from kiosk.store.key_sources.rotation import open_keyed_store
    from kiosk.store.rentals import RentalStore

    config = load_config(home)
    database = open_keyed_store(config.store_path, config.store_key).database
    try:
        reservation = seed_demo_reservation(RentalStore(database), datetime.now(ZoneInfo(config.branch.timezone)))
    finally:
        database.close()
    return reservation.document_number


def test_subject_export_and_delete(branch, pins, capsys, tmp_path):
    number = _seed_reservation(branch)
    out = tmp_path / "export" / "subject.json"
    status, summary = _run(capsys, branch, "subject", "export", number, "--out", str(out), "--as", "sup.zhao", "--pin-file", str(pins["sup"]))
    assert status == 0, summary
    assert summary["reservations"] >= 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    bundle = json.loads(out.read_text())
    assert bundle["reservations"][0]["document_number"] == number

    status, result = _run(capsys, branch, "subject", "delete", number, "--as", "sup.zhao", "--pin-file", str(pins["sup"]))
    assert status == 0
    assert result["deleted"]["reservations"] >= 1

    status, report = _run(capsys, branch, "audit", "verify", "--as", "it.li", "--pin-file", str(pins["it"]))
    assert report["ok"] is True


def test_text_output_without_json(branch, pins, capsys):
    status = main(["--home", str(branch), "account", "list", "--as", "it.li", "--pin-file", str(pins["it"])])
    assert status == 0
    assert "sup.zhao" in capsys.readouterr().out


def test_missing_pin_is_a_usage_error(branch, capsys, monkeypatch):
    monkeypatch.delenv("COUNTERSIGN_PIN", raising=False)
    status = main(["--home", str(branch), "account", "list", "--as", "it.li"])
    assert status == 2
    assert "error: no PIN" in capsys.readouterr().err


def test_export_holds_plain_template_and_both_consents(branch, pins, capsys, tmp_path, face_model):
    with BranchRuntime(load_config(branch), face_model=face_model) as runtime:
        seed_demo_reservation(runtime.services.store, runtime.clock())
        session = runtime.new_session()
        drive_session(session, SimulatedSignaturePad())
        assert session.signed is not None

    out = tmp_path / "subject.json"
    status, summary = _run(
        capsys, branch, "subject", "export", "110105196108040013", "--out", str(out), "--as", "sup.zhao", "--pin-file", str(pins["sup"])
    )
    assert status == 0, summary
    bundle = json.loads(out.read_text())

    (template,) = bundle["face_templates"]
    assert len(base64.b64decode(template["template_float32_base64"])) == 128 * 4  # 128 float32, not ciphertext
    (verification,) = bundle["verifications"]
    assert verification["id_consent_given"] == 1
    assert verification["face_consent_given"] == 1
    assert verification["face_consent_version"]


def test_contract_export_audits_the_read(branch, pins, capsys, tmp_path, face_model):
    with BranchRuntime(load_config(branch), face_model=face_model) as runtime:
        seed_demo_reservation(runtime.services.store, runtime.clock())
        session = runtime.new_session()
        drive_session(session, SimulatedSignaturePad())
        contract_no, sealed = session.signed.contract_no, session.signed.pdf

    out = tmp_path / "copy" / "contract.pdf"
    status, result = _run(
        capsys, branch, "contract", "export", contract_no, "--out", str(out), "--purpose", "customer asked for a copy",
        "--as", "sup.zhao", "--pin-file", str(pins["sup"]),
    )
    assert status == 0, result
    assert result == {"contract_no": contract_no, "out": str(out), "bytes": len(sealed)}
    assert out.read_bytes() == sealed
    assert stat.S_IMODE(out.stat().st_mode) == 0o600

    status, review = _run(capsys, branch, "audit", "report", "--from", "2000-01-01", "--to", "2100-12-31", "--as", "aud.qian", "--pin-file", str(pins["aud"]))
    supervisor = next(a for a in review["accounts"] if a["account_id"] == "sup.zhao")
    assert supervisor["actions"]["read_contract_pdf"] == 1

    # Branch IT has no permission to read personal data, contracts included.
    status, error = _run(
        capsys, branch, "contract", "export", contract_no, "--out", str(tmp_path / "it.pdf"), "--purpose", "check",
        "--as", "it.li", "--pin-file", str(pins["it"]),
    )
    assert status == 1
    assert error["message"]["zh"] == "您的角色无权进行此操作。"
    assert not (tmp_path / "it.pdf").exists()


def test_subject_export_rejects_wrong_check_character(branch, pins, capsys, tmp_path):
    out = tmp_path / "subject.json"
    status, error = _run(
        capsys, branch, "subject", "export", "110105196108040014", "--out", str(out), "--as", "sup.zhao", "--pin-file", str(pins["sup"])
    )

    assert status == 2
    assert "check character" in error["error"]
    assert "110105********0014" in error["error"]
    assert error["message"]["zh"].startswith("证件号码无效")
    assert not out.exists()


def test_subject_export_folds_full_width_digits(branch, pins, capsys, tmp_path):
    number = _seed_reservation(branch)
    typed = "".join(chr(ord(digit) + 0xFEE0) if digit.isdigit() else digit for digit in number)

    status, summary = _run(
        capsys, branch, "subject", "export", typed, "--out", str(tmp_path / "s.json"), "--as", "sup.zhao", "--pin-file", str(pins["sup"])
    )

    assert status == 0, summary
    assert summary["reservations"] >= 1
