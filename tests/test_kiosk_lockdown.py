"""Kiosk mode's own lockdown: the keys that close, quit or print do nothing, no context menu, no dialog class."""

import ast
from pathlib import Path

import pytest
from PySide6.QtGui import QContextMenuEvent

from countersign.runtime import BranchRuntime
from kiosk.ui.app import build_window
from kiosk.ui.lockdown import is_blocked_key
from kiosk.ui.qt import QApplication, QEvent, QKeyEvent, QPoint, Qt, QWidget
from tests.test_kiosk_ui import branch_config  # noqa: F401 (fixtures are found by name)

pytestmark = pytest.mark.gui

UI_FOLDER = Path(__file__).resolve().parents[1] / "kiosk" / "ui"
# Qt classes that open a file, print or other system dialog, a way out of the kiosk.
DIALOG_CLASSES = {"QFileDialog", "QPrintDialog", "QPrintPreviewDialog", "QPageSetupDialog", "QColorDialog", "QFontDialog", "QDesktopServices"}

MODIFIER_KEYS = {Qt.Key.Key_Alt, Qt.Key.Key_Control, Qt.Key.Key_Shift, Qt.Key.Key_Meta}

BLOCKED = [
    (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
    (Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier),
    (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier),
    (Qt.Key.Key_F1, Qt.KeyboardModifier.NoModifier),
]


@pytest.mark.parametrize(("key", "modifiers"), BLOCKED)
def test_blocked_key_is_recognised(key, modifiers):
    assert is_blocked_key(QKeyEvent(QEvent.Type.KeyPress, key, modifiers))


@pytest.mark.parametrize("key", [Qt.Key.Key_A, Qt.Key.Key_Space, Qt.Key.Key_PageDown, Qt.Key.Key_F4])
def test_typing_keys_pass(key):
    assert not is_blocked_key(QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier))


class Probe(QWidget):
    """A focusable widget that records the key presses and context menu requests it receives."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.received = []
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.resize(40, 40)

    def keyPressEvent(self, event):
        # QTest presses the modifier keys themselves first; they are not what is blocked.
        if event.key() not in MODIFIER_KEYS:
            self.received.append(("key", event.key()))

    def contextMenuEvent(self, event):
        self.received.append(("menu", 0))


def request_menu(widget: QWidget) -> None:
    """Send the context menu request a long press or a right click makes, through the application."""
    QApplication.sendEvent(widget, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(2, 2), widget.mapToGlobal(QPoint(2, 2))))


def test_kiosk_mode_swallows_keys_and_menus(qtbot, branch_config, face_model):
    # Without the kiosk window, the same input reaches a widget, so the checks below can fail.
    control = Probe()
    qtbot.addWidget(control)
    control.show()
    control.setFocus()
    qtbot.keyClick(control, Qt.Key.Key_Escape)
    request_menu(control)
    assert control.received == [("key", Qt.Key.Key_Escape), ("menu", 0)]

    runtime = BranchRuntime(branch_config, face_model=face_model)
    window = build_window(runtime, windowed=False, prepare_session=None)
    qtbot.addWidget(window)
    probe = Probe(window.welcome)
    received = probe.received
    try:
        window.showFullScreen()
        probe.show()
        probe.setFocus()
        for key, modifiers in BLOCKED:
            qtbot.keyClick(probe, key, modifiers)
        assert received == []
        qtbot.keyClick(probe, Qt.Key.Key_A)
        assert received == [("key", Qt.Key.Key_A)]

        request_menu(probe)
        assert ("menu", 0) not in received
        assert window.isVisible()
        assert window.close() is False
    finally:
        window.allow_close()
        window.shutdown()


def test_ui_code_opens_no_system_dialog():
    used = set()
    for path in UI_FOLDER.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Name) and node.id in DIALOG_CLASSES:
                used.add(f"{path.relative_to(UI_FOLDER)}: {node.id}")
            if isinstance(node, ast.alias) and node.name.split(".")[-1] in DIALOG_CLASSES:
                used.add(f"{path.relative_to(UI_FOLDER)}: {node.name}")
    assert used == set()
