"""``countersign template diff``, ``approve``, ``verify`` and ``withdraw`` through the real entry point."""

import json
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from countersign import cli
from countersign.demo_templates import provision_demo_templates
from kiosk.contracts import template_keys
from resources import CONTRACTS_DIR

SHIPPED = CONTRACTS_DIR / "rental-agreement" / "v1"
AT = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def run(tmp_path, capsys):
    """Run ``countersign``; return (status, stdout, stderr)."""

    def invoke(*args: str):
        status = cli.main(["--home", str(tmp_path / "home"), *args])
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return invoke


def _version_2(tmp_path: Path) -> Path:
    """Write a v2 of the shipped template: one field removed, one changed, one clause added and two changed."""
    document = json.loads((SHIPPED / "template.json").read_text(encoding="utf-8"))
    document["version"] = "2"
    deposit = next(clause for clause in document["clauses"] if clause["id"] == "deposit")
    deposit["text"]["zh"] = deposit["text"]["zh"].replace("30 日内", "90 日内")
    deposit["text"]["en"] = deposit["text"]["en"].replace("30 days", "90 days")
    next(clause for clause in document["clauses"] if clause["id"] == "mileage")["must_acknowledge"] = False
    document["clauses"].append(
        {"id": "pets", "title": {"zh": "宠物", "en": "Pets"}, "text": {"zh": "车内禁止携带宠物。", "en": "No pets in the vehicle."}, "must_acknowledge": False}
    )
    document["fields"] = [entry for entry in document["fields"] if entry["name"] != "vehicle_model_en"]
    next(entry for entry in document["fields"] if entry["name"] == "lessee_phone")["required"] = False
    for section in document["layout"]["sections"]:
        if section["id"] == "vehicle":
            section["fields"].remove("vehicle_model_en")
        if section["id"] == "terms":
            section["clauses"].append("pets")
    folder = tmp_path / "templates" / "rental-agreement" / "v2"
    folder.mkdir(parents=True)
    (folder / "template.json").write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    return folder


def _copy_shipped(tmp_path: Path) -> Path:
    folder = tmp_path / "templates" / "rental-agreement" / "v1"
    shutil.copytree(SHIPPED, folder)
    return folder


def _key_pair(tmp_path: Path, key=None, passphrase: bytes | None = None) -> tuple[Path, Path]:
    key = key or ed25519.Ed25519PrivateKey.generate()
    private = tmp_path / "hq-template-key.pem"
    public = tmp_path / "hq-template-key.pub.pem"
    private.write_bytes(template_keys.private_key_pem(key, passphrase))
    public.write_bytes(template_keys.public_key_pem(key.public_key()))
    return private, public


def test_diff_json_lists_every_change(run, tmp_path):
    status, out, _ = run("template", "diff", "--json", str(SHIPPED), str(_version_2(tmp_path)))

    payload = json.loads(out)
    assert status == 1
    assert payload["identical"] is False
    assert (payload["old"]["version"], payload["new"]["version"]) == ("1", "2")
    assert [field["name"] for field in payload["fields"]["removed"]] == ["vehicle_model_en"]
    assert payload["fields"]["added"] == []
    assert payload["fields"]["changed"] == [{"name": "lessee_phone", "changes": {"required": {"old": True, "new": False}}}]
    assert [clause["id"] for clause in payload["clauses"]["added"]] == ["pets"]
    assert payload["clauses"]["added"][0]["text"] == {"zh": "车内禁止携带宠物。", "en": "No pets in the vehicle."}
    changed = {change["id"]: change["changes"] for change in payload["clauses"]["changed"]}
    assert set(changed) == {"deposit", "mileage"}
    assert "30 日内" in changed["deposit"]["text"]["old"]["zh"]
    assert "90 日内" in changed["deposit"]["text"]["new"]["zh"]
    assert "90 days" in changed["deposit"]["text"]["new"]["en"]
    assert changed["mileage"] == {"must_acknowledge": {"old": True, "new": False}}
    assert payload["clauses"]["order"] is None
    assert {change["id"] for change in payload["layout"]["changed"]} == {"vehicle", "terms"}


