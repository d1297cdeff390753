"""The face calibration benchmark, run end to end on face_recognition's seven test images.

These images show two people (Barack Obama in six files, Joe Biden in one). The figures
are sane but too few to set a threshold, which docs/face-calibration.md does on real data.
"""

import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from countersign.demo_branch import make_card_photo
from kiosk.identity.face import FaceMatcher
from kiosk.identity.images import decode_image

REPOSITORY = Path(__file__).resolve().parent.parent
SCRIPT = REPOSITORY / "benchmarks" / "face_calibration.py"
CONDITIONS = ("photo", "card", "card_jpeg")


def load_script():
    spec = importlib.util.spec_from_file_location("face_calibration", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


calibration_script = load_script()


def run_script(faces_dir: Path, folder: Path) -> subprocess.CompletedProcess:
    command = [
        sys.executable, str(SCRIPT), "--data", str(faces_dir), "--report", str(folder / "report.md"),
        "--json", str(folder / "results.json"), "--cache", str(folder / "cache.json"), "--jobs", "1",
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def calibration(faces_dir, tmp_path_factory):
    """Run the script once, as a user would, and return its JSON figures, report and folder."""
    folder = tmp_path_factory.mktemp("calibration")
    completed = run_script(faces_dir, folder)
    assert completed.returncode == 0, completed.stderr
    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    return results, (folder / "report.md").read_text(encoding="utf-8"), folder


def test_calibration_counts_images_and_pairs(calibration):
    results, _, _ = calibration
    data = results["data"]
    assert data["distinct_images"] == 7
    assert data["usable_images"] == 7
    assert data["identities"] == 2
    # obama.jpg with its two partial crops, and obama2.jpg with 32bit.png, are copies.
    assert data["copies"]["pairs_left_out"] == 4
    assert results["photo"]["genuine_pairs"] == 11
    assert results["photo"]["impostor_pairs"] == 6
    assert results["card"]["genuine_pairs"] == 22
    assert results["card"]["impostor_pairs"] == 12


def test_calibration_rates_are_proportions_inside_intervals(calibration):
    results, _, _ = calibration
    for condition in CONDITIONS:
        for point in results[condition]["operating_points"]:
            for rate in ("fmr", "fnmr"):
                low, high = point[f"{rate}_ci"]
                assert 0.0 <= low <= point[rate] <= high <= 1.0, (condition, point)


def test_calibration_separates_obama_from_biden(calibration):
    results, _, _ = calibration
    photo = results["photo"]
    assert photo["genuine_distances"]["max"] < photo["impostor_distances"]["min"]
    at_published = next(point for point in photo["operating_points"] if point["threshold"] == 0.6)
    assert at_published["false_matches"] == 0
    assert at_published["false_non_matches"] == 0


def test_calibration_states_what_sample_can_show(calibration):
    results, _, _ = calibration
    demonstrable = results["photo"]["demonstrable"]
    assert demonstrable["rule_of_three_all_pairs"] == pytest.approx(3 / 6)
    assert demonstrable["disjoint_pairs"] == 3
    assert demonstrable["goal_demonstrable"] is False


def test_calibration_report_has_every_section(calibration):
    _, report, _ = calibration
    for heading in ("## Data", "## Pairs", "## Error rates against the threshold", "## The smallest FMR this sample can show", "## Card portraits"):
        assert heading in report
    assert "Not run: no data folder contains `lfw/pairs.txt`." in report
    assert "Command: `python " in report


def test_calibration_rerun_reads_cache(calibration, faces_dir):
    _, _, folder = calibration
    completed = run_script(faces_dir, folder)
    assert completed.returncode == 0, completed.stderr
    description = json.loads((folder / "results.json").read_text(encoding="utf-8"))["data"]["description"]
    assert description["computed"] == 0
    assert description["cached"] == 7


def test_clopper_pearson_known_values():
    # Exact 95% intervals as tabulated for the binomial: 0/10, 5/10 and 10/10.
    assert calibration_script.clopper_pearson(0, 10) == pytest.approx((0.0, 1 - 0.025 ** 0.1), abs=1e-6)
    assert calibration_script.clopper_pearson(5, 10) == pytest.approx((0.187086, 0.812914), abs=1e-6)
    assert calibration_script.clopper_pearson(10, 10) == pytest.approx((0.025 ** 0.1, 1.0), abs=1e-6)


def test_card_portrait_matches_demo_branch(faces_dir, face_model):
    data = (faces_dir / "obama.jpg").read_bytes()
    rgb = decode_image(data)
    box = FaceMatcher(face_model).describe_single(rgb).box
    expected = np.asarray(Image.open(io.BytesIO(make_card_photo(data, face_model))).convert("RGB"))
    assert np.array_equal(calibration_script.cut_card_portrait(rgb, box), expected)


def test_lfw_pairs_parse_and_threshold(tmp_path):
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("2\t1\nAnn_Lee\t1\t2\nBob_Ray\t1\tCy_Dee\t3\nDan_Wu\t2\t4\nEd_Fox\t1\tFay_Oh\t2\n", encoding="utf-8")
    folds = calibration_script.read_lfw_pairs(pairs)
    assert folds[0] == [("Ann_Lee/Ann_Lee_0001.jpg", "Ann_Lee/Ann_Lee_0002.jpg", True), ("Bob_Ray/Bob_Ray_0001.jpg", "Cy_Dee/Cy_Dee_0003.jpg", False)]
    assert folds[1][1] == ("Ed_Fox/Ed_Fox_0001.jpg", "Fay_Oh/Fay_Oh_0002.jpg", False)
    threshold = calibration_script.best_accuracy_threshold(np.array([0.3, 0.4, 0.7, 0.8]), np.array([True, True, False, False]))
    assert 0.4 < threshold < 0.7
