"""``countersign mrz check``, wired into the command line the way countersign/cli.py wires its modules."""

import io
import json

import pytest

from countersign import cli
from tests.test_mrz import TD1_SPECIMEN, TD3_SPECIMEN


@pytest.fixture
def run(monkeypatch, tmp_path, capsys):
    """Run the real ``countersign`` entry point; return (status, stdout, stderr)."""

    def invoke(*args: str, stdin: str | None = None):
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
        status = cli.main(["--home", str(tmp_path / "home"), *args])
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return invoke


def _write(tmp_path, text: str):
    path = tmp_path / "mrz.txt"
    path.write_text(text)
    return str(path)


def test_valid_td3_exits_zero_with_fields(run, tmp_path):
    status, out, _ = run("mrz", "check", "--json", _write(tmp_path, TD3_SPECIMEN + "\n"))

    payload = json.loads(out)
    assert status == 0
    assert set(payload) >= {"valid", "format", "fields", "errors"}
    assert (payload["valid"], payload["format"], payload["errors"]) == (True, "TD3", [])
    assert payload["fields"]["document_number"] == "L898902C3"
    assert payload["fields"]["birth_date"] == "1974-08-12"
    assert payload["fields"]["secondary_identifier"] == "ANNA MARIA"


def test_invalid_mrz_exits_one_listing_errors(run, tmp_path):
    broken = TD3_SPECIMEN.replace("7408122F", "74O8122F")
    status, out, _ = run("--json", "mrz", "check", _write(tmp_path, broken))

    payload = json.loads(out)
    assert status == 1
    assert payload["valid"] is False
    assert payload["format"] == "TD3"
    assert [error["code"] for error in payload["errors"]] == ["letter_for_digit", "check_digit"]
    assert payload["errors"][0]["field"] == "birth_date"
    assert payload["errors"][0]["message"]["zh"]


def test_unknown_layout_has_null_format(run, tmp_path):
    status, out, _ = run("mrz", "check", "--json", _write(tmp_path, "P<UTOERIKSSON\n"))
    payload = json.loads(out)
    assert status == 1
    assert payload["format"] is None
    assert payload["fields"] == {}
    assert payload["errors"][0]["code"] == "layout"


def test_standard_input(run):
    status, out, _ = run("mrz", "check", "-", stdin=TD1_SPECIMEN)
    assert status == 0
    assert "format  TD1" in out
    assert "valid   yes" in out


def test_text_output_names_each_error(run, tmp_path):
    status, out, _ = run("mrz", "check", _write(tmp_path, TD3_SPECIMEN.replace("UTO7408", "UT07408")))
    assert status == 1
    assert "valid   no (1 error(s))" in out
    assert "error   digit_for_letter in nationality (line 2 column 13)" in out
    assert "A letters-only field of the MRZ contains the digit 0 or 1" in out


def test_missing_file_exits_two(run, tmp_path):
    status, out, err = run("mrz", "check", str(tmp_path / "missing.txt"))
    assert status == 2
    assert out == ""
    assert "cannot read" in err
    assert "missing.txt" in err


def test_binary_file_exits_two(run, tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + bytes(100))
    status, out, _ = run("--json", "mrz", "check", str(path))
    assert status == 2
    assert json.loads(out)["message"]["en"] == "The MRZ file could not be read."


def test_log_has_no_mrz(run, tmp_path):
    run("mrz", "check", _write(tmp_path, TD3_SPECIMEN))
    logged = (tmp_path / "home" / "logs" / "countersign.log").read_text()
    assert "mrz check" in logged
    assert "L898902C3" not in logged
    assert "ERIKSSON" not in logged
