"""``countersign face check`` and ``face compare``, wired the way countersign/cli.py wires its modules."""

import argparse
import io
import json

import pytest
from PIL import Image

from countersign import cli
from countersign.commands import face as face_commands

ORIENTATION = 0x0112


@pytest.fixture
def run(monkeypatch, tmp_path, capsys, face_model):
    """Run the real ``countersign`` entry point with the face commands; return (status, stdout, stderr).

    The commands get the test session's already loaded dlib model instead of loading their own.
    """
    monkeypatch.setattr(face_commands, "FaceModel", lambda: face_model)

    def invoke(*args: str):
        status = cli.main(["--home", str(tmp_path / "home"), *args])
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return invoke


@pytest.fixture
def images(faces_dir):
    return {name: str(faces_dir / name) for name in ("obama.jpg", "obama2.jpg", "biden.jpg", "obama_partial_face.jpg")}


def test_register_adds_face_group_to_a_fresh_parser():
    parser = argparse.ArgumentParser(prog="countersign")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    face_commands.register(parser.add_subparsers(dest="command"), common)

    check = parser.parse_args(["face", "check", "photo.jpg", "--json"])
    compare = parser.parse_args(["face", "--json", "compare", "a.jpg", "b.jpg", "--threshold", "0.5"])

    assert check.handler is face_commands.command_face_check
    assert check.json
    assert compare.handler is face_commands.command_face_compare
    assert compare.threshold == 0.5
    assert compare.json


def test_check_ok_prints_the_documented_keys(run, images):
    status, out, _ = run("face", "check", "--json", images["obama.jpg"])
    payload = json.loads(out)
    assert status == 0
    assert payload == {"status": "ok", "faces": 1, "reasons": [], "codes": [], "width": 910, "height": 1137}


def test_check_reports_size_after_orientation(run, faces_dir, tmp_path):
    upright = Image.open(faces_dir / "obama.jpg").convert("RGB").resize((455, 568))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    path = tmp_path / "sideways.jpg"
    upright.transpose(Image.Transpose.ROTATE_90).save(path, exif=exif.tobytes(), quality=95)

    status, out, _ = run("face", "check", "--json", str(path))
    payload = json.loads(out)
    assert status == 0, payload
    assert (payload["width"], payload["height"]) == (455, 568)


def test_check_low_quality_gives_reasons_in_both_languages(run, images):
    status, out, _ = run("face", "check", "--json", images["obama_partial_face.jpg"])
    payload = json.loads(out)
    assert status == 1
    assert payload["status"] == "low_quality"
    assert payload["codes"][0] == "face_cut_off"
    assert payload["reasons"][0] == {"zh": "请将整个面部移到画面中间。", "en": "Please move your whole face into the middle of the picture."}


def test_check_no_face_and_several_faces(run, faces_dir, tmp_path):
    photo = Image.open(faces_dir / "obama.jpg").convert("RGB")
    photo.crop((0, 900, 910, 1137)).save(tmp_path / "suit.png")
    pair = Image.new("RGB", (910 * 2, 1137))
    pair.paste(photo, (0, 0))
    pair.paste(Image.open(faces_dir / "obama2.jpg").convert("RGB").resize((910, 1137)), (910, 0))
    pair.save(tmp_path / "pair.jpg")

    status, out, _ = run("face", "check", "--json", str(tmp_path / "suit.png"))
    assert status == 1
    assert json.loads(out)["status"] == "no_face"
    status, out, _ = run("face", "check", "--json", str(tmp_path / "pair.jpg"))
    assert status == 1
    assert (json.loads(out)["status"], json.loads(out)["faces"]) == ("multiple_faces", 2)


def test_check_truncated_or_missing_file_is_unreadable(run, faces_dir, tmp_path):
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes((faces_dir / "obama.jpg").read_bytes()[:5000])

    status, out, err = run("face", "check", "--json", str(truncated))
    payload = json.loads(out)
    assert status == 1
    assert payload["status"] == "unreadable"
    assert payload["reasons"] == [{"zh": "拍摄失败，请重新拍摄。", "en": "Capture failed, please retake."}]
    assert (payload["width"], payload["height"]) == (None, None)
    assert "Traceback" not in err

    status, out, _ = run("face", "check", "--json", str(tmp_path / "missing.jpg"))
    assert status == 1
    assert json.loads(out)["status"] == "unreadable"


