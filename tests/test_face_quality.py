"""The face quality gate on real photographs and controlled degradations of them.

Each degradation imitates a kiosk camera's conditions. Distance is a downscale, focus
and movement a blur, a dim room a darkening with sensor noise, a window behind the
customer a backlight, a tilted or turned head a rotation or one foreshortened half of
the face, and a face half out of the picture a crop. Every failing case has an undegraded control.
"""

import cv2
import numpy as np
import pytest

from countersign.demo_branch import make_card_photo
from kiosk.identity.face import FaceSource
from kiosk.identity.face.pipeline import FacePipeline, FaceStatus
from kiosk.identity.face.quality import (
    DOCUMENT_FINDINGS,
    LIVE_GUIDANCE,
    MIN_LIVE_EYE_DISTANCE,
    QualityProblem,
)
from kiosk.identity.images import decode_image


@pytest.fixture(scope="module")
def pipeline(face_model) -> FacePipeline:
    return FacePipeline(face_model)


@pytest.fixture(scope="module")
def photos(faces_dir) -> dict[str, np.ndarray]:
    return {name: decode_image((faces_dir / name).read_bytes()) for name in ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg")}


def _problems(examination) -> list[QualityProblem]:
    assert examination.quality is not None, examination.status
    return [issue.problem for issue in examination.quality.issues]


def _face(pipeline, rgb):
    examination = pipeline.examine_still(rgb)
    assert examination.box is not None, examination.status
    return examination


def _darken(rgb: np.ndarray, factor: float) -> np.ndarray:
    noise = np.random.default_rng(1).normal(0.0, 2.0, rgb.shape)
    return np.clip(np.rint(rgb * factor + noise), 0, 255).astype(np.uint8)


def _backlight(rgb: np.ndarray, box, factor: float) -> np.ndarray:
    """Dim the head and body to ``factor`` and push the rest towards white, as a window behind the customer does."""
    mask = np.zeros(rgb.shape[:2], dtype=np.float32)
    centre = (round((box.left + box.right) / 2), round((box.top + box.bottom) / 2 + 0.1 * box.height))
    cv2.ellipse(mask, centre, (round(0.75 * box.width), round(box.height)), 0, 0, 360, 1.0, -1)
    mask[centre[1] :, max(0, round(box.left - 0.6 * box.width)) : round(box.right + 0.6 * box.width)] = 1.0
    mask = cv2.GaussianBlur(mask, (0, 0), 0.05 * box.width)[..., None]
    lit = rgb.astype(np.float32)
    background = np.minimum(255.0, 0.3 * lit + 0.75 * 255.0)
    return np.clip(lit * factor * mask + background * (1.0 - mask), 0, 255).astype(np.uint8)


def _rotate(rgb: np.ndarray, box, degrees: float) -> np.ndarray:
    centre = ((box.left + box.right) / 2, (box.top + box.bottom) / 2)
    matrix = cv2.getRotationMatrix2D(centre, degrees, 1.0)
    return cv2.warpAffine(rgb, matrix, (rgb.shape[1], rgb.shape[0]), borderMode=cv2.BORDER_REPLICATE)


def _turn(rgb: np.ndarray, nose_x: float, half_width: float, factor: float) -> np.ndarray:
    """Foreshorten the half of the face left of the nose to ``factor`` of its width, as a head turned away does.

    The strip between the nose and ``half_width`` to its left is squeezed to ``factor``,
    and the strip beyond it stretched to fill the gap, so the rest of the image stays.
    """
    x = np.arange(rgb.shape[1], dtype=np.float64)
    squeezed_start = nose_x - half_width * factor
    outer_start = nose_x - 2 * half_width
    source = x.copy()
    inner = (x >= squeezed_start) & (x < nose_x)
    source[inner] = nose_x - (nose_x - x[inner]) / factor
    outer = (x >= outer_start) & (x < squeezed_start)
    source[outer] = outer_start + (x[outer] - outer_start) * (half_width / (squeezed_start - outer_start))
    map_x = np.tile(source.astype(np.float32), (rgb.shape[0], 1))
    map_y = np.tile(np.arange(rgb.shape[0], dtype=np.float32)[:, None], (1, rgb.shape[1]))
    return cv2.remap(rgb, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


@pytest.mark.parametrize("name", ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"])
def test_undegraded_photo_passes(pipeline, photos, name):
    examination = pipeline.examine_still(photos[name])
    assert examination.status is FaceStatus.OK, examination.quality and examination.quality.to_json()
    assert examination.reasons == []


def test_distant_face_asks_to_move_closer(pipeline, photos):
    rgb = photos["obama.jpg"]
    eye_distance = _face(pipeline, rgb).quality.measures.eye_distance
    far = cv2.resize(rgb, None, fx=32 / eye_distance, fy=32 / eye_distance, interpolation=cv2.INTER_AREA)
    near = cv2.resize(rgb, None, fx=50 / eye_distance, fy=50 / eye_distance, interpolation=cv2.INTER_AREA)

    far_examination = pipeline.examine_still(far)
    assert _problems(far_examination) == [QualityProblem.FACE_TOO_SMALL]
    assert far_examination.quality.issues[0].value < MIN_LIVE_EYE_DISTANCE
    assert far_examination.reasons[0].zh == "请靠近一些。"
    assert far_examination.reasons[0].en == "Please move closer."
    assert pipeline.examine_still(near).status is FaceStatus.OK


@pytest.mark.parametrize("name", ["obama.jpg", "biden.jpg"])
def test_blurred_face_asks_to_hold_still(pipeline, photos, name):
    rgb = photos[name]
    sample_pixel = _face(pipeline, rgb).box.width / 128
    blurred = cv2.GaussianBlur(rgb, (0, 0), 2.0 * sample_pixel)
    slightly = cv2.GaussianBlur(rgb, (0, 0), 0.5 * sample_pixel)

    examination = pipeline.examine_still(blurred)
    assert _problems(examination) == [QualityProblem.BLURRED]
    assert examination.reasons[0].en == "The picture is blurred. Please hold still."
    assert pipeline.examine_still(slightly).status is FaceStatus.OK


@pytest.mark.parametrize("name", ["obama.jpg", "obama2.jpg"])
def test_dark_room_says_too_dark(pipeline, photos, name):
    examination = pipeline.examine_still(_darken(photos[name], 0.25))
    assert _problems(examination)[0] is QualityProblem.TOO_DARK
    assert examination.reasons[0] == LIVE_GUIDANCE[QualityProblem.TOO_DARK]
    assert examination.reasons[0].zh.startswith("光线太暗")
    assert pipeline.examine_still(_darken(photos[name], 0.7)).status is FaceStatus.OK


def test_overexposed_face_says_too_bright(pipeline, photos):
    rgb = photos["obama.jpg"]
    burnt = np.clip(rgb.astype(np.float32) * 1.9 + 30, 0, 255).astype(np.uint8)
    examination = pipeline.examine_still(burnt)
    assert QualityProblem.TOO_BRIGHT in _problems(examination)


@pytest.mark.parametrize("name", ["obama.jpg", "biden.jpg"])
def test_window_behind_says_backlit(pipeline, photos, name):
    rgb = photos[name]
    box = _face(pipeline, rgb).box
    examination = pipeline.examine_still(_backlight(rgb, box, 0.4))

    assert _problems(examination)[0] is QualityProblem.BACKLIT
    assert examination.reasons[0].en.startswith("There is too much light behind you.")
    assert pipeline.examine_still(_backlight(rgb, box, 0.9)).status is FaceStatus.OK


def test_bright_wall_behind_lit_face_is_not_backlit(pipeline, photos):
    """obama3.jpg has a lit wall (luma about 205) behind a normally lit face (about 100)."""
    measures = _face(pipeline, photos["obama3.jpg"]).quality.measures
    assert measures.background_brightness - measures.face_brightness > 80
    assert pipeline.examine_still(photos["obama3.jpg"]).status is FaceStatus.OK


def test_tilted_head_asks_to_hold_it_upright(pipeline, photos):
    rgb = photos["obama.jpg"]
    box = _face(pipeline, rgb).box
    tilted = pipeline.examine_still(_rotate(rgb, box, 40))

    assert _problems(tilted) == [QualityProblem.HEAD_TILTED]
    assert abs(tilted.quality.measures.roll_degrees) > 35
    assert tilted.reasons[0].en == "Please hold your head upright."
    assert pipeline.examine_still(_rotate(rgb, box, 15)).status is FaceStatus.OK


def test_turned_head_asks_to_look_at_camera(pipeline, photos):
    rgb = photos["obama.jpg"]
    examination = _face(pipeline, rgb)
    nose_x = examination.landmarks[4, 0]
    turned = pipeline.examine_still(_turn(rgb, nose_x, 0.75 * examination.box.width, 0.25))

    assert QualityProblem.HEAD_TURNED in _problems(turned)
    assert turned.quality.measures.yaw_ratio < -0.2
    assert turned.reasons[0].en == "Please look straight at the camera."
    assert pipeline.examine_still(_turn(rgb, nose_x, 0.75 * examination.box.width, 0.9)).status is FaceStatus.OK


def test_face_cut_off_asks_to_move_in(pipeline, photos, faces_dir):
    rgb = photos["obama.jpg"]
    box = _face(pipeline, rgb).box
    cut = np.ascontiguousarray(rgb[:, box.left + round(0.3 * box.width) :])
    examination = pipeline.examine_still(cut)

    assert _problems(examination)[0] is QualityProblem.FACE_CUT_OFF
    assert examination.reasons[0].en == "Please move your whole face into the middle of the picture."
    partial = pipeline.examine_still(decode_image((faces_dir / "obama_partial_face2.jpg").read_bytes()))
    assert _problems(partial)[0] is QualityProblem.FACE_CUT_OFF


def test_blurred_card_photo_is_described_not_guided(pipeline, faces_dir, face_model):
    card = decode_image(make_card_photo((faces_dir / "obama.jpg").read_bytes(), face_model))
    examination = pipeline.examine_still(card, FaceSource.DOCUMENT)
    assert examination.status is FaceStatus.OK

    blurred = cv2.GaussianBlur(card, (0, 0), 2.0 * examination.box.width / 128)
    blurred_examination = pipeline.examine_still(blurred, FaceSource.DOCUMENT)
    assert _problems(blurred_examination) == [QualityProblem.BLURRED]
    assert blurred_examination.reasons[0] == DOCUMENT_FINDINGS[QualityProblem.BLURRED]


def test_every_problem_has_both_languages():
    for messages in (LIVE_GUIDANCE, DOCUMENT_FINDINGS):
        assert set(messages) == set(QualityProblem)
        for message in messages.values():
            assert message.zh and message.en
            assert any("\u4e00" <= character <= "\u9fff" for character in message.zh)


def test_preview_guidance_uses_the_gate(pipeline, photos):
    rgb = photos["obama.jpg"]
    box = _face(pipeline, rgb).box
    dark = _darken(rgb, 0.25)

    assert pipeline.guidance(rgb, [box]) is None
    assert pipeline.guidance(dark, [box]) == LIVE_GUIDANCE[QualityProblem.TOO_DARK]
    assert pipeline.guidance(rgb, []).en.startswith("No face found")
    assert pipeline.guidance(rgb, [box, box]).en.startswith("More than one face found")
