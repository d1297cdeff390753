"""The live camera preview on the face screen, driven offscreen with real frames, real dlib and the real kiosk window."""

import threading

import cv2
import pytest

from devices.camera import OpenCvCamera, RecordedCamera, letterbox
from devices.camera_feed import CameraFeed
from kiosk.errors import NoFaceFound
from kiosk.identity.face.quality import LIVE_GUIDANCE, QualityProblem
from kiosk.identity.face_preview import HOLD_STILL
from kiosk.session import Stage
from kiosk.ui.qt import QColor
from kiosk.ui.widgets import camera_preview
from kiosk.ui.widgets.camera_preview import CameraPreview
from tests.test_camera_feed import close_up, plaster_wall, save_frames
from tests.test_kiosk_ui import (  # noqa: F401 (fixtures are found by name)
    STEP_TIMEOUT_MS,
    branch_config,
    click,
    open_kiosk,
    wait_idle_on,
    walk_to_face,
)

pytestmark = pytest.mark.gui

# Waits for another thread; only a hang reaches them.
WAIT_MS = 10_000


@pytest.fixture
def customer_frames(tmp_path, faces_dir, face_model):
    """Three distinct 640 × 480 frames of the demo customer: two close-ups and one from further away."""
    return save_frames(
        tmp_path / "customer-vga",
        {
            "0.jpg": close_up(faces_dir, face_model, "obama2.jpg"),
            "1.jpg": close_up(faces_dir, face_model, "obama3.jpg"),
            "2.jpg": letterbox(cv2.imread(str(faces_dir / "obama2.jpg"))),
        },
    )


@pytest.fixture
def preview_widget(qtbot):
    """A bare CameraPreview, shown at its preferred size; its feeds are stopped afterwards."""
    preview = CameraPreview()
    qtbot.addWidget(preview)
    preview.resize(640, 480)
    preview.show()
    feeds: list[CameraFeed] = []

    def show(camera) -> CameraFeed:
        feed = CameraFeed(camera, frames_per_second=30, idle_timeout_s=None).start()
        feeds.append(feed)
        return feed

    yield preview, show
    preview.stop()
    for feed in feeds:
        feed.stop()


def box_pixels(preview: CameraPreview) -> int:
    """Count the pixels of the face box colour in what the widget paints."""
    image = preview.grab().toImage()
    colour = QColor(camera_preview._BOX_COLOUR).rgb()
    return sum(1 for y in range(0, image.height(), 2) for x in range(image.width()) if image.pixel(x, y) == colour)


def test_face_screen_shows_live_preview(qtbot, open_kiosk, customer_frames, capsys):
    window = open_kiosk(camera_frames=customer_frames)
    walk_to_face(qtbot, window)
    face = window.screens[Stage.FACE]
    preview = face.preview
    qtbot.waitUntil(lambda: preview.frames_shown > 0 and bool(preview.face_boxes), timeout=WAIT_MS)
    assert preview.running

    shown_before, detections_before = preview.frames_shown, preview.detector.detections
    first_sequences = set(preview.shown_sequences)
    qtbot.wait(1000)
    shown = preview.frames_shown - shown_before
    detections = preview.detector.detections - detections_before
    with capsys.disabled():
        print(f"\nface screen preview: {shown} frames shown and {detections} face detections in 1 s")

    assert shown > 0
    assert len(set(preview.shown_sequences) - first_sequences) >= 5
    assert preview.guidance == HOLD_STILL
    detector_thread = preview.detector.thread_ident
    assert detector_thread not in (threading.get_ident(), window.runner.thread_ident)

    click(qtbot, face.capture_button)
    qtbot.waitUntil(lambda: face.captured and not window.runner.busy, timeout=STEP_TIMEOUT_MS)
    assert not preview.running
    assert not preview.isVisible()
    assert preview.detector.join(WAIT_MS / 1000)


