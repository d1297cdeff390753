"""The on-screen signature pad: records strokes with position, pressure and time, and draws them."""

from devices.signature_pad import Signature, StrokePoint
from kiosk.ui.qt import (
    QColor,
    QElapsedTimer,
    QEvent,
    QInputDevice,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPointF,
    QRectF,
    QSize,
    QSizePolicy,
    Qt,
    QTabletEvent,
    QTouchEvent,
    QWidget,
    Signal,
)

# The signature's pad units. Every kiosk records signatures on the same 960 × 320 grid
# whatever the size the canvas is shown at, so the signature checks read the same geometry.
CANVAS_WIDTH = 960
CANVAS_HEIGHT = 320
# The canvas shrinks to no less than 360 × 120 logical pixels when large type leaves less
# room, and grows to the full pad, one logical pixel per pad unit, when it can.
CANVAS_MIN_WIDTH = 360
CANVAS_MIN_HEIGHT = 120

# NOTE: mouse events, and touch screens that do not report pressure, carry no usable
# pressure, so their points get this constant. A pen's tablet events and a
# pressure-sensing touch screen record real pressure.
UNKNOWN_PRESSURE = 0.5

_TOUCH_EVENTS = (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd)

_INK = QColor(20, 30, 110)
_BASELINE = QColor(170, 180, 190)


