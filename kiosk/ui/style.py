"""Sizes, colours and the style sheet of the kiosk: large type and large touch targets.

Many customers are older and some do not wear their reading glasses at a counter, so
body text is 22 px (20 px in the step indicator), titles 36 px, and every button at least
72 px high.
"""

import html

from kiosk.ui.qt import QFont

BODY_PX = 22
SMALL_PX = 20  # the smallest text on any screen, used by the step indicator
TITLE_PX = 36
BIG_MARK_PX = 120  # the check mark of a captured face
BUTTON_TEXT_PX = 26
BUTTON_MIN_HEIGHT = 72
BUTTON_MIN_WIDTH = 220
CHECKBOX_INDICATOR_PX = 40

# Families tried in order: Noto Sans CJK SC and WenQuanYi are the Debian packages with
# Simplified Chinese glyphs (fonts-noto-cjk, fonts-wqy-microhei).
FONT_FAMILIES = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Sans Serif"]

INK = "#1d2733"
MUTED = "#4a5a6a"
ACCENT = "#0b5cad"
PASS_COLOUR = "#1b7f3b"
FAIL_COLOUR = "#b3261e"
REVIEW_COLOUR = "#9a5b00"
BACKGROUND = "#f5f7fa"


def base_font() -> QFont:
    """Return the window font: a CJK family at the body size."""
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPixelSize(BODY_PX)
    return font


STYLE_SHEET = f"""
QMainWindow, QWidget#page {{ background: {BACKGROUND}; color: {INK}; }}
QLabel {{ font-size: {BODY_PX}px; color: {INK}; }}
QLabel#title {{ font-size: {TITLE_PX}px; font-weight: bold; }}
QLabel#subtitle {{ font-size: {BODY_PX + 4}px; font-weight: bold; margin-top: 12px; }}
QLabel#muted {{ color: {MUTED}; }}
QLabel#appTitle {{ font-size: {BODY_PX + 2}px; font-weight: bold; color: {ACCENT}; }}
QLabel#busy {{ font-size: {BODY_PX + 2}px; color: {ACCENT}; font-weight: bold; }}
QLabel#bigNumber {{ font-size: {TITLE_PX + 8}px; font-weight: bold; color: {ACCENT}; }}
QLabel#notice[kind="error"] {{ color: {FAIL_COLOUR}; font-weight: bold; }}
QLabel#notice[kind="success"] {{ color: {PASS_COLOUR}; font-weight: bold; }}
QLabel#notice[kind="info"] {{ color: {INK}; font-weight: bold; }}
QLabel#mark {{ font-size: {TITLE_PX}px; font-weight: bold; }}
QLabel#bigMark {{ font-size: {BIG_MARK_PX}px; font-weight: bold; }}
QLabel[outcome="pass"] {{ color: {PASS_COLOUR}; }}
QLabel[outcome="fail"] {{ color: {FAIL_COLOUR}; }}
QLabel[outcome="review"], QLabel[outcome="retry"] {{ color: {REVIEW_COLOUR}; }}
QLabel#outcome, QLabel#checkName {{ font-weight: bold; }}
QLabel#step {{ font-size: {SMALL_PX}px; padding: 6px 10px; border-radius: 6px; color: {MUTED}; }}
QLabel#step[state="done"] {{ color: {PASS_COLOUR}; }}
QLabel#step[state="current"] {{ color: white; background: {ACCENT}; font-weight: bold; }}
QFrame#header {{ background: white; border-bottom: 1px solid #d0d7de; }}
QFrame#card {{ background: white; border: 1px solid #d0d7de; border-radius: 10px; }}
QPushButton {{
    font-size: {BUTTON_TEXT_PX}px; min-height: {BUTTON_MIN_HEIGHT}px; min-width: {BUTTON_MIN_WIDTH}px;
    padding: 0 28px; border-radius: 10px; border: 2px solid {ACCENT}; background: white; color: {ACCENT};
}}
QPushButton[primary="true"] {{ background: {ACCENT}; color: white; font-weight: bold; }}
QPushButton:disabled {{ border-color: #a8b3bd; color: #a8b3bd; background: #eef1f4; }}
QCheckBox {{ font-size: {BODY_PX}px; spacing: 16px; padding: 10px 0; min-height: {BUTTON_MIN_HEIGHT - 8}px; }}
QCheckBox::indicator {{ width: {CHECKBOX_INDICATOR_PX}px; height: {CHECKBOX_INDICATOR_PX}px; }}
QScrollArea {{ border: none; background: transparent; }}
QScrollBar:vertical {{ width: 28px; }}
"""


def set_style_property(widget, name: str, value: str) -> None:
    """Set a property that the style sheet selects on, and re-apply the style to ``widget``."""
    widget.setProperty(name, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def set_paragraph(label, text: str) -> None:
    """Show ``text`` in ``label`` as one paragraph with 1.5 line spacing, for long reading text."""
    label.setText(f'<p style="margin: 0; line-height: 150%;">{html.escape(text)}</p>')