def test_preview_draws_box_over_face_only(qtbot, preview_widget, faces_dir, face_model, tmp_path):
    preview, show = preview_widget
    scenes = {
        "close_up": close_up(faces_dir, face_model),
        "far": letterbox(cv2.imread(str(faces_dir / "biden.jpg"))),
        "wall": plaster_wall(),
    }
    # The preview's guidance comes from the live quality gate.
    expected = {
        "close_up": (HOLD_STILL, 1),
        "far": (LIVE_GUIDANCE[QualityProblem.FACE_TOO_SMALL], 1),
        "wall": (NoFaceFound.message, 0),
    }

    for scene, frame in scenes.items():
        guidance, faces = expected[scene]
        feed = show(RecordedCamera.from_folder(save_frames(tmp_path / scene, {"0.png": frame})))
        preview.start(feed, face_model)
        qtbot.waitUntil(lambda: preview.detector.detections >= 2 and preview.frames_shown > 0, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: preview.guidance == guidance, timeout=WAIT_MS)

        assert len(preview.face_boxes) == faces, scene
        assert (box_pixels(preview) > 100) == (faces > 0), scene
        assert preview.guidance_text == guidance.zh
        preview.set_language("en")
        assert preview.guidance_text == guidance.en
        preview.set_language("zh")


def test_preview_shows_camera_error(qtbot, preview_widget, face_model, tmp_path):
    preview, show = preview_widget
    feed = show(OpenCvCamera(str(tmp_path / "no-camera.avi")))

    preview.start(feed, face_model)
    qtbot.waitUntil(lambda: preview.guidance is not None and "摄像头不可用" in preview.guidance_text, timeout=WAIT_MS)

    assert preview.frames_shown == 0
    assert preview.face_boxes == ()
    assert preview.running


def test_leaving_face_screen_stops_preview(qtbot, open_kiosk, customer_frames):
    window = open_kiosk(camera_frames=customer_frames)
    feed = window.context.runtime.services.camera
    face = window.screens[Stage.FACE]

    # Cancelling leaves the face screen for the exit screen.
    walk_to_face(qtbot, window)
    qtbot.waitUntil(lambda: face.preview.frames_shown > 0, timeout=WAIT_MS)
    detector = face.preview.detector
    click(qtbot, window.cancel_button)
    wait_idle_on(qtbot, window, exit_screen=True)
    assert not face.preview.running
    assert detector.join(WAIT_MS / 1000)
    qtbot.waitUntil(lambda: not feed.camera_open, timeout=WAIT_MS)
    assert feed.running

    # A kiosk reset while the face screen shows stops it too.
    click(qtbot, window.exit_screen.start_again_button)
    wait_idle_on(qtbot, window, Stage.WELCOME)
    walk_to_face(qtbot, window)
    qtbot.waitUntil(lambda: face.preview.frames_shown > 0 and feed.camera_open, timeout=WAIT_MS)
    detector = face.preview.detector
    window.restart()
    wait_idle_on(qtbot, window, Stage.WELCOME)
    assert not face.preview.running
    assert face.preview.sequence == 0
    assert detector.join(WAIT_MS / 1000)


def test_face_screen_shows_the_liveness_challenge(qtbot, branch_config, face_model):
    """With liveness on, the face screen tells the customer which movement to make."""
    from dataclasses import replace

    from countersign.runtime import BranchRuntime
    from kiosk.identity.liveness import Challenge
    from kiosk.ui.app import build_window, demo_preparation
    from tests.test_kiosk_ui import walk_to_face

    config = replace(branch_config, liveness=True)
    window = build_window(BranchRuntime(config, face_model=face_model), windowed=True, prepare_session=demo_preparation(config))
    qtbot.addWidget(window)
    try:
        window.show()
        window.start_runtime()
        qtbot.waitUntil(window.welcome.start_button.isEnabled, timeout=WAIT_MS)
        walk_to_face(qtbot, window)
        face = window.screens[Stage.FACE]
        assert face.challenge_label.text() in {challenge.prompt.zh for challenge in Challenge}
        assert face.challenge_label.isVisible()
    finally:
        window.shutdown()
