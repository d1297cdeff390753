"""Cameras: live capture through OpenCV, and recorded frames of real faces for tests and demos.

Both return 8-bit BGR frames (OpenCV's order) of the configured size.
"""

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from devices.errors import CameraError, FrameUnreadableError
from devices.ownership import ThreadOwner

log = logging.getLogger(__name__)

FRAME_SIZE = (640, 480)


class Camera(Protocol):
    """A source of BGR frames.

    ``read_frame`` raises :class:`CameraError` when the camera is gone and
    :class:`FrameUnreadableError` when one frame cannot be decoded.
    """

    def read_frame(self) -> np.ndarray: ...

    def close(self) -> None: ...


def letterbox(image: np.ndarray, size: tuple[int, int] = FRAME_SIZE) -> np.ndarray:
    """Scale ``image`` to fit ``size`` (width, height) and pad the rest with black."""
    width, height = size
    scale = min(width / image.shape[1], height / image.shape[0])
    scaled_width = max(1, round(image.shape[1] * scale))
    scaled_height = max(1, round(image.shape[0] * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    scaled = cv2.resize(image, (scaled_width, scaled_height), interpolation=interpolation)

    frame = np.zeros((height, width, 3), dtype=np.uint8)
    top = (height - scaled_height) // 2
    left = (width - scaled_width) // 2
    frame[top : top + scaled_height, left : left + scaled_width] = scaled
    return frame


class RecordedCamera:
    """Plays recorded images as camera frames, in order, starting again after the last.

    Each file is decoded when its turn first comes, so an unreadable file raises
    :class:`FrameUnreadableError` for that frame only, as a glitching camera would. A
    decoded frame is kept and later turns return a copy of it, so that a camera feed can
    play full-size photographs at 30 frames per second. Decoding a 3-megapixel JPEG
    again on every turn took about 40 ms on a 2-core test machine. An unreadable file
    is tried again on each of its turns.
    """

    def __init__(self, frames: Sequence[Path], size: tuple[int, int] = FRAME_SIZE) -> None:
        if not frames:
            raise CameraError("recorded camera has no frames")
        self.frames = list(frames)
        self.size = size
        self._next = 0
        self._decoded: dict[Path, np.ndarray] = {}

    @classmethod
    def from_folder(cls, folder: Path, size: tuple[int, int] = FRAME_SIZE) -> "RecordedCamera":
        """Use every .jpg, .jpeg and .png file in ``folder``, sorted by name."""
        suffixes = {".jpg", ".jpeg", ".png"}
        if not folder.is_dir():
            raise CameraError(f"recorded frames folder {folder} does not exist")
        frames = sorted(path for path in folder.iterdir() if path.suffix.lower() in suffixes)
        if not frames:
            raise CameraError(f"no recorded frames (.jpg, .png) in {folder}")
        return cls(frames, size)

    def read_frame(self) -> np.ndarray:
        path = self.frames[self._next % len(self.frames)]
        self._next += 1

        frame = self._decoded.get(path)
        if frame is None:
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                raise FrameUnreadableError(f"recorded frame {path.name} cannot be decoded")
            frame = letterbox(image, self.size)
            self._decoded[path] = frame
        return frame.copy()

    def close(self) -> None:
        self._next = 0


class OpenCvCamera:
    """A camera opened with ``cv2.VideoCapture``; owned by the first thread that reads.

    ``source`` is a device index (0 for the first camera) or a video file, which plays
    like a camera and ends with :class:`CameraError` after its last frame.
    """

    def __init__(self, source: int | str = 0, size: tuple[int, int] = FRAME_SIZE) -> None:
        self.source = source
        self.size = size
        self._capture: cv2.VideoCapture | None = None
        self._owner = ThreadOwner(f"camera {source}")

    @property
    def is_open(self) -> bool:
        """Whether the capture device or file is open; it opens on the first read."""
        return self._capture is not None

    def read_frame(self) -> np.ndarray:
        self._owner.check()
        if self._capture is None:
            capture = cv2.VideoCapture(self.source)
            if not capture.isOpened():
                raise CameraError(f"camera {self.source} cannot be opened")
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.size[0])
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.size[1])
            self._capture = capture

        ok, frame = self._capture.read()
        if not ok or frame is None:
            self.close()
            raise CameraError(f"camera {self.source} returned no frame")
        if (frame.shape[1], frame.shape[0]) != self.size:
            frame = letterbox(frame, self.size)
        return frame

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None
