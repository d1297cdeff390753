"""The counter terminal's style: the kiosk's colours, denser controls for a clerk, and a visible focus on every control."""

from kiosk.ui.style import BODY_PX, STANDARD, Theme, scaled, style_sheet

COUNTER_PX = 18  # at font scale 1.0: denser than the kiosk's 22 px, for a clerk at a desk
FOCUS_COLOUR = "#e08a00"  # amber: visible against the blue accent, the white cards and the grey page


def counter_style_sheet(theme: Theme = STANDARD, font_scale: float = 1.0) -> str:
    """Return the counter window's style sheet: the kiosk's sheet for ``theme`` and ``font_scale``, with denser controls."""

    def px(pixels: int) -> int:
        return scaled(pixels, font_scale)

    # The high-contrast theme keeps its own yellow focus. The standard theme uses amber,
    # because it contrasts with the blue accent more than the kiosk's dark border does.
    focus = theme.focus if theme.focus_fills else FOCUS_COLOUR
    return style_sheet(theme, font_scale) + f"""
QWidget#counterPanel QLabel {{ font-size: {px(COUNTER_PX)}px; }}
QWidget#counterPanel QLabel#subtitle {{ font-size: {px(COUNTER_PX + 2)}px; font-weight: bold; }}
QWidget#counterPanel QPushButton {{
    font-size: {px(COUNTER_PX)}px; min-height: {px(40)}px; min-width: {px(120)}px; padding: 0 {px(16)}px; border-radius: 6px;
}}
QLineEdit, QComboBox {{
    font-size: {px(COUNTER_PX)}px; min-height: {px(36)}px; padding: 0 8px; border: 1px solid {theme.border}; border-radius: 4px;
    background: {theme.surface}; color: {theme.ink};
}}
QLineEdit {{ placeholder-text-color: {"#c0c0c0" if theme.focus_fills else theme.muted}; }}
QTableWidget {{ font-size: {px(COUNTER_PX - 2)}px; background: {theme.surface}; color: {theme.ink}; }}
QTableWidget QHeaderView::section {{ font-size: {px(COUNTER_PX - 2)}px; font-weight: bold; }}
QTabBar::tab {{ font-size: {px(COUNTER_PX)}px; padding: {px(8)}px {px(20)}px; }}
/* The selected tab sets its fill and its text together: white on the standard accent is 6.7:1. */
QTabBar::tab:selected {{ font-weight: bold; background: {theme.accent}; color: {theme.accent_ink}; }}
QPushButton:focus, QLineEdit:focus, QComboBox:focus, QTableWidget:focus, QCheckBox:focus, QTabBar::tab:focus {{
    border: 3px solid {focus};
}}
/* A text field keeps its own colours when focused, so that its grey placeholder stays readable. */
QLineEdit:focus {{ background: {theme.surface}; color: {theme.ink}; }}
QLabel#trainingBanner {{
    font-size: {px(BODY_PX)}px; font-weight: bold; color: {theme.accent_ink if theme.focus_fills else "white"};
    background: {theme.fail_colour}; padding: 6px 16px;
}}
QLabel#clerkLine {{ font-size: {px(COUNTER_PX)}px; }}
"""


COUNTER_STYLE_SHEET = counter_style_sheet()
