"""The live camera preview: the feed's newest frame, with the face box and the customer's guidance drawn over it."""

import logging
from collections import deque

import numpy as np

from devices.camera_feed import CameraFeed
from devices.errors import CameraError
from kiosk.ui.errors import customer_message
from kiosk.identity.face import FaceBox, FaceModel
from kiosk.identity.face_preview import Guidance, PreviewDetection, PreviewDetector, gate_guidance
from kiosk.messages import Message
from kiosk.ui import strings
from kiosk.ui.qt import QColor, QFont, QImage, QPainter, QPaintEvent, QPen, QRectF, QSize, QSizePolicy, Qt, QTimer, QWidget
from kiosk.ui.style import BODY_PX, FONT_FAMILIES

log = logging.getLogger(__name__)

# The timer polls the feed about 66 times a second, so each frame of a 30 frames/s
# camera is shown within 15 ms of its arrival. A poll without a new frame costs little.
POLL_INTERVAL_MS = 15

# A face box found on a frame more than this much older than the frame shown is not
# drawn, because the face has probably moved since.
MAX_BOX_AGE_S = 0.5

# How many of the last shown frame sequences the widget keeps, for tests and diagnostics.
SHOWN_HISTORY = 256

GUIDANCE_PX = BODY_PX + 6
_BACKGROUND = QColor(20, 24, 30)
_BOX_COLOUR = QColor(46, 204, 113)
_BAND_COLOUR = QColor(0, 0, 0, 160)
_TEXT_COLOUR = QColor(255, 255, 255)


