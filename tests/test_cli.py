"""The countersign command line, run as branch IT would run it."""

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

COUNTERSIGN = [sys.executable, "-m", "countersign"]


def _run(*args: str, home: Path, faces: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "COUNTERSIGN_HOME": str(home), "COUNTERSIGN_DEMO_FACES": str(faces)}
    return subprocess.run([*COUNTERSIGN, *args], capture_output=True, text=True, env=environment, timeout=300)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory, faces_dir):
    """One `countersign demo --json` on a fresh home, as make run does without a display."""
    folder = tmp_path_factory.mktemp("cli")
    home = folder / "home"
    result = _run("demo", "--json", "--save-pdf", str(folder / "copies" / "contract.pdf"), home=home, faces=faces_dir)
    return home, result


def test_demo_json_has_decision_stages_pdf_and_store(demo_run):
    home, result = demo_run
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["decision"] == "approved"
    copy = Path(payload["contract_pdf"])
    assert copy.read_bytes().startswith(b"%PDF")
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert payload["contract_no"].startswith("BJ-CY01-")
    assert Path(payload["store_path"]) == home / "store" / "countersign.db"
    assert {"stage", "outcome", "reason"} <= set(payload["stages"][0])
    assert [s["stage"] for s in payload["stages"]][-1] == "sign"
    assert all(s["outcome"] == "pass" for s in payload["stages"])


def test_demo_text_prints_each_stage_and_the_pdf(demo_run, faces_dir):
    home, _ = demo_run
    result = _run("demo", home=home, faces=faces_dir)
    assert result.returncode == 0, result.stderr
    assert "verification  pass    身份核验通过。 / Identity verified." in result.stdout
    assert "decision      approved" in result.stdout
    assert "contract_no   BJ-CY01-" in result.stdout
    # Without --save-pdf the contract stays in the encrypted store only.
    assert "contract_pdf" not in result.stdout
    assert list((home / "contracts").iterdir()) == []


def test_mismatch_demo_is_refused_with_reason(demo_run, faces_dir):
    home, _ = demo_run
    result = _run("demo", "--json", "--scenario", "mismatch", home=home, faces=faces_dir)
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert payload["decision"] == "refused"
    assert payload["contract_pdf"] is None
    assert payload["stages"][-1]["reason"]["en"].startswith("Face does not match the photo on the card.")


def test_check_pdf_accepts_the_demo_contract(demo_run, faces_dir):
    home, result = demo_run
    pdf = json.loads(result.stdout)["contract_pdf"]
    checked = _run("check-pdf", "--json", pdf, home=home, faces=faces_dir)
    assert checked.returncode == 0, checked.stdout
    assert json.loads(checked.stdout)["signatures"][0]["covers_whole_file"] is True


def test_check_pdf_rejects_a_corrupt_file(demo_run, faces_dir, tmp_path):
    home, _ = demo_run
    corrupt = tmp_path / "corrupt.pdf"
    corrupt.write_bytes(b"%PDF-1.7\n%%EOF\n")
    checked = _run("check-pdf", "--json", str(corrupt), home=home, faces=faces_dir)
    assert checked.returncode == 1
    assert json.loads(checked.stdout)["ok"] is False


def test_missing_photographs_give_a_clear_error(tmp_path):
    result = _run("demo", home=tmp_path / "home", faces=tmp_path / "no-faces")
    assert result.returncode == 2
    assert "make fixtures" in result.stderr
    assert "Traceback" not in result.stderr


def test_logs_are_private_and_hold_no_full_id_number(demo_run):
    home, _ = demo_run
    log_file = home / "logs" / "countersign.log"
    assert oct(log_file.stat().st_mode & 0o777) == "0o600"
    assert oct((home / "logs").stat().st_mode & 0o777) == "0o700"
    text = log_file.read_text()
    assert "110105********0013" in text
    assert "110105196108040013" not in text


@pytest.mark.parametrize("folder", ["store", "keys", "pki", "cards", "contracts"])
def test_private_folders_are_private(demo_run, folder):
    home, _ = demo_run
    assert oct((home / folder).stat().st_mode & 0o777) == "0o700"


