"""The camera feed and the preview face detector, over real photographs and an OpenCV video of real faces."""

import logging
import threading
import time

import cv2
import numpy as np
import pytest

from devices import camera_feed
from devices.camera import OpenCvCamera, RecordedCamera, letterbox
from devices.camera_feed import CameraFeed
from devices.errors import CameraError, FrameUnreadableError
from kiosk.errors import SeveralFacesFound
from kiosk.identity.face import FaceBox
from kiosk.identity.face_preview import (
    HOLD_STILL,
    LOOK_AT_CAMERA,
    MOVE_CLOSER,
    PreviewDetector,
    detect_preview_faces,
    preview_guidance,
)
from kiosk.identity.images import bgr_to_rgb

# Upper bound for waits on another thread; no test needs it to pass.
WAIT_S = 10.0
PHOTOS = ("obama2.jpg", "biden.jpg", "obama3.jpg")


def wait_for(condition, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s} s")
        time.sleep(0.01)


def plaster_wall() -> np.ndarray:
    """A 640 × 480 frame of a blank wall: an even beige with a light gradient and sensor noise."""
    rng = np.random.default_rng(7)
    gradient = np.linspace(-12, 12, 640)[np.newaxis, :, np.newaxis]
    wall = np.array([176, 196, 214], dtype=np.float64) + gradient + rng.normal(0, 3, (480, 640, 3))
    return np.clip(wall, 0, 255).astype(np.uint8)


