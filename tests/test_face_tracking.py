"""Following a face across camera frames made from real photographs."""

import numpy as np
import pytest

from devices.camera import letterbox
from kiosk.identity.face.pipeline import FacePipeline, FaceStatus, LiveCapture
from kiosk.identity.face.tracking import MIN_TRACKING_CONFIDENCE, LiveFaceTracker
from kiosk.identity.images import decode_image


@pytest.fixture(scope="module")
def frames(faces_dir) -> dict[str, np.ndarray]:
    """640x480 camera frames, letterboxed as the recorded camera does."""
    obama = decode_image((faces_dir / "obama.jpg").read_bytes())
    biden = decode_image((faces_dir / "biden.jpg").read_bytes())
    return {
        "obama": np.ascontiguousarray(letterbox(obama)),
        "biden": np.ascontiguousarray(letterbox(biden)),
        "no_face": np.ascontiguousarray(letterbox(obama[800:])),
    }


def _moving(frame: np.ndarray, count: int, step: int = 3) -> list[np.ndarray]:
    """The frame shifted right by ``step`` pixels more in each of ``count`` frames, as a customer sways."""
    return [np.ascontiguousarray(np.roll(frame, step * index, axis=1)) for index in range(count)]


def test_face_is_detected_then_tracked(face_model, frames):
    tracker = LiveFaceTracker(face_model, redetect_every=10)
    observations = [tracker.observe(frame) for frame in _moving(frames["obama"], 6)]

    assert [observation.source for observation in observations] == ["detected"] + ["tracked"] * 5
    assert all(observation.faces == 1 for observation in observations)
    assert all(observation.confidence > MIN_TRACKING_CONFIDENCE for observation in observations[1:])
    shifts = [observation.box.left - observations[0].box.left for observation in observations]
    assert shifts == pytest.approx([0, 3, 6, 9, 12, 15], abs=2)


def test_frame_is_scanned_again_after_n_tracked_frames(face_model, frames):
    tracker = LiveFaceTracker(face_model, redetect_every=3)
    sources = [tracker.observe(frame).source for frame in _moving(frames["obama"], 9)]
    assert sources == ["detected", "tracked", "tracked", "tracked"] * 2 + ["detected"]


def test_lost_face_is_noticed_at_once(face_model, frames):
    tracker = LiveFaceTracker(face_model, redetect_every=100)
    for frame in _moving(frames["obama"], 3):
        tracker.observe(frame)

    empty = tracker.observe(frames["no_face"])
    other = tracker.observe(frames["biden"])

    assert (empty.faces, empty.source, empty.box) == (0, "detected", None)
    assert (other.faces, other.source) == (1, "detected")
    assert other.box.left > 250
    assert other.box.right < 400


def test_another_person_replaces_the_tracked_one(face_model, frames):
    """A cut from one person to another drops the tracker's confidence, so the frame is scanned."""
    tracker = LiveFaceTracker(face_model, redetect_every=100)
    tracker.observe(frames["obama"])
    assert tracker.observe(frames["biden"]).source == "detected"


def _head_and_shoulders(face_model, rgb: np.ndarray) -> np.ndarray:
    """A 320x480 crop of ``rgb`` in which its face is about 170 px wide, as at the kiosk."""
    box = face_model.detect(rgb, 0)[0]
    centre_x, centre_y = (box.left + box.right) // 2, (box.top + box.bottom) // 2
    half_width = round(0.95 * box.width)
    half_height = round(half_width * 1.5)
    padded = np.pad(rgb, ((half_height, half_height), (half_width, half_width), (0, 0)), mode="edge")
    crop = padded[centre_y : centre_y + 2 * half_height, centre_x : centre_x + 2 * half_width]
    return letterbox(crop, (320, 480))


def test_two_people_are_never_tracked(face_model, faces_dir):
    left = _head_and_shoulders(face_model, decode_image((faces_dir / "obama.jpg").read_bytes()))
    right = _head_and_shoulders(face_model, decode_image((faces_dir / "obama2.jpg").read_bytes()))
    frame = np.ascontiguousarray(np.concatenate([left, right], axis=1))
    tracker = LiveFaceTracker(face_model)
    observations = [tracker.observe(frame) for _ in range(3)]
    assert [(observation.faces, observation.source) for observation in observations] == [(2, "detected")] * 3


def test_live_capture_describes_the_tracked_face(face_model, frames):
    capture = LiveCapture(face_model)
    examinations = [(frame, capture.examine(frame)) for frame in _moving(frames["obama"], 4)]
    assert [examination.status for _, examination in examinations] == [FaceStatus.OK] * 4

    frame, last = examinations[-1]
    tracked = capture.describe(frame, last)
    detected = FacePipeline(face_model).capture_still(frame)
    assert np.linalg.norm(tracked.vector - detected.vector) < 0.1
