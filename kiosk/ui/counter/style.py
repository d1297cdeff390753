"""The counter terminal's style: the kiosk's colours, denser controls for a clerk, and a visible focus on every control."""

from kiosk.ui.style import BODY_PX, FAIL_COLOUR, STANDARD, STYLE_SHEET

COUNTER_PX = 18
FOCUS_COLOUR = "#e08a00"  # amber: visible against the blue accent, the white cards and the grey page

COUNTER_STYLE_SHEET = STYLE_SHEET + f"""
QWidget#counterPanel QLabel {{ font-size: {COUNTER_PX}px; }}
QWidget#counterPanel QLabel#subtitle {{ font-size: {COUNTER_PX + 2}px; font-weight: bold; }}
QWidget#counterPanel QPushButton {{
    font-size: {COUNTER_PX}px; min-height: 40px; min-width: 120px; padding: 0 16px; border-radius: 6px;
}}
QLineEdit, QComboBox {{ font-size: {COUNTER_PX}px; min-height: 36px; padding: 0 8px; border: 1px solid #a8b3bd; border-radius: 4px; background: white; }}
QTableWidget {{ font-size: {COUNTER_PX - 2}px; background: white; }}
QTableWidget QHeaderView::section {{ font-size: {COUNTER_PX - 2}px; font-weight: bold; }}
QTabBar::tab {{ font-size: {COUNTER_PX}px; padding: 8px 20px; }}
/* The selected tab sets its fill and its text together: white on the accent is 6.7:1. */
QTabBar::tab:selected {{ font-weight: bold; background: {STANDARD.accent}; color: {STANDARD.accent_ink}; }}
QPushButton:focus, QLineEdit:focus, QComboBox:focus, QTableWidget:focus, QCheckBox:focus, QTabBar::tab:focus {{
    border: 3px solid {FOCUS_COLOUR};
}}
QLabel#trainingBanner {{
    font-size: {BODY_PX}px; font-weight: bold; color: white; background: {FAIL_COLOUR}; padding: 6px 16px;
}}
QLabel#clerkLine {{ font-size: {COUNTER_PX}px; }}
"""