def close_up(faces_dir, face_model, name: str = "obama.jpg") -> np.ndarray:
    """A 640 × 480 frame of the face in ``name``, cropped so the face is about 190 pixels wide."""
    image = cv2.imread(str(faces_dir / name))
    (box,) = face_model.detect(bgr_to_rgb(image), 0)
    side = round(box.width * 2.5)
    centre_x, centre_y = (box.left + box.right) // 2, (box.top + box.bottom) // 2
    top, left = max(0, centre_y - side // 2), max(0, centre_x - side // 2)
    return letterbox(image[top : top + side, left : left + side])


def save_frames(folder, frames: dict[str, np.ndarray]):
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        assert cv2.imwrite(str(folder / name), frame)
    return folder


@pytest.fixture
def photo_files(faces_dir, tmp_path):
    """Three real photographs of two people, as recorded frames."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for index, name in enumerate(PHOTOS):
        (folder / f"{index}.jpg").write_bytes((faces_dir / name).read_bytes())
    return sorted(folder.iterdir())


@pytest.fixture
def expected_frames(photo_files):
    return [letterbox(cv2.imread(str(path))) for path in photo_files]


def write_video(path, faces_dir, frames_per_photo: int):
    """Write an MJPG video of the three photographs, ``frames_per_photo`` frames each, as a webcam would deliver."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (640, 480))
    assert writer.isOpened()
    for name in PHOTOS:
        frame = letterbox(cv2.imread(str(faces_dir / name)))
        for _ in range(frames_per_photo):
            writer.write(frame)
    writer.release()
    return path


@pytest.fixture
def face_video(faces_dir, tmp_path):
    """A six-frame video: two frames of each photograph."""
    return write_video(tmp_path / "customer.avi", faces_dir, 2)


@pytest.fixture
def feeds():
    """Start feeds for a test and stop every one of them afterwards."""
    started: list[CameraFeed] = []

    def start(camera, **options) -> CameraFeed:
        options.setdefault("idle_timeout_s", None)
        feed = CameraFeed(camera, **options).start()
        started.append(feed)
        return feed

    yield start
    for feed in started:
        assert feed.stop(), f"feed {feed.name} did not stop"


@pytest.fixture
def fast_reopen(monkeypatch):
    monkeypatch.setattr(camera_feed, "REOPEN_DELAY_S", 0.05)
    monkeypatch.setattr(camera_feed, "MAX_REOPEN_DELAY_S", 0.2)


def test_recorded_camera_returns_cached_copies(faces_dir, tmp_path):
    (tmp_path / "a.jpg").write_bytes((faces_dir / "obama2.jpg").read_bytes())
    (tmp_path / "b.jpg").write_bytes(b"not a jpeg")
    camera = RecordedCamera.from_folder(tmp_path)

    first = camera.read_frame()
    with pytest.raises(FrameUnreadableError):
        camera.read_frame()
    first[:] = 0
    again = camera.read_frame()

    assert np.array_equal(again, letterbox(cv2.imread(str(tmp_path / "a.jpg"))))
    with pytest.raises(FrameUnreadableError):
        camera.read_frame()


# The feed ----------------------------------------------------------------------


def test_feed_delivers_recorded_frames_in_order(feeds, photo_files, expected_frames):
    feed = feeds(RecordedCamera(photo_files), frames_per_second=60)
    reader = feed.reader()

    frames = [reader.read() for _ in range(9)]

    sequences = [frame.sequence for frame in frames]
    assert sequences == sorted(set(sequences))
    timestamps = [frame.timestamp for frame in frames]
    assert all(later > earlier for earlier, later in zip(timestamps, timestamps[1:]))
    for frame in frames:
        # Sequence n is the camera's n-th frame, so it must show photo (n - 1) mod 3.
        assert np.array_equal(frame.image, expected_frames[(frame.sequence - 1) % 3]), frame.sequence
    assert len({frame.image.tobytes() for frame in frames}) >= 2


def test_consumers_get_writable_copies(feeds, photo_files, expected_frames):
    feed = feeds(RecordedCamera(photo_files[:1]), frames_per_second=60)
    first = feed.reader().read()

    first.image[:] = 0
    again = feed.latest()

    assert again is not None
    assert np.array_equal(again.image, expected_frames[0])


def test_read_frame_waits_for_a_newer_frame(feeds, photo_files):
    feed = feeds(RecordedCamera(photo_files), frames_per_second=10)

    feed.read_frame()
    newest = feed.latest()
    assert newest is not None
    assert feed.latest(newer_than=newest.sequence) is None

    feed.read_frame()
    after = feed.latest()
    assert after is not None
    assert after.sequence > newest.sequence


def test_read_times_out_without_new_frame(feeds, photo_files):
    feed = feeds(RecordedCamera(photo_files), frames_per_second=0.5)
    reader = feed.reader(timeout_s=0.2)
    reader.read()

    started = time.monotonic()
    with pytest.raises(CameraError, match="no new frame within 0.2 s"):
        reader.read()
    assert time.monotonic() - started >= 0.2


def test_unreadable_frame_in_the_middle_is_skipped(feeds, faces_dir, tmp_path, caplog):
    folder = tmp_path / "glitch"
    folder.mkdir()
    (folder / "0.jpg").write_bytes((faces_dir / "obama2.jpg").read_bytes())
    (folder / "1.jpg").write_bytes(b"\xff\xd8 a torn JPEG")
    (folder / "2.jpg").write_bytes((faces_dir / "biden.jpg").read_bytes())
    readable = [letterbox(cv2.imread(str(folder / name))) for name in ("0.jpg", "2.jpg")]

    with caplog.at_level(logging.INFO, logger="devices.camera_feed"):
        feed = feeds(RecordedCamera.from_folder(folder), frames_per_second=60)
        reader = feed.reader()
        frames = [reader.read() for _ in range(6)]

    for frame in frames:
        assert np.array_equal(frame.image, readable[(frame.sequence - 1) % 2]), frame.sequence
    assert feed.stats.unreadable_frames >= 2
    assert feed.error is None
    messages = [record.getMessage() for record in caplog.records]
    assert any("unreadable frame(s) skipped" in message and "1.jpg" in message for message in messages)


def test_only_unreadable_frames_raise_typed_error(feeds, tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "0.jpg").write_bytes(b"not a picture")

    feed = feeds(RecordedCamera.from_folder(folder), frames_per_second=200)

    with pytest.raises(FrameUnreadableError, match="0.jpg cannot be decoded"):
        feed.reader(timeout_s=WAIT_S).read()
    assert isinstance(feed.error, FrameUnreadableError)
    assert feed.stats.unreadable_frames >= camera_feed.MAX_UNREADABLE_IN_ROW


def test_opencv_video_frames_arrive_distinct(feeds, face_video, faces_dir):
    camera = OpenCvCamera(str(face_video))
    feed = feeds(camera, frames_per_second=30)
    reader = feed.reader()

    frames = [reader.read() for _ in range(4)]

    assert [frame.image.shape for frame in frames] == [(480, 640, 3)] * 4
    sequences = [frame.sequence for frame in frames]
    assert sequences == sorted(set(sequences))
    timestamps = [frame.timestamp for frame in frames]
    assert all(later > earlier for earlier, later in zip(timestamps, timestamps[1:]))
    # Frames 1-2 show the first photograph and 3-4 the second: MJPG is lossy, so compare loosely.
    first_photo = letterbox(cv2.imread(str(faces_dir / PHOTOS[0]))).astype(np.int16)
    for frame in frames:
        difference = np.abs(frame.image.astype(np.int16) - first_photo).mean()
        assert (difference < 6) == (frame.sequence <= 2), (frame.sequence, difference)


def test_camera_is_owned_by_feed_thread(feeds, face_video):
    camera = OpenCvCamera(str(face_video))
    feed = feeds(camera, frames_per_second=30)
    feed.read_frame()

    with pytest.raises(RuntimeError, match="owned by thread"):
        camera.read_frame()


def test_video_end_is_reported_and_reopened(feeds, face_video, fast_reopen, caplog):
    camera = OpenCvCamera(str(face_video))
    with caplog.at_level(logging.INFO, logger="devices.camera_feed"):
        feed = feeds(camera)
        reader = feed.reader()
        sequences, errors = [], []
        while len(sequences) < 10:
            try:
                sequences.append(reader.read().sequence)
            except CameraError as error:
                errors.append(error)

    # The video has six frames; the seventh read fails and the feed plays it again.
    assert sequences == sorted(set(sequences))
    stats = feed.stats
    assert stats.camera_failures >= 1
    assert stats.reopenings >= 1
    assert all(type(error) is CameraError and "returned no frame" in str(error) for error in errors)
    messages = [record.getMessage() for record in caplog.records]
    assert any("failed (attempt 1)" in message and "reopening" in message for message in messages)
    assert any("delivers frames again" in message for message in messages)


def test_vanished_camera_raises_then_recovers(feeds, face_video, fast_reopen):
    camera = OpenCvCamera(str(face_video))
    feed = feeds(camera, frames_per_second=200)
    feed.read_frame()

    hidden = face_video.with_name("unplugged.avi")
    face_video.rename(hidden)
    wait_for(lambda: feed.error is not None and "cannot be opened" in str(feed.error))
    with pytest.raises(CameraError, match="cannot be opened") as raised:
        feed.read_frame()
    assert raised.value is not feed.error
    assert raised.value.__cause__ is not None

    hidden.rename(face_video)
    wait_for(lambda: feed.error is None and feed.latest() is not None)
    feed.read_frame()
    assert feed.stats.reopenings >= 1


def test_stop_releases_camera_and_wakes_readers(face_video):
    camera = OpenCvCamera(str(face_video))
    feed = CameraFeed(camera, frames_per_second=1, idle_timeout_s=None).start()
    reader = feed.reader(timeout_s=WAIT_S)
    reader.read()
    assert camera.is_open

    outcome = []
    waiting = threading.Thread(target=lambda: outcome.append(pytest.raises(CameraError, reader.read)))
    waiting.start()
    time.sleep(0.1)
    assert feed.stop()
    waiting.join(WAIT_S)

    assert not waiting.is_alive()
    assert "not running" in str(outcome[0].value)
    assert not camera.is_open
    assert not feed.running
    assert feed.latest() is None
    with pytest.raises(CameraError, match="not running"):
        feed.read_frame()
    with pytest.raises(RuntimeError, match="already started"):
        feed.start()


def test_idle_feed_closes_camera_until_asked(face_video):
    camera = OpenCvCamera(str(face_video))
    feed = CameraFeed(camera, frames_per_second=30, idle_timeout_s=0.2).start()
    try:
        first = feed.reader().read()
        assert feed.camera_open

        wait_for(lambda: not feed.camera_open)
        assert not camera.is_open
        assert feed.latest() is None  # the last frame was dropped, and this call requests new ones

        wait_for(lambda: feed.latest() is not None)
        assert feed.latest().sequence > first.sequence
        assert camera.is_open
    finally:
        feed.stop()


def test_delivery_rate_is_measured(feeds, expected_frames, tmp_path, faces_dir, capsys):
    """Report how many frames per second a reader gets; only the counts are asserted."""
    folder = save_frames(tmp_path / "vga", {f"{index}.jpg": frame for index, frame in enumerate(expected_frames)})
    long_video = write_video(tmp_path / "long.avi", faces_dir, 100)
    rates = {}
    for label, camera, fps in (
        ("recorded 640x480 frames paced at 30/s", RecordedCamera.from_folder(folder), 30),
        ("640x480 MJPG video paced at 30/s", OpenCvCamera(str(long_video)), 30),
    ):
        feed = feeds(camera, frames_per_second=fps)
        reader = feed.reader()
        reader.read()
        count, started = 0, time.monotonic()
        while time.monotonic() - started < 1.0:
            reader.read()
            count += 1
        rates[label] = count / (time.monotonic() - started)
        assert count > 5
    with capsys.disabled():
        for label, rate in rates.items():
            print(f"\ncamera feed delivery, {label}: {rate:.1f} frames/s")


# The preview detector -------------------------------------------------------------


def test_detect_preview_faces_scales_box_back(faces_dir, face_model):
    frame = close_up(faces_dir, face_model)

    (box,) = detect_preview_faces(face_model, frame)
    (full,) = face_model.detect(bgr_to_rgb(frame), 1)

    # The box from the 320-pixel copy lands within a few pixels of the full-size one.
    for found, reference in zip((box.left, box.top, box.right, box.bottom), (full.left, full.top, full.right, full.bottom)):
        assert abs(found - reference) <= 0.1 * full.width
    assert box.width > 0.2 * frame.shape[1]


@pytest.mark.parametrize(
    ("scene", "guidance", "faces"),
    [("close_up", HOLD_STILL, 1), ("far", MOVE_CLOSER, 1), ("wall", LOOK_AT_CAMERA, 0)],
)
def test_detector_thread_publishes_boxes_and_guidance(feeds, faces_dir, face_model, tmp_path, scene, guidance, faces):
    frame = {
        "close_up": lambda: close_up(faces_dir, face_model),
        "far": lambda: letterbox(cv2.imread(str(faces_dir / "biden.jpg"))),
        "wall": plaster_wall,
    }[scene]()
    feed = feeds(RecordedCamera.from_folder(save_frames(tmp_path / scene, {"0.png": frame})), frames_per_second=30)
    detector = PreviewDetector(feed, face_model).start()
    try:
        wait_for(lambda: detector.detections >= 2)
        detection = detector.latest()
    finally:
        detector.stop()

    assert detector.join(WAIT_S)
    assert detector.thread_ident != threading.get_ident()
    assert len(detection.boxes) == faces
    assert detection.guidance == guidance
    assert detection.frame_size == (640, 480)
    assert detection.sequence >= 1


def test_guidance_asks_for_one_person():
    frame = np.zeros((480, 640, 3), dtype=np.uint8)
    boxes = [FaceBox(100, 100, 250, 250), FaceBox(350, 100, 500, 250)]

    assert preview_guidance(frame, boxes) == SeveralFacesFound.message


def test_detector_ends_when_feed_stops(photo_files, face_model):
    feed = CameraFeed(RecordedCamera(photo_files), frames_per_second=30, idle_timeout_s=None).start()
    detector = PreviewDetector(feed, face_model).start()
    wait_for(lambda: detector.detections >= 1)

    feed.stop()

    assert detector.join(WAIT_S)