class CameraPreview(QWidget):
    """Shows a :class:`CameraFeed` live, with the faces a :class:`PreviewDetector` found and its guidance.

    :meth:`start` starts a QTimer on the UI thread and a detector thread. Each timer
    tick takes the feed's newest frame with :meth:`CameraFeed.latest` and the
    detector's newest result with :meth:`PreviewDetector.latest`. Neither call waits
    on the camera or on detection, and neither does :meth:`stop`. The frame is shown
    mirrored by default, as a mirror would show the customer.

    The guidance is, in order: the camera's error sentence while the feed reports an
    error, "opening the camera" before the first frame, then the detector's guidance.
    ``guidance`` computes the detector's guidance; without it the live quality gate does.
    """

    def __init__(self, parent: QWidget | None = None, mirrored: bool = True, guidance: Guidance | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cameraPreview")
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.mirrored = mirrored
        self.guidance_function = guidance
        self._language = "zh"
        self._feed: CameraFeed | None = None
        self._detector: PreviewDetector | None = None

        self._timer = QTimer(self)
        self._timer.setInterval(POLL_INTERVAL_MS)
        self._timer.timeout.connect(self._poll)

        self._font = QFont()
        self._font.setFamilies(FONT_FAMILIES)
        self._font.setPixelSize(GUIDANCE_PX)
        self._font.setBold(True)

        self.frames_shown = 0
        self.shown_sequences: deque[int] = deque(maxlen=SHOWN_HISTORY)
        self._reset_view()

    def sizeHint(self) -> QSize:
        return QSize(640, 480)

    # Control -------------------------------------------------------------------

    def start(self, feed: CameraFeed, model: FaceModel | None) -> None:
        """Show ``feed``, and with ``model`` start a detector thread over it. A running preview is stopped first."""
        self.stop()
        self._feed = feed
        if model is not None:
            guidance = self.guidance_function or gate_guidance(model)
            self._detector = PreviewDetector(feed, model, guidance).start()
        self._timer.start()
        log.info("camera preview started on camera %s", feed.name)
        self._poll()

    def stop(self) -> None:
        """Stop the timer, request the detector thread to end and forget the frame shown; returns at once."""
        was_running = self._timer.isActive()
        self._timer.stop()
        if self._detector is not None:
            self._detector.stop()
        self._feed = None
        self._reset_view()
        self.update()
        if was_running:
            log.info("camera preview stopped after %d frames shown", self.frames_shown)

    def set_language(self, language: str) -> None:
        self._language = language
        self.update()

    # State, for the face screen and tests ----------------------------------------

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    @property
    def detector(self) -> PreviewDetector | None:
        """The detector started last; it may have been asked to stop already."""
        return self._detector

    @property
    def sequence(self) -> int:
        """The feed sequence of the frame taken last, or 0 when none is shown."""
        return self._sequence

    @property
    def guidance(self) -> Message | None:
        return self._guidance

    @property
    def guidance_text(self) -> str:
        return self._guidance.text(self._language) if self._guidance is not None else ""

    @property
    def face_boxes(self) -> tuple[FaceBox, ...]:
        """The boxes drawn over the current frame, in the frame's pixels before mirroring."""
        return self._boxes

    # Polling (UI thread) ---------------------------------------------------------

    def _reset_view(self) -> None:
        self._image: QImage | None = None
        self._pixels: np.ndarray | None = None
        self._sequence = 0
        self._frame_timestamp = 0.0
        self._frame_size = (0, 0)
        self._painted_sequence = 0
        self._error: CameraError | None = None
        self._boxes: tuple[FaceBox, ...] = ()
        self._guidance: Message | None = None

    def _poll(self) -> None:
        feed = self._feed
        if feed is None:
            return

        frame = feed.latest(newer_than=self._sequence)
        if frame is not None:
            pixels = np.ascontiguousarray(frame.image[:, ::-1]) if self.mirrored else frame.image
            height, width = pixels.shape[:2]
            # The QImage reads the array's memory, so the array is kept as long as the image.
            self._image = QImage(pixels.data, width, height, pixels.strides[0], QImage.Format.Format_BGR888)
            self._pixels = pixels
            self._sequence = frame.sequence
            self._frame_timestamp = frame.timestamp
            self._frame_size = (width, height)

        detection = self._detector.latest() if self._detector is not None else None
        shown = (self._error, self._boxes, self._guidance)
        self._error = feed.error
        self._boxes = self._fresh_boxes(detection)
        self._guidance = self._current_guidance(detection)
        if frame is not None or (self._error, self._boxes, self._guidance) != shown:
            self.update()

    def _fresh_boxes(self, detection: PreviewDetection | None) -> tuple[FaceBox, ...]:
        if detection is None or self._image is None or self._error is not None:
            return ()
        if self._frame_timestamp - detection.timestamp > MAX_BOX_AGE_S:
            return ()
        return detection.boxes

    def _current_guidance(self, detection: PreviewDetection | None) -> Message | None:
        if self._error is not None:
            return customer_message(self._error)
        if self._image is None:
            return strings.message("face.preview.starting")
        if detection is None:
            return None
        return detection.guidance

    # Drawing -------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), _BACKGROUND)

        target = self._target_rect()
        if self._image is not None and self._error is None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, self._image)
            if self._sequence != self._painted_sequence:
                self._painted_sequence = self._sequence
                self.frames_shown += 1
                self.shown_sequences.append(self._sequence)
            self._draw_boxes(painter, target)

        if self._guidance is not None:
            self._draw_guidance(painter, target, self._guidance.text(self._language))
        painter.end()

    def _target_rect(self) -> QRectF:
        """Return the largest rectangle of the frame's aspect ratio that fits the widget, centred."""
        width, height = self._frame_size if self._image is not None else (4, 3)
        scale = min(self.width() / width, self.height() / height)
        target_width, target_height = width * scale, height * scale
        return QRectF((self.width() - target_width) / 2, (self.height() - target_height) / 2, target_width, target_height)

    def _draw_boxes(self, painter: QPainter, target: QRectF) -> None:
        frame_width, frame_height = self._frame_size
        scale_x = target.width() / frame_width
        scale_y = target.height() / frame_height
        painter.setPen(QPen(_BOX_COLOUR, 4))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for box in self._boxes:
            left, right = (frame_width - box.right, frame_width - box.left) if self.mirrored else (box.left, box.right)
            painter.drawRect(
                QRectF(
                    target.left() + left * scale_x,
                    target.top() + box.top * scale_y,
                    (right - left) * scale_x,
                    (box.bottom - box.top) * scale_y,
                )
            )

    def _draw_guidance(self, painter: QPainter, target: QRectF, text: str) -> None:
        band_height = min(target.height(), GUIDANCE_PX * 2.6)
        band = QRectF(target.left(), target.bottom() - band_height, target.width(), band_height)
        painter.fillRect(band, _BAND_COLOUR)
        painter.setFont(self._font)
        painter.setPen(_TEXT_COLOUR)
        painter.drawText(band.adjusted(12, 4, -12, -4), int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), text)
