"""The on-screen signature pad under touch: strokes with timing, and pressure when the screen reports it."""

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QInputDevice, QPointingDevice
from PySide6.QtTest import QTest

from kiosk.ui.widgets.signature_canvas import UNKNOWN_PRESSURE, SignatureCanvas

pytestmark = pytest.mark.gui


def _touch_device(capabilities) -> QPointingDevice:
    return QTest.createTouchDevice(QInputDevice.DeviceType.TouchScreen, capabilities)


def _swipe(qtbot, canvas: SignatureCanvas, device: QPointingDevice) -> None:
    """Draw one stroke with a finger: down, three moves a few milliseconds apart, up."""
    QTest.touchEvent(canvas, device).press(0, QPoint(100, 200), canvas).commit()
    for x in (200, 300, 400):
        qtbot.wait(5)
        QTest.touchEvent(canvas, device).move(0, QPoint(x, 200 - x // 10), canvas).commit()
    QTest.touchEvent(canvas, device).release(0, QPoint(450, 150), canvas).commit()


def test_touch_stroke_is_recorded_with_times(qtbot):
    canvas = SignatureCanvas()
    qtbot.addWidget(canvas)
    canvas.show()
    device = _touch_device(QInputDevice.Capability.Position)

    _swipe(qtbot, canvas, device)

    (stroke,) = canvas.signature().strokes
    assert len(stroke) >= 5
    assert (stroke[0].x, stroke[0].y) == (100.0, 200.0)
    assert stroke[-1].x == 450.0
    times = [point.t_ms for point in stroke]
    assert times == sorted(times)
    assert times[-1] > times[0]
    assert {point.pressure for point in stroke} == {UNKNOWN_PRESSURE}


def test_pressure_screen_records_its_pressure(qtbot):
    canvas = SignatureCanvas()
    qtbot.addWidget(canvas)
    canvas.show()
    device = _touch_device(QInputDevice.Capability.Position | QInputDevice.Capability.Pressure)

    _swipe(qtbot, canvas, device)

    (stroke,) = canvas.signature().strokes
    assert UNKNOWN_PRESSURE not in {point.pressure for point in stroke[:-1]}
