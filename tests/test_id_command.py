"""``countersign id check`` as branch IT runs it."""

import json
import subprocess
import sys


def _id_check(*args: str, home) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "countersign", "--home", str(home), "id", "check", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_valid_number_with_full_width_digits(tmp_path):
    result = _id_check("１１０１０５ １９４９１２３１ ００２ｘ", "--json", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "valid": True,
        "normalized": "11010519491231002X",
        "kind": "resident",
        "warnings": [],
        "errors": [],
    }


def test_fifteen_digit_number_says_why(tmp_path):
    result = _id_check("110105491231002", "--json", home=tmp_path)
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert payload["valid"] is False
    assert payload["normalized"] is None
    assert payload["kind"] == "first_generation"
    assert "first-generation" in payload["errors"][0]["en"]
    assert "第一代" in payload["errors"][0]["zh"]


def test_hong_kong_permit_number_is_valid(tmp_path):
    result = _id_check("810000199001010019", "--json", home=tmp_path)
    assert result.returncode == 0, result.stdout
    payload = json.loads(result.stdout)
    assert payload["kind"] == "hmt_permit"
    assert payload["valid"] is True
    assert payload["warnings"] == []


def test_abolished_division_is_a_warning_in_text_output(tmp_path):
    result = _id_check("110103197001010019", home=tmp_path)
    assert result.returncode == 0
    assert "warning: The division code 110103 (崇文区) was abolished" in result.stdout
    assert "error:" not in result.stdout


def test_full_number_is_not_logged(tmp_path):
    _id_check("11010519491231002X", home=tmp_path)
    log_text = (tmp_path / "logs" / "countersign.log").read_text()
    assert "110105********002X" in log_text
    assert "11010519491231002X" not in log_text