def test_diff_text_shows_clauses_side_by_side(run, tmp_path):
    status, out, _ = run("template", "diff", "--width", "100", str(SHIPPED / "template.json"), str(_version_2(tmp_path)))

    assert status == 1
    lines = out.splitlines()
    assert "  - vehicle_model_en: label 车型（英文） / Vehicle (English); type text; source vehicle.model_en; required true" in lines
    assert "      required: true -> false" in lines
    side_by_side = [line for line in lines if "«30»" in line]
    assert len(side_by_side) == 2  # once in Chinese, once in English
    for line in side_by_side:
        assert "│" in line
        assert line.index("«30»") < line.index("│") < line.index("«90»")
    assert all(len(line) <= 100 for line in lines if not any("\u4e00" <= c <= "\u9fff" for c in line))


def test_diff_of_same_declarations_exits_zero(run, tmp_path):
    reformatted = tmp_path / "reformatted.json"
    reformatted.write_text(json.dumps(json.loads((SHIPPED / "template.json").read_text(encoding="utf-8"))), encoding="utf-8")
    status, out, _ = run("template", "diff", "--json", str(SHIPPED), str(reformatted))

    payload = json.loads(out)
    assert status == 0
    assert payload["identical"] is True
    assert payload["old"]["sha256"] != payload["new"]["sha256"]


def test_diff_names_formatting_only_change(run, tmp_path):
    reformatted = tmp_path / "reformatted.json"
    reformatted.write_text(json.dumps(json.loads((SHIPPED / "template.json").read_text(encoding="utf-8"))), encoding="utf-8")
    status, out, _ = run("template", "diff", str(SHIPPED), str(reformatted))

    assert status == 0
    assert "differ in formatting only" in out
    assert "needs its own approval" in out