def test_kiosk_without_display_runs_headless(demo_run, faces_dir):
    home, _ = demo_run
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    environment.update(COUNTERSIGN_HOME=str(home), COUNTERSIGN_DEMO_FACES=str(faces_dir))
    result = subprocess.run([*COUNTERSIGN, "kiosk"], capture_output=True, text=True, env=environment, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "No display found" in result.stderr
    assert "decision      approved" in result.stdout


def test_home_may_come_before_the_subcommand(demo_run, faces_dir):
    home, _ = demo_run
    result = subprocess.run(
        [*COUNTERSIGN, "--home", str(home), "--faces", str(faces_dir), "check-pdf", "--json", json.loads(demo_run[1].stdout)["contract_pdf"]],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ok"] is True


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("baudrate = 115200", 'baudrate = "fast"', "reader.baudrate must be an integer"),
        ("threshold = 0.48", "threshold = 6.0", "between 0.3 and 0.6"),
        ('passphrase_file = "keys/company-seal.pass"', 'passphrase_file = "keys/missing.pass"', "missing.pass"),
        ('frames = "camera/customer"', 'frames = "camera/nowhere"', "camera/nowhere does not exist"),
    ],
)
def test_configuration_errors_are_one_line_no_traceback(demo_run, faces_dir, tmp_path, old, new, message):
    home, _ = demo_run
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    config = copy / "branch.toml"
    config.write_text(config.read_text().replace(old, new))

    result = _run("demo", home=copy, faces=faces_dir)
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert " | 错误：" in result.stderr
    assert "Traceback" not in result.stderr
    assert message in (copy / "logs" / "countersign.log").read_text()


def test_missing_seal_key_is_named(demo_run, faces_dir, tmp_path):
    home, _ = demo_run
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    (copy / "pki" / "company-seal.p12").unlink()
    result = _run("demo", home=copy, faces=faces_dir)
    assert result.returncode == 2
    assert "signing key file" in result.stderr
    assert "not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_failed_provisioning_leaves_nothing_and_can_be_retried(faces_dir, tmp_path):
    walls = tmp_path / "walls"
    walls.mkdir()
    wall = Image.new("RGB", (640, 480), (180, 180, 170))
    for name in ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"):
        wall.save(walls / name)
    home = tmp_path / "home"

    failed = _run("init-demo", home=home, faces=walls)
    assert failed.returncode == 2
    assert "obama.jpg cannot be the card photo" in failed.stderr
    assert sorted(path.name for path in home.iterdir()) == [".provisioning.lock", "logs"]

    retried = _run("init-demo", home=home, faces=faces_dir)
    assert retried.returncode == 0, retried.stderr
    assert (home / "branch.toml").is_file()


def test_check_pdf_of_missing_file_is_a_usage_error(tmp_path):
    result = subprocess.run([*COUNTERSIGN, "--home", str(tmp_path / "none"), "check-pdf", str(tmp_path / "absent.pdf")], capture_output=True, text=True)
    assert result.returncode == 2
    assert "cannot read" in result.stderr
    assert not (tmp_path / "none").exists()


def test_closed_pipe_stops_quietly(tmp_path):
    # `countersign ... | head -c0`: the reader has gone before the command writes its answer.
    command = [*COUNTERSIGN, "--home", str(tmp_path / "home"), "--json", "id", "check", "11010519491231002X"]
    writer = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    writer.stdout.close()
    stderr = writer.stderr.read().decode()
    status = writer.wait(timeout=60)

    assert "Traceback" not in stderr
    assert "BrokenPipeError" not in stderr
    assert status == 141


def test_pdf_check_without_branch_creates_nothing(demo_run, faces_dir, tmp_path):
    home, result = demo_run
    pdf = json.loads(result.stdout)["contract_pdf"]
    absent = tmp_path / "no-branch"

    checked = _run("contract", "verify", pdf, home=absent, faces=faces_dir)

    assert checked.returncode == 1  # no trust root without a branch
    assert not absent.exists()


def test_check_pdf_of_missing_file_names_it(tmp_path, faces_dir):
    result = _run("check-pdf", str(tmp_path / "missing.pdf"), home=tmp_path / "no-branch", faces=faces_dir)

    assert result.returncode == 2
    assert "cannot read" in result.stderr
    assert "无法读取合同文件" in result.stderr
