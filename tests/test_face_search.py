"""The duplicate-identity face search on real descriptors from face_recognition's test photographs."""

import json
import logging
from dataclasses import dataclass

import cv2
import numpy as np
import pytest

from kiosk.checks import Outcome
from kiosk.identity.face import DEFAULT_THRESHOLD
from kiosk.identity.face_search import find_duplicates, search_duplicates
from kiosk.identity.images import decode_image

# The tests search at the 1:1 match threshold; the branch sets its own, stricter one.
THRESHOLD = DEFAULT_THRESHOLD
OBAMA_NUMBER = "110101199003070013"
OBAMA_MASKED = "110101********0013"
OTHER_MASKED = "310***********0025"


@dataclass
class Known:
    """Templates as the store's ``KnownFaces`` returns them."""

    templates: np.ndarray
    owner_ids: list[str]
    masked_numbers: list[str]
    recorded_at: list[str]


def known(*rows: tuple[np.ndarray, str, str, str], dtype=np.float32) -> Known:
    """Build the templates of (descriptor, owner id, masked number, recorded at) rows."""
    if not rows:
        return Known(np.zeros((0, 128), dtype=dtype), [], [], [])
    return Known(
        np.stack([row[0] for row in rows]).astype(dtype),
        [row[1] for row in rows],
        [row[2] for row in rows],
        [row[3] for row in rows],
    )


