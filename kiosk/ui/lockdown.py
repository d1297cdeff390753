"""What the kiosk program itself does against a way out to the desktop, in kiosk mode.

The operating system does the rest (a dedicated user in a single-app session, no VT
switch, no SysRq, no automount), as docs/kiosk-lockdown.md describes. The program
can only refuse what Qt delivers to it: a window manager or the X server may act on
a key combination before the application sees it.
"""

import logging

from kiosk.ui.qt import QApplication, QEvent, QKeyEvent, QObject, Qt

log = logging.getLogger(__name__)

# Keys swallowed with any modifiers: they close, quit, print, save, open or ask for help
# in common toolkits and would be the first a curious customer tries.
_BLOCKED_KEYS = frozenset({Qt.Key.Key_Escape, Qt.Key.Key_F1, Qt.Key.Key_Print, Qt.Key.Key_Menu, Qt.Key.Key_Help})

# Letters swallowed together with Ctrl: quit, close, print, save, open, new window, find.
_BLOCKED_CONTROL_LETTERS = frozenset(
    {Qt.Key.Key_Q, Qt.Key.Key_W, Qt.Key.Key_P, Qt.Key.Key_S, Qt.Key.Key_O, Qt.Key.Key_N, Qt.Key.Key_F}
)

_KEY_EVENTS = frozenset({QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride})


def is_blocked_key(event: QKeyEvent) -> bool:
    """Return whether kiosk mode swallows ``event``: Escape, Alt+F4, Ctrl+Q/W/P/S/O/N/F, F1, Print and Menu."""
    key = event.key()
    modifiers = event.modifiers()
    if key in _BLOCKED_KEYS:
        return True
    if key == Qt.Key.Key_F4 and modifiers & Qt.KeyboardModifier.AltModifier:
        return True
    return key in _BLOCKED_CONTROL_LETTERS and bool(modifiers & Qt.KeyboardModifier.ControlModifier)


class KioskLockdown(QObject):
    """An application-wide event filter that swallows the blocked keys and every context menu.

    Install it with :meth:`install`. Context menus are swallowed because the standard
    menus of text widgets offer copy, paste and, in some styles, actions that open
    other windows.
    """

    def install(self) -> None:
        application = QApplication.instance()
        if application is None:
            raise RuntimeError("the kiosk lockdown needs a QApplication")
        application.installEventFilter(self)
        log.info("kiosk lockdown active: blocked keys and context menus are ignored")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.ContextMenu:
            return True
        if kind in _KEY_EVENTS and isinstance(event, QKeyEvent) and is_blocked_key(event):
            if kind == QEvent.Type.KeyPress:
                log.info("kiosk mode ignored key %s", event.keyCombination().toCombined())
            event.accept()
            return True
        return False
