"""The face models served by a child process: the same results as in-process, and a clear error when the child fails."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from kiosk.errors import FaceServiceUnavailable, user_message
from kiosk.identity.face import FaceModel
from kiosk.identity.face.process import FaceModelProcess
from kiosk.identity.images import decode_image

REPOSITORY = Path(__file__).resolve().parent.parent


@pytest.fixture
def served():
    model = FaceModelProcess()
    yield model
    model.close()


@pytest.fixture(scope="module")
def photo(faces_dir) -> np.ndarray:
    return decode_image((faces_dir / "obama.jpg").read_bytes())


def test_served_results_equal_in_process(served, face_model, photo):
    boxes = served.detect(photo, 1)
    assert boxes == face_model.detect(photo, 1)
    assert len(boxes) == 1

    detections = served.detect_scaled(photo, 0.5)
    assert detections == face_model.detect_scaled(photo, 0.5)

    box = served.refine(photo, boxes[0])
    assert box == face_model.refine(photo, boxes[0])
    np.testing.assert_array_equal(served.describe(photo, box), face_model.describe(photo, box))
    np.testing.assert_array_equal(served.landmarks(photo, box), face_model.landmarks(photo, box))


def test_served_model_error_raised_again(served, face_model, photo):
    """dlib refuses a float image; the caller sees the same exception type as in-process, and the child lives on."""
    wrong = photo.astype(np.float64)
    with pytest.raises(Exception) as in_process:
        face_model.detect(wrong, 0)
    with pytest.raises(type(in_process.value)):
        served.detect(wrong, 0)

    pid = served.pid
    assert len(served.detect(photo, 0)) == 1
    assert served.pid == pid


def test_served_killed_child_replaced(served, photo):
    served.detect(photo, 0)
    first = served.pid
    os.kill(first, signal.SIGKILL)

    assert len(served.detect(photo, 0)) == 1
    assert served.pid not in (None, first)


def test_served_call_timeout_then_recovers(photo):
    served = FaceModelProcess()
    try:
        # Wait for the models first, so that the short timeout hits the call, not the start.
        served.detect(photo, 0)
        served.call_timeout_s = 0.001
        with pytest.raises(FaceServiceUnavailable, match="timed out after"):
            served.detect(photo, 2)
        assert served.pid is None

        served.call_timeout_s = 60
        assert len(served.detect(photo, 0)) == 1
    finally:
        served.close()


def test_served_close_ends_child(photo):
    served = FaceModelProcess()
    served.detect(photo, 0)
    child = served._child
    served.close()

    assert child.returncode == 0
    with pytest.raises(FaceServiceUnavailable):
        served.detect(photo, 0)


def test_served_missing_interpreter_is_unavailable(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-python"))
    with pytest.raises(FaceServiceUnavailable) as raised:
        FaceModelProcess()
    message = user_message(raised.value)
    assert "人脸核验暂时无法使用" in message.zh
    assert "Face checking is not available" in message.en


def test_served_child_ends_with_parent():
    """A kiosk killed outright leaves no face process behind: the child reads the end of its input."""
    script = (
        "import sys; from kiosk.identity.face.process import FaceModelProcess;"
        "import numpy as np; m = FaceModelProcess(); m.detect(np.zeros((64, 64, 3), np.uint8), 0);"
        "print(m.pid, flush=True); sys.stdin.read()"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPOSITORY
    )
    child_pid = int(parent.stdout.readline())
    parent.kill()
    parent.wait()

    for _ in range(100):
        if not _alive(child_pid):
            break
        time.sleep(0.05)
    assert not _alive(child_pid)


def _alive(pid: int) -> bool:
    """Return whether ``pid`` runs and is not a zombie (the child is re-parented and reaped by init)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