@pytest.fixture(scope="module")
def descriptors(faces_dir, face_model) -> dict[str, np.ndarray]:
    """The real 128-value descriptor of the face in each test photograph."""
    found = {}
    for name in ("obama", "obama2", "obama3", "biden"):
        rgb = decode_image((faces_dir / f"{name}.jpg").read_bytes())
        scale = 800.0 / max(rgb.shape[:2])
        small = np.ascontiguousarray(cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
        box = max(face_model.detect(small, 1), key=lambda found_box: found_box.width)
        found[name] = face_model.describe(small, box)
    return found


def test_same_face_under_other_identity_is_flagged(descriptors):
    templates = known(
        (descriptors["obama"], "owner-a", OBAMA_MASKED, "2026-12-01T10:15:00+08:00"),
        (descriptors["biden"], "owner-b", OTHER_MASKED, "2026-11-20T09:00:00+08:00"),
    )
    check = search_duplicates(descriptors["obama2"], templates, own_id="owner-c", threshold=THRESHOLD)

    assert check.name == "face_duplicate"
    assert check.outcome is Outcome.REVIEW
    assert [duplicate["number"] for duplicate in check.details["duplicates"]] == [OBAMA_MASKED]
    assert check.details["duplicates"][0]["seen_on"] == "2026-12-01"
    assert check.details["duplicates"][0]["distance"] < THRESHOLD
    assert check.details["clerk_reason"]["en"] == (
        f"The same face was seen under another identity: {OBAMA_MASKED} on 2026-12-01. Check the customer's identity before going on."
    )
    assert OBAMA_MASKED in check.details["clerk_reason"]["zh"]


def test_customer_reason_names_nobody(descriptors):
    templates = known((descriptors["obama"], "owner-a", OBAMA_MASKED, "2026-12-01T10:15:00+08:00"))
    check = search_duplicates(descriptors["obama3"], templates, own_id="owner-c", threshold=THRESHOLD)

    assert check.outcome is Outcome.REVIEW
    assert "0013" not in check.reason.zh
    assert "0013" not in check.reason.en
    assert check.reason.en == "Please go to the counter, where staff will check your identity."


def test_different_person_is_not_flagged(descriptors):
    templates = known(
        (descriptors["obama"], "owner-a", OBAMA_MASKED, "2026-12-01T10:15:00+08:00"),
        (descriptors["obama3"], "owner-a", OBAMA_MASKED, "2026-12-02T10:15:00+08:00"),
    )
    check = search_duplicates(descriptors["biden"], templates, own_id="owner-b", threshold=THRESHOLD)

    assert check.outcome is Outcome.PASS
    assert "duplicates" not in check.details
    assert check.details["templates"] == 2


def test_same_identity_is_not_flagged(descriptors):
    templates = known(
        (descriptors["obama"], "owner-a", OBAMA_MASKED, "2026-12-01T10:15:00+08:00"),
        (descriptors["biden"], "owner-b", OTHER_MASKED, "2026-11-20T09:00:00+08:00"),
    )
    assert search_duplicates(descriptors["obama2"], templates, own_id="owner-a", threshold=THRESHOLD).outcome is Outcome.PASS


def test_each_identity_reported_once_closest_first(descriptors):
    templates = known(
        (descriptors["obama"], "owner-a", OBAMA_MASKED, "2026-12-01T10:15:00+08:00"),
        (descriptors["obama3"], "owner-a", OBAMA_MASKED, "2026-12-03T10:15:00+08:00"),
        (descriptors["obama3"], "owner-d", "440***********0031", "2026-10-05T16:40:00+08:00"),
    )
    duplicates = find_duplicates(descriptors["obama2"], templates, own_id="owner-c", threshold=THRESHOLD)

    assert sorted(duplicate.owner_id for duplicate in duplicates) == ["owner-a", "owner-d"]
    assert [duplicate.distance for duplicate in duplicates] == sorted(duplicate.distance for duplicate in duplicates)
    owner_a = next(duplicate for duplicate in duplicates if duplicate.owner_id == "owner-a")
    expected = min(np.linalg.norm(descriptors["obama2"] - descriptors[name]) for name in ("obama", "obama3"))
    assert owner_a.distance == pytest.approx(expected, abs=1e-5)


def test_reason_names_three_and_counts_the_rest(descriptors):
    rows = [(descriptors["obama"], f"owner-{index}", f"110***********00{index:02d}", "2026-12-01T10:15:00+08:00") for index in range(5)]
    check = search_duplicates(descriptors["obama2"], known(*rows), own_id="owner-x", threshold=THRESHOLD)

    assert len(check.details["duplicates"]) == 5
    assert check.details["clerk_reason"]["en"].count("110***") == 3
    assert "and 2 more" in check.details["clerk_reason"]["en"]
    assert "另有 2 个身份" in check.details["clerk_reason"]["zh"]


def test_unmasked_number_is_masked(descriptors, caplog):
    templates = known((descriptors["obama"], "owner-a", OBAMA_NUMBER, "2026-12-01T10:15:00+08:00"))
    with caplog.at_level(logging.WARNING, logger="kiosk.identity.face_search"):
        check = search_duplicates(descriptors["obama2"], templates, own_id="owner-c", threshold=THRESHOLD)

    assert OBAMA_NUMBER not in json.dumps(check.to_json(), ensure_ascii=False)
    assert check.details["duplicates"][0]["number"] == OBAMA_MASKED
    assert "unmasked" in caplog.text


def test_stricter_threshold_misses_far_photo(descriptors):
    templates = known(
        (descriptors["obama"], "owner-a", OBAMA_MASKED, "2026-12-01T10:15:00+08:00"),
        (descriptors["obama3"], "owner-d", "440***********0031", "2026-10-05T16:40:00+08:00"),
    )
    near = float(np.linalg.norm(descriptors["obama2"] - descriptors["obama"]))
    far = float(np.linalg.norm(descriptors["obama2"] - descriptors["obama3"]))
    assert near < 0.42 < far

    duplicates = find_duplicates(descriptors["obama2"], templates, own_id="owner-c", threshold=0.42)
    assert [duplicate.owner_id for duplicate in duplicates] == ["owner-a"]


def test_threshold_is_respected(descriptors):
    distance = float(np.linalg.norm(descriptors["obama2"] - descriptors["obama"]))
    templates = known((descriptors["obama"], "owner-a", OBAMA_MASKED, "2026-12-01T10:15:00+08:00"), dtype=np.float64)

    assert find_duplicates(descriptors["obama2"], templates, "owner-c", threshold=distance + 1e-6)
    assert not find_duplicates(descriptors["obama2"], templates, "owner-c", threshold=distance - 1e-6)


def test_vectorised_distances_match_direct(descriptors):
    rng = np.random.default_rng(7)
    real = np.stack(list(descriptors.values()))
    # Random templates spread around the real ones, so that some fall inside the threshold.
    noise = rng.normal(0.0, 0.035, (2000, 128))
    templates = real[rng.integers(0, len(real), 2000)] + noise
    rows = [(template, f"owner-{index}", f"110***********{index:04d}", "2026-12-01T10:15:00+08:00") for index, template in enumerate(templates)]
    live = descriptors["obama2"]

    found = {duplicate.owner_id for duplicate in find_duplicates(live, known(*rows), own_id="owner-none", threshold=THRESHOLD)}
    direct = {f"owner-{index}" for index in np.flatnonzero(np.linalg.norm(templates.astype(np.float32).astype(np.float64) - live, axis=1) < THRESHOLD)}

    assert 0 < len(direct) < 2000
    assert found == direct


def test_non_finite_template_is_skipped(descriptors, caplog):
    broken = np.full(128, np.nan)
    templates = known(
        (broken, "owner-z", "999***********9999", "2026-12-01T10:15:00+08:00"),
        (descriptors["obama"], "owner-a", OBAMA_MASKED, "2026-12-01T10:15:00+08:00"),
    )
    with caplog.at_level(logging.WARNING, logger="kiosk.identity.face_search"):
        duplicates = find_duplicates(descriptors["obama2"], templates, own_id="owner-c", threshold=THRESHOLD)

    assert [duplicate.owner_id for duplicate in duplicates] == ["owner-a"]
    assert "skipped 1 templates" in caplog.text


def test_bad_date_is_reported_unknown(descriptors):
    templates = known((descriptors["obama"], "owner-a", OBAMA_MASKED, "yesterday"))
    assert find_duplicates(descriptors["obama2"], templates, own_id="owner-c", threshold=THRESHOLD)[0].seen_on == "unknown"


def test_empty_store_passes(descriptors):
    assert search_duplicates(descriptors["obama"], known(), own_id="owner-a", threshold=THRESHOLD).outcome is Outcome.PASS


@pytest.mark.parametrize(
    ("live", "templates", "threshold"),
    [
        (np.zeros(127), known(), 0.5),
        (np.full(128, np.nan), known(), 0.5),
        (np.zeros(128), Known(np.zeros((2, 64)), ["a", "b"], ["*", "*"], ["", ""]), 0.5),
        (np.zeros(128), Known(np.zeros((2, 128)), ["a"], ["*", "*"], ["", ""]), 0.5),
        (np.zeros(128), known(), 0.0),
        (np.zeros(128), known(), 0.7),
    ],
    ids=["short descriptor", "nan descriptor", "short templates", "missing owner", "zero threshold", "threshold above 0.6"],
)
def test_bad_input_raises(live, templates, threshold):
    with pytest.raises(ValueError):
        find_duplicates(live, templates, own_id="owner-a", threshold=threshold)