def test_diff_of_malformed_template_exits_two(run, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    status, out, err = run("template", "diff", str(SHIPPED), str(broken))
    assert status == 2
    assert out == ""
    assert "is not UTF-8 JSON" in err


def test_approve_then_verify(run, tmp_path):
    folder = _copy_shipped(tmp_path)
    private, public = _key_pair(tmp_path)

    status, out, _ = run("template", "approve", "--json", str(folder), "--key", str(private), "--reviewer", "法务部 李四")
    payload = json.loads(out)
    assert status == 0
    assert set(payload) == {"approval", "template_id", "version", "sha256", "reviewer", "approved_at", "algorithm", "key_fingerprint"}
    assert payload["reviewer"] == "法务部 李四"
    assert Path(payload["approval"]) == folder / "approval.json"

    status, out, _ = run("template", "verify", "--json", str(folder), "--hq-key", str(public))
    payload = json.loads(out)
    assert status == 0
    assert payload["approved"] is True
    assert payload["reason"] is None
    assert payload["reviewer"] == "法务部 李四"


def test_approve_with_encrypted_ecdsa_key(run, tmp_path):
    folder = _copy_shipped(tmp_path)
    private, public = _key_pair(tmp_path, ec.generate_private_key(ec.SECP256R1()), b"s3cret")
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("s3cret\n")

    status, _, err = run("template", "approve", str(folder), "--key", str(private), "--reviewer", "r")
    assert status == 2
    assert "HQ template key" in err

    status, _, _ = run("template", "approve", str(folder), "--key", str(private), "--passphrase-file", str(passphrase), "--reviewer", "r")
    assert status == 0
    status, out, _ = run("template", "verify", str(folder), "--hq-key", str(public))
    assert status == 0
    assert "ECDSA-P256-SHA256" in out


def test_approve_refuses_changed_content_of_approved_version(run, tmp_path):
    folder = _copy_shipped(tmp_path)
    private, _ = _key_pair(tmp_path)
    assert run("template", "approve", str(folder), "--key", str(private), "--reviewer", "r")[0] == 0
    path = folder / "template.json"
    path.write_text(path.read_text(encoding="utf-8").replace("30 日内", "90 日内"), encoding="utf-8")

    status, _, err = run("template", "approve", str(folder), "--key", str(private), "--reviewer", "r")
    assert status == 2
    assert "an approved version is frozen" in err


def test_second_approval_keeps_first(run, tmp_path):
    folder = _copy_shipped(tmp_path)
    private, _ = _key_pair(tmp_path)
    assert run("template", "approve", str(folder), "--key", str(private), "--reviewer", "法务部 李四")[0] == 0
    first = (folder / "approval.json").read_bytes()

    status, out, _ = run("template", "approve", "--json", str(folder), "--key", str(private), "--reviewer", "法务部 王五")
    payload = json.loads(out)

    assert status == 0
    assert payload["already_approved"] is True
    assert payload["reviewer"] == "法务部 李四"
    assert (folder / "approval.json").read_bytes() == first


def test_verify_reports_altered_template(run, tmp_path):
    folder = _copy_shipped(tmp_path)
    private, public = _key_pair(tmp_path)
    run("template", "approve", str(folder), "--key", str(private), "--reviewer", "r")
    path = folder / "template.json"
    path.write_text(path.read_text(encoding="utf-8").replace("30 日内", "90 日内"), encoding="utf-8")

    status, out, _ = run("template", "verify", "--json", str(folder), "--hq-key", str(public))
    payload = json.loads(out)
    assert status == 1
    assert (payload["approved"], payload["reason"]) == (False, "altered")
    assert "模板文件在审批后被修改" in payload["message"]["zh"]


def test_verify_unapproved_template_as_text(run, tmp_path):
    _, public = _key_pair(tmp_path)
    status, out, _ = run("template", "verify", str(_copy_shipped(tmp_path)), "--hq-key", str(public))
    assert status == 1
    assert out.startswith("REFUSED  not_approved: ")


def test_verify_uses_branch_key(run, tmp_path):
    home = tmp_path / "home"
    provision_demo_templates(home, AT)
    (home / "branch.toml").write_text('[contract]\ntemplates_dir = "templates"\nhq_template_key = "pki/hq-template-key.pub.pem"\n')
    # The table check wants the other required tables too; --hq-key is the documented way without a branch.
    status, out, err = run("template", "verify", str(home / "templates" / "rental-agreement" / "v1"))
    assert status == 2
    assert "has no [branch] table" in err


def test_verify_with_demo_branch_home(run, branch_home):
    folder = branch_home / "templates" / "rental-agreement" / "v1"
    status, out, _ = run("template", "verify", "--json", str(folder), "--home", str(branch_home))
    payload = json.loads(out)
    assert status == 0
    assert payload["approved"] is True


def test_verify_without_any_key_exits_two(run, tmp_path):
    status, _, err = run("template", "verify", str(_copy_shipped(tmp_path)))
    assert status == 2
    assert "pass --hq-key PUB.pem" in err


def test_withdraw_then_verify_refuses(run, tmp_path):
    folder = _copy_shipped(tmp_path)
    private, public = _key_pair(tmp_path)
    run("template", "approve", str(folder), "--key", str(private), "--reviewer", "r")

    status, out, _ = run(
        "template", "withdraw", "--json", str(folder), "--key", str(private), "--reviewer", "法务部 李四", "--reason", "押金条款需修订"
    )
    payload = json.loads(out)
    assert status == 0
    assert payload["entries"] == 1
    assert Path(payload["withdrawal_list"]) == tmp_path / "templates" / "withdrawn.json"

    status, out, _ = run("template", "withdraw", "--json", str(folder), "--key", str(private), "--reviewer", "r", "--reason", "again")
    assert json.loads(out)["entries"] == 1

    status, out, _ = run("template", "verify", "--json", str(folder), "--hq-key", str(public))
    payload = json.loads(out)
    assert status == 1
    assert payload["reason"] == "withdrawn"
    assert "押金条款需修订" in payload["message"]["zh"]


def test_withdraw_refuses_list_of_another_key(run, tmp_path):
    folder = _copy_shipped(tmp_path)
    private, _ = _key_pair(tmp_path)
    run("template", "withdraw", str(folder), "--key", str(private), "--reviewer", "r", "--reason", "x")
    other = tmp_path / "other.pem"
    other.write_bytes(template_keys.private_key_pem(ed25519.Ed25519PrivateKey.generate()))

    status, _, err = run("template", "withdraw", str(folder), "--key", str(other), "--reviewer", "r", "--reason", "x")
    assert status == 2
    assert "not signed with HQ's template key" in err


def test_verify_of_missing_folder_exits_two(run, tmp_path):
    _, public = _key_pair(tmp_path)
    status, out, err = run("template", "verify", str(tmp_path / "nowhere" / "v1"), "--hq-key", str(public))

    assert status == 2
    assert out == ""
    assert "no template at" in err
