"""Face detection and matching on real photographs, with and without the quality gate."""

import io

import numpy as np
import pytest
from PIL import Image

from countersign.demo_branch import make_card_photo
from kiosk.errors import NoFaceFound, SeveralFacesFound
from kiosk.identity.face import FaceMatcher, FaceSource, FaceUnusable
from kiosk.identity.face.pipeline import FacePipeline, FaceStatus
from kiosk.identity.images import decode_image


@pytest.fixture(scope="module")
def matcher(face_model) -> FaceMatcher:
    return FaceMatcher(face_model)


def _rgb(faces_dir, name: str) -> np.ndarray:
    return decode_image((faces_dir / name).read_bytes())


_CARD_PHOTOS: dict[str, bytes] = {}


def _card_photo(matcher, faces_dir, name: str = "obama.jpg") -> np.ndarray:
    """The 102x126 card photo cut from ``name`` as the demo branch cuts it, made once per test run."""
    if name not in _CARD_PHOTOS:
        _CARD_PHOTOS[name] = make_card_photo((faces_dir / name).read_bytes(), matcher.model)
    photo = _CARD_PHOTOS[name]
    assert Image.open(io.BytesIO(photo)).size == (102, 126)
    return decode_image(photo)


def _card_face(matcher, faces_dir):
    return matcher.describe_single(_card_photo(matcher, faces_dir), upsample=2)


def _two_people(faces_dir) -> np.ndarray:
    left = Image.open(faces_dir / "obama2.jpg").convert("RGB").resize((600, 1150))
    right = Image.open(faces_dir / "biden.jpg").convert("RGB").resize((600, 1150))
    both = Image.new("RGB", (1200, 1150))
    both.paste(left, (0, 0))
    both.paste(right, (600, 0))
    return np.asarray(both)


@pytest.mark.parametrize("name", ["obama2.jpg", "obama3.jpg"])
def test_same_person_matches_card_photo(matcher, faces_dir, name):
    result = matcher.compare(_card_face(matcher, faces_dir), matcher.describe_single(_rgb(faces_dir, name)))
    assert result.is_match, result.distance


def test_other_person_does_not_match_card_photo(matcher, faces_dir):
    result = matcher.compare(_card_face(matcher, faces_dir), matcher.describe_single(_rgb(faces_dir, "biden.jpg")))
    assert not result.is_match, result.distance


def test_two_faces_are_reported(matcher, faces_dir):
    with pytest.raises(SeveralFacesFound):
        matcher.describe_single(_two_people(faces_dir))


def test_no_face_is_reported(matcher, faces_dir):
    wall = _rgb(faces_dir, "obama.jpg")[:120, :300]
    with pytest.raises(NoFaceFound):
        matcher.describe_single(np.ascontiguousarray(wall))


def test_pipeline_reports_no_face_and_several(face_model, faces_dir):
    pipeline = FacePipeline(face_model)
    wall = pipeline.examine_still(np.ascontiguousarray(_rgb(faces_dir, "obama.jpg")[:120, :300]))
    crowd = pipeline.examine_still(_two_people(faces_dir))

    assert (wall.status, wall.faces) == (FaceStatus.NO_FACE, 0)
    assert wall.reasons[0].en == NoFaceFound.message.en
    assert (crowd.status, crowd.faces) == (FaceStatus.MULTIPLE_FACES, 2)
    assert crowd.reasons[0].en == SeveralFacesFound.message.en


def test_checked_descriptor_is_close_to_unchecked(matcher, faces_dir):
    """Both describe the same face; only the detector's box placement differs."""
    rgb = _rgb(faces_dir, "obama2.jpg")
    checked = matcher.describe_checked(rgb)
    unchecked = matcher.describe_single(rgb)
    assert np.linalg.norm(checked.vector - unchecked.vector) < 0.1


def test_descriptor_runs_on_full_resolution_crop(face_model, faces_dir):
    rgb = _rgb(faces_dir, "biden.jpg")
    box = face_model.detect(rgb, 1)[0]
    shape = face_model._landmarks(rgb, box.to_rectangle())
    whole_image = np.asarray(face_model._encoder.compute_face_descriptor(rgb, shape))
    assert np.abs(face_model.describe(rgb, box) - whole_image).max() < 1e-6


def test_downscaled_detection_boxes_are_in_full_pixels(face_model, faces_dir):
    rgb = _rgb(faces_dir, "obama.jpg")
    full = face_model.detect(rgb, 0)[0]
    half = face_model.detect_scaled(rgb, 0.5)[0].box
    assert abs(half.left - full.left) < 0.1 * full.width
    assert abs(half.width - full.width) < 0.15 * full.width


@pytest.mark.parametrize("name", ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"])
def test_card_photo_passes_document_gate(matcher, faces_dir, name):
    """The 102x126 card photo is the small side of every match: the document gate must accept it."""
    photo = _card_photo(matcher, faces_dir, name)
    examination = FacePipeline(matcher.model).examine_still(photo, FaceSource.DOCUMENT)
    assert examination.status is FaceStatus.OK, examination.quality and examination.quality.to_json()


def test_card_photo_fails_live_gate_for_size(matcher, faces_dir):
    """The control for the test above: as a camera picture the same photo is too small."""
    photo = _card_photo(matcher, faces_dir)
    examination = FacePipeline(matcher.model).examine_still(photo, FaceSource.LIVE)
    assert examination.status in (FaceStatus.NO_FACE, FaceStatus.LOW_QUALITY)


def test_checked_card_photo_still_matches(matcher, faces_dir):
    card = matcher.describe_checked(_card_photo(matcher, faces_dir), FaceSource.DOCUMENT)
    live = matcher.describe_checked(_rgb(faces_dir, "obama2.jpg"))
    assert matcher.compare(card, live).is_match


def test_unusable_face_carries_guidance(matcher, faces_dir):
    with pytest.raises(FaceUnusable) as caught:
        matcher.describe_checked(_rgb(faces_dir, "obama_partial_face.jpg"))
    assert isinstance(caught.value, NoFaceFound)
    assert caught.value.message.en == "Please move your whole face into the middle of the picture."
    assert caught.value.report.issues[0].problem.value == "face_cut_off"


def test_threshold_above_published_value_is_refused(face_model):
    with pytest.raises(ValueError):
        FaceMatcher(face_model, threshold=0.7)
