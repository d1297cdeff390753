"""Keyboard-only operation for the counter terminal and the kiosk: a fixed Tab order and Return on buttons.

The visible focus is the style sheet's job (:func:`kiosk.ui.style.focus_rules`); this
module decides which control gets the focus next and makes Return act on it.
"""

from collections.abc import Sequence
from itertools import pairwise

from kiosk.ui.qt import QAbstractButton, QApplication, QEvent, QKeyEvent, QObject, Qt, QWidget

_ACTIVATION_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def set_tab_order(widgets: Sequence[QWidget]) -> None:
    """Make Tab visit ``widgets`` in the order given, and Shift+Tab in reverse.

    A widget that does not take focus from Tab gets ``Qt.StrongFocus``. Widgets left
    out keep their place after the last listed one. Raises ``ValueError`` for fewer than
    two widgets, a widget listed twice, or widgets in different windows.
    """
    if len(widgets) < 2:
        raise ValueError(f"a tab order needs at least two widgets, not {len(widgets)}")
    if len({id(widget) for widget in widgets}) != len(widgets):
        raise ValueError("a widget appears twice in the tab order")
    windows = {id(widget.window()) for widget in widgets}
    if len(windows) != 1:
        raise ValueError("the widgets of one tab order must share a window")

    for widget in widgets:
        if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    for first, second in pairwise(widgets):
        QWidget.setTabOrder(first, second)


def tab_chain(start: QWidget, limit: int = 500) -> list[QWidget]:
    """Return the widgets that Tab reaches from ``start`` in order, ``start`` first, until the chain returns to it.

    Only widgets Tab can land on are listed: visible, enabled, with a focus policy that
    includes Tab. ``limit`` bounds the walk; raises ``RuntimeError`` when the chain is
    longer, which means it does not return to ``start``.
    """
    reached = [start]
    widget = start.nextInFocusChain()
    for _ in range(limit):
        if widget is start:
            return reached
        if widget.isVisible() and widget.isEnabled() and widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            reached.append(widget)
        widget = widget.nextInFocusChain()
    raise RuntimeError(f"the focus chain from {start.objectName() or type(start).__name__} is longer than {limit} widgets")


class ReturnClicksButton(QObject):
    """An event filter that clicks the focused button when Return or Enter is pressed.

    Qt's buttons click on Space, and on Return only as a dialog's default button, so a
    clerk who moves with Tab would otherwise have to learn Space. Install it with
    :func:`enable_return_to_click`.
    """

    def __init__(self, root: QWidget) -> None:
        super().__init__(root)
        self._root = root

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802  (Qt's name)
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent) or event.key() not in _ACTIVATION_KEYS:
            return False
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        focused = QApplication.focusWidget()
        if not isinstance(focused, QAbstractButton) or not self._root.isAncestorOf(focused) or not focused.isEnabled():
            return False
        focused.click()
        return True


def enable_return_to_click(root: QWidget) -> ReturnClicksButton:
    """Let Return and Enter click whichever button under ``root`` has the focus; return the installed filter.

    The filter sits on ``root``, so it sees a key press after the focused button has
    ignored it, and it lives as long as ``root``.
    """
    clicks = ReturnClicksButton(root)
    root.installEventFilter(clicks)
    return clicks