class SignatureCanvas(QWidget):
    """A canvas that records one signature as :class:`StrokePoint` strokes.

    The widget takes the space its layout gives it, between :data:`CANVAS_MIN_WIDTH` ×
    :data:`CANVAS_MIN_HEIGHT` and the whole pad. It draws the pad as the largest 3:1
    rectangle centred in it (:meth:`pad_rect`). x and y are pad units from the pad's top
    left, clamped to the pad, whatever the size shown. At full size a pad unit is one
    logical pixel. ``t_ms`` counts milliseconds from the first point of the signature.
    ``changed`` carries the number of points recorded so far.
    """

    changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signatureCanvas")
        self.setMinimumSize(CANVAS_MIN_WIDTH, CANVAS_MIN_HEIGHT)
        self.setMaximumSize(CANVAS_WIDTH, CANVAS_HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        # A layout resizes the canvas. A canvas shown on its own is the whole pad.
        self.resize(CANVAS_WIDTH, CANVAS_HEIGHT)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)
        self._strokes: list[list[StrokePoint]] = []
        self._stroke: list[StrokePoint] | None = None
        self._clock = QElapsedTimer()

    def sizeHint(self) -> QSize:
        return QSize(CANVAS_WIDTH, CANVAS_HEIGHT)

    def minimumSizeHint(self) -> QSize:
        return QSize(CANVAS_MIN_WIDTH, CANVAS_MIN_HEIGHT)

    def pad_rect(self) -> QRectF:
        """Return where the pad lies in the widget: the largest 3:1 rectangle centred in it."""
        scale = self._scale()
        width, height = CANVAS_WIDTH * scale, CANVAS_HEIGHT * scale
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def position_of(self, x: float, y: float) -> QPointF:
        """Return the widget position, in logical pixels, of the pad point (``x``, ``y``) in pad units."""
        pad = self.pad_rect()
        scale = self._scale()
        return QPointF(pad.x() + x * scale, pad.y() + y * scale)

    def _scale(self) -> float:
        """Return logical pixels per pad unit, or 1 while the widget has no size yet."""
        return min(self.width() / CANVAS_WIDTH, self.height() / CANVAS_HEIGHT) or 1.0

    @property
    def point_count(self) -> int:
        return sum(len(stroke) for stroke in self._strokes) + len(self._stroke or [])

    def signature(self) -> Signature:
        """Return a copy of the strokes drawn so far, including a stroke still in progress."""
        strokes = [list(stroke) for stroke in self._strokes]
        if self._stroke:
            strokes.append(list(self._stroke))
        return Signature(CANVAS_WIDTH, CANVAS_HEIGHT, strokes)

    def clear(self) -> None:
        self._strokes = []
        self._stroke = None
        self._clock.invalidate()
        self.update()
        self.changed.emit(0)

    # Input ---------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin_stroke(event.position(), UNKNOWN_PRESSURE)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._stroke is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self._add_point(event.position(), UNKNOWN_PRESSURE)
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._stroke is not None:
            self._add_point(event.position(), UNKNOWN_PRESSURE)
            self._end_stroke()
        event.accept()

    def tabletEvent(self, event: QTabletEvent) -> None:
        """Record a pen with its pressure. Accepting the event stops Qt from also sending mouse events."""
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self._begin_stroke(event.position(), event.pressure())
        elif kind == QEvent.Type.TabletMove and self._stroke is not None:
            self._add_point(event.position(), event.pressure())
        elif kind == QEvent.Type.TabletRelease and self._stroke is not None:
            self._add_point(event.position(), event.pressure())
            self._end_stroke()
        event.accept()

    def event(self, event: QEvent) -> bool:
        if event.type() in _TOUCH_EVENTS:
            self._touch(event)
            return True
        return super().event(event)

    def _touch(self, event: QTouchEvent) -> None:
        """Record the first finger of a touch screen, with its pressure when the screen reports it.

        Accepting the touch stops Qt from also sending the mouse events it would make of it.
        """
        points = event.points()
        if points:
            point = points[0]
            device = event.pointingDevice()
            senses_pressure = device is not None and bool(device.capabilities() & QInputDevice.Capability.Pressure)
            pressure = point.pressure() if senses_pressure else UNKNOWN_PRESSURE
            kind = event.type()
            if kind == QEvent.Type.TouchBegin:
                self._begin_stroke(point.position(), pressure)
            elif self._stroke is not None:
                self._add_point(point.position(), pressure)
                if kind == QEvent.Type.TouchEnd:
                    self._end_stroke()
        event.accept()

    def _begin_stroke(self, position: QPointF, pressure: float) -> None:
        if self._stroke:
            self._end_stroke()
        self._stroke = []
        self._add_point(position, pressure)

    def _add_point(self, position: QPointF, pressure: float) -> None:
        assert self._stroke is not None
        if not self._clock.isValid():
            self._clock.start()
        pad = self.pad_rect()
        scale = self._scale()
        x = min(max((position.x() - pad.x()) / scale, 0.0), float(CANVAS_WIDTH))
        y = min(max((position.y() - pad.y()) / scale, 0.0), float(CANVAS_HEIGHT))
        self._stroke.append(StrokePoint(round(x, 1), round(y, 1), round(min(max(pressure, 0.0), 1.0), 3), self._clock.elapsed()))
        self.update()
        self.changed.emit(self.point_count)

    def _end_stroke(self) -> None:
        if self._stroke:
            self._strokes.append(self._stroke)
        self._stroke = None

    # Drawing -------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)

        # Draw in pad units, so the pad, its baseline and the ink scale with the widget. Pen
        # widths are divided by the scale, so lines keep their width in logical pixels and
        # the ink stays as visible on a small pad as on the full one.
        pad = self.pad_rect()
        scale = self._scale()
        painter.translate(pad.topLeft())
        painter.scale(scale, scale)
        painter.fillRect(0, 0, CANVAS_WIDTH, CANVAS_HEIGHT, Qt.GlobalColor.white)

        painter.setPen(QPen(_BASELINE, 2 / scale, Qt.PenStyle.DashLine))
        baseline_y = int(CANVAS_HEIGHT * 0.75)
        painter.drawLine(40, baseline_y, CANVAS_WIDTH - 40, baseline_y)
        painter.drawRect(QRectF(0, 0, CANVAS_WIDTH, CANVAS_HEIGHT).adjusted(0.5 / scale, 0.5 / scale, -0.5 / scale, -0.5 / scale))

        strokes = self._strokes + ([self._stroke] if self._stroke else [])
        for stroke in strokes:
            if len(stroke) == 1:
                point = stroke[0]
                painter.setPen(QPen(_INK, self._pen_width(point.pressure) / scale, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
                painter.drawPoint(QPointF(point.x, point.y))
            for start, end in zip(stroke, stroke[1:]):
                width = self._pen_width((start.pressure + end.pressure) / 2) / scale
                painter.setPen(QPen(_INK, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
                painter.drawLine(QPointF(start.x, start.y), QPointF(end.x, end.y))
        painter.end()

    @staticmethod
    def _pen_width(pressure: float) -> float:
        # The same widths as the contract's signature image: 1.5 px plus up to 3.5 px with pressure.
        return 1.5 + 3.5 * pressure
