"""Cameras: recorded frames, and OpenCV capture playing a video of real faces."""

import cv2
import numpy as np
import pytest

from devices.camera import OpenCvCamera, RecordedCamera, letterbox
from devices.errors import CameraError, FrameUnreadableError
from kiosk.identity.face import FaceMatcher
from kiosk.identity.images import bgr_to_rgb


@pytest.fixture
def face_video(faces_dir, tmp_path):
    """An MJPG video of two real photographs, four frames each, as a webcam would deliver."""
    path = tmp_path / "customer.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (640, 480))
    assert writer.isOpened()
    for name in ("obama2.jpg", "obama3.jpg"):
        frame = letterbox(cv2.imread(str(faces_dir / name)))
        for _ in range(4):
            writer.write(frame)
    writer.release()
    return path


def test_opencv_capture_delivers_faces_then_ends(face_video, face_model):
    camera = OpenCvCamera(str(face_video))
    matcher = FaceMatcher(face_model)
    frames = [camera.read_frame() for _ in range(8)]
    assert all(frame.shape == (480, 640, 3) for frame in frames)
    assert matcher.describe_single(bgr_to_rgb(frames[0])).box.width > 50
    with pytest.raises(CameraError, match="returned no frame"):
        camera.read_frame()


def test_opencv_capture_of_missing_device_fails_clearly(tmp_path):
    with pytest.raises(CameraError, match="cannot be opened"):
        OpenCvCamera(str(tmp_path / "no-such-camera.avi")).read_frame()


def test_recorded_camera_cycles_and_reports_bad_frame(faces_dir, tmp_path):
    (tmp_path / "a.jpg").write_bytes((faces_dir / "obama2.jpg").read_bytes())
    (tmp_path / "b.jpg").write_bytes(b"not a jpeg")
    camera = RecordedCamera.from_folder(tmp_path)
    assert camera.read_frame().shape == (480, 640, 3)
    with pytest.raises(FrameUnreadableError):
        camera.read_frame()
    assert camera.read_frame().shape == (480, 640, 3)


def test_recorded_camera_without_frames_fails(tmp_path):
    with pytest.raises(CameraError, match="no recorded frames"):
        RecordedCamera.from_folder(tmp_path)


def test_letterbox_keeps_aspect_and_pads_black():
    tall = np.full((200, 100, 3), 255, dtype=np.uint8)
    frame = letterbox(tall)
    assert frame.shape == (480, 640, 3)
    assert frame[:, :100].max() == 0
    assert frame[240, 320].tolist() == [255, 255, 255]