def test_check_text_output_names_the_problem(run, images):
    status, out, _ = run("face", "check", images["obama_partial_face.jpg"])
    assert status == 1
    assert out.splitlines()[0] == "low_quality: 1 face(s), 491x1137"
    assert "face_cut_off: 请将整个面部移到画面中间。 / Please move your whole face" in out


def test_compare_same_person_matches(run, images):
    status, out, _ = run("face", "compare", "--json", images["obama.jpg"], images["obama2.jpg"])
    payload = json.loads(out)
    assert status == 0
    assert set(payload) == {"match", "distance", "threshold"}
    assert payload["match"] is True
    assert 0.2 < payload["distance"] < 0.5
    assert payload["threshold"] == 0.48


def test_compare_other_person_does_not_match(run, images):
    status, out, _ = run("face", "compare", "--json", images["obama.jpg"], images["biden.jpg"])
    assert status == 1
    assert json.loads(out)["match"] is False


def test_compare_threshold_option_is_applied(run, images):
    status, out, _ = run("face", "compare", "--json", "--threshold", "0.3", images["obama.jpg"], images["obama2.jpg"])
    payload = json.loads(out)
    assert status == 1
    assert (payload["match"], payload["threshold"]) == (False, 0.3)


def test_compare_reports_the_image_without_usable_face(run, images):
    status, out, _ = run("face", "compare", "--json", images["obama.jpg"], images["obama_partial_face.jpg"])
    payload = json.loads(out)
    assert status == 1
    assert payload["image"] == images["obama_partial_face.jpg"]
    assert payload["status"] == "low_quality"
    assert "match" not in payload


@pytest.mark.parametrize(
    "arguments",
    [["--threshold", "0.9", "A", "B"], ["A"], ["A", "B", "--pairs", "list.tsv"], ["--pairs", "no-such-list.tsv"]],
)
def test_compare_usage_errors_exit_two_in_one_line(run, images, arguments):
    status, out, err = run("face", "compare", *arguments)
    assert status == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("error: ")


def test_pairs_are_compared_in_order_with_one_model(run, monkeypatch, face_model, images, tmp_path):
    loads = []
    monkeypatch.setattr(face_commands, "FaceModel", lambda: loads.append(1) or face_model)
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(
        "# first\tsecond\n"
        f"{images['obama.jpg']}\t{images['obama2.jpg']}\n"
        "\n"
        f"{images['obama.jpg']}\t{images['biden.jpg']}\n"
        f"{images['obama.jpg']}\tmissing.jpg\n"
    )

    status, out, _ = run("face", "compare", "--pairs", str(pairs))

    results = [json.loads(line) for line in out.splitlines()]
    assert status == 1
    assert len(loads) == 1
    assert [result.get("match") for result in results] == [True, False, None]
    assert results[2]["status"] == "unreadable"
    assert results[2]["image"] == str(tmp_path / "missing.jpg")


def test_pairs_all_matching_exit_zero(run, images, tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(f"{images['obama.jpg']}\t{images['obama2.jpg']}\n")
    status, out, _ = run("face", "compare", "--pairs", str(pairs))
    assert status == 0
    assert json.loads(out)["match"] is True


def test_malformed_pairs_file_exits_two_before_any_comparison(run, images, tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(f"{images['obama.jpg']}\t{images['obama2.jpg']}\n{images['obama.jpg']} {images['biden.jpg']}\n")
    status, out, err = run("face", "compare", "--pairs", str(pairs))
    assert status == 2
    assert out == ""
    assert "line 2: expected two image paths separated by one tab" in err
    assert len(err.strip().splitlines()) == 1


def test_pairs_from_standard_input(run, monkeypatch, images):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(f"{images['obama.jpg']}\t{images['biden.jpg']}\n".encode())))
    status, out, _ = run("face", "compare", "--pairs", "-")
    assert status == 1
    assert json.loads(out)["match"] is False
