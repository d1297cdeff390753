"""Drive a kiosk window on a demo branch through a whole rental, as a customer would, without pytest.

The screenshot command and the UI latency benchmark use it. Each step presses the
window's own buttons, or sends the mouse events a finger would, and then runs the Qt
event loop until the window shows the next screen.
"""

import logging
import math
import time
from collections.abc import Callable

from kiosk.session import Stage
from kiosk.ui.qt import QApplication, QEvent, QMouseEvent, QPointF, QPushButton, Qt
from kiosk.ui.window import KioskWindow

log = logging.getLogger(__name__)

# Face matching and sealing take a few seconds on a small machine; this bounds a hang.
STEP_TIMEOUT_S = 90.0


class DemoDriverError(RuntimeError):
    """The window did not reach the expected state in time, or a button was not available."""


class DemoDriver:
    """Presses through ``window``'s screens. ``on_step(name)`` is called as each step starts."""

    def __init__(self, window: KioskWindow, on_step: Callable[[str], None] | None = None) -> None:
        self.window = window
        self.on_step = on_step or (lambda _name: None)

    # Waiting -------------------------------------------------------------------

    def wait(self, seconds: float) -> None:
        """Run the event loop for ``seconds``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            QApplication.processEvents()
            time.sleep(0.005)

    def wait_until(self, condition: Callable[[], bool], what: str, timeout_s: float = STEP_TIMEOUT_S) -> None:
        """Run the event loop until ``condition()`` is true. Raises :class:`DemoDriverError` after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                raise DemoDriverError(f"timed out after {timeout_s:.0f} s waiting for {what}")
            QApplication.processEvents()
            time.sleep(0.005)

    def wait_for_stage(self, stage: Stage | None) -> None:
        """Wait until no operation runs and the screen for ``stage`` shows (``None``: the exit screen)."""
        window = self.window
        expected = window.exit_screen if stage is None else window.screens[stage]
        self.wait_until(
            lambda: not window.runner.busy and window.current_screen is expected,
            f"the {stage.value if stage else 'exit'} screen",
        )

    # Input ---------------------------------------------------------------------

    def click(self, button: QPushButton) -> None:
        """Press ``button``. Raises :class:`DemoDriverError` when it is hidden or disabled."""
        if not button.isVisible() or not button.isEnabled():
            raise DemoDriverError(f"button {button.objectName() or button.text()!r} is not available")
        button.click()
        QApplication.processEvents()

    def draw_signature(self) -> None:
        """Write two wavy strokes across the signature pad with mouse press, moves and release.

        The strokes are laid out in pad units and sent at the widget positions the canvas
        shows them, so they land the same on a canvas shrunk by large type.
        """
        canvas = self.window.screens[Stage.SIGN].canvas
        for stroke in range(2):
            top = 110 + stroke * 90
            points = [canvas.position_of(40 + step * 15, top + 60 * math.sin(step / 4)) for step in range(59)]
            self._send_mouse(canvas, QEvent.Type.MouseButtonPress, points[0], Qt.MouseButton.LeftButton)
            for point in points[1:]:
                self._send_mouse(canvas, QEvent.Type.MouseMove, point, Qt.MouseButton.NoButton)
            self._send_mouse(canvas, QEvent.Type.MouseButtonRelease, points[-1], Qt.MouseButton.LeftButton)
            QApplication.processEvents()

    @staticmethod
    def _send_mouse(widget, kind: QEvent.Type, position: QPointF, button: Qt.MouseButton) -> None:
        held = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else Qt.MouseButton.LeftButton
        global_position = QPointF(widget.mapToGlobal(position))
        event = QMouseEvent(kind, position, global_position, button, held, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(widget, event)

    def read_contract(self) -> None:
        """Scroll the contract a page at a time until the screen counts it as read."""
        contract = self.window.screens[Stage.CONTRACT]
        bar = contract.scroll.verticalScrollBar()
        for _page in range(60):
            if contract.read_to_end:
                return
            bar.setValue(bar.value() + bar.pageStep())
            self.wait(0.03)
        raise DemoDriverError("the contract was not counted as read after 60 pages")

    # Steps ---------------------------------------------------------------------

    def wait_ready(self) -> None:
        self.on_step("start_runtime")
        self.wait_until(self.window.welcome.start_button.isEnabled, "the runtime to start")

    def begin(self) -> None:
        self.on_step("begin_session")
        self.click(self.window.welcome.start_button)
        self.wait_for_stage(Stage.CONSENT)

    def give_consent(self) -> None:
        self.on_step("give_consent")
        consent = self.window.screens[Stage.CONSENT]
        consent.id_box.setChecked(True)
        consent.face_box.setChecked(True)
        self.click(consent.continue_button)
        self.wait_for_stage(Stage.DOCUMENT)

    def decline_consent(self) -> None:
        self.on_step("decline_consent")
        self.click(self.window.screens[Stage.CONSENT].decline_button)
        self.wait_for_stage(None)

    def read_document(self) -> None:
        self.on_step("read_document")
        self.click(self.window.screens[Stage.DOCUMENT].read_button)
        self.wait_for_stage(Stage.LICENCE)
        licence = self.window.screens[Stage.LICENCE]
        self.wait_until(licence.continue_button.isVisible, "the licence checks")

    def continue_to_face(self) -> None:
        self.on_step("check_licence")
        self.click(self.window.screens[Stage.LICENCE].continue_button)
        self.wait_for_stage(Stage.FACE)
        face = self.window.screens[Stage.FACE]
        self.wait_until(lambda: face.preview.frames_shown > 0 or not face.preview.isVisible(), "the camera preview")

    def capture_face(self) -> None:
        self.on_step("capture_face")
        face = self.window.screens[Stage.FACE]
        self.click(face.capture_button)
        self.wait_until(lambda: face.captured and not self.window.runner.busy, "the face capture")

    def verify(self) -> None:
        self.on_step("verify")
        self.click(self.window.screens[Stage.FACE].continue_button)
        self.wait_for_stage(Stage.VERIFICATION)
        verification = self.window.screens[Stage.VERIFICATION]
        self.wait_until(verification.continue_button.isVisible, "the verification checks")

    def open_contract(self) -> None:
        self.on_step("prepare_contract")
        self.click(self.window.screens[Stage.VERIFICATION].continue_button)
        self.wait_for_stage(Stage.CONTRACT)
        contract = self.window.screens[Stage.CONTRACT]
        self.wait_until(lambda: bool(contract.clause_boxes), "the contract")

    def acknowledge(self) -> None:
        self.on_step("acknowledge")
        contract = self.window.screens[Stage.CONTRACT]
        self.read_contract()
        for box in contract.clause_boxes.values():
            box.setChecked(True)
        self.click(contract.confirm_button)
        self.wait_for_stage(Stage.SIGN)

    def sign(self) -> None:
        self.draw_signature()
        self.submit_signature()

    def submit_signature(self) -> None:
        self.on_step("sign")
        self.click(self.window.screens[Stage.SIGN].submit_button)
        self.wait_for_stage(Stage.DONE)

    def finish(self) -> None:
        self.on_step("finish")
        self.click(self.window.screens[Stage.DONE].finish_button)
        self.wait_for_stage(Stage.WELCOME)
        self.wait_until(lambda: self.window.context.session is None, "the session to end")

    def whole_rental(self) -> None:
        """Walk from the welcome screen to a signed contract and back to the welcome screen."""
        self.begin()
        self.give_consent()
        self.read_document()
        self.continue_to_face()
        self.capture_face()
        self.verify()
        self.open_contract()
        self.acknowledge()
        self.sign()
        self.finish()
