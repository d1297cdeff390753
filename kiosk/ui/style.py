"""Sizes, colour themes and the style sheet of the kiosk: large type, large touch targets, visible focus.

Many customers are older and some do not wear their reading glasses at a counter, so
at the default scale body text is 22 px (20 px in the step indicator), titles 36 px, and
every button at least 72 px high. A branch can scale every size by ``[kiosk] font_scale``
and choose the black, white and yellow ``high_contrast`` theme with ``[kiosk] theme``.
"""

import html
from dataclasses import dataclass

from kiosk.ui.qt import QFont, QWidget

# Sizes at font scale 1.0, in pixels.
BODY_PX = 22
SMALL_PX = 20  # the smallest text a customer reads, used by the step indicator
STAFF_PX = 14  # the header's sync line, which only staff read
TITLE_PX = 36
BIG_NUMBER_PX = 44  # the contract number on the done screen
# The contract number stops growing at 66 px (font scale 1.5), so that at 2.0 the done
# screen fits an 800 px display without scrolling.
BIG_NUMBER_MAX_PX = 66
BIG_MARK_PX = 120  # the check mark of a captured face, not scaled because it is larger than any text
SERVICE_PX = 40  # the "service needed" page
BUTTON_TEXT_PX = 26
BUTTON_MIN_HEIGHT = 72
# Buttons stop growing taller at 108 px (font scale 1.5): that is already half as tall
# again as the 72 px target, and at 2.0 a screen's title, body and buttons need the rest
# of an 800 px display. Their text still sets their height when it needs more.
BUTTON_MAX_MIN_HEIGHT = 108
# The header's cancel and language buttons stop growing taller at 88 px, so the header
# takes less of the screen with large type. They stay above the 64 px touch target.
HEADER_BUTTON_MAX_MIN_HEIGHT = 88
BUTTON_MIN_WIDTH = 220
# The header's cancel and language buttons stop widening at 330 px (font scale 1.5), so at
# 2.0 they and the app title still fit a 1280 px display; their text still sets their width.
HEADER_BUTTON_MAX_MIN_WIDTH = 330
CHECKBOX_INDICATOR_PX = 40
INPUT_MIN_HEIGHT = 48  # line edits and combo boxes of the counter terminal
SCROLLBAR_PX = 28
# Scroll bars stop widening at 42 px (font scale 1.5). A scroll area's minimum height is
# about 40 px plus twice the bar's width (measured offscreen with PySide6 6.12), and at 2.0
# the contract screen needs that room for its text.
SCROLLBAR_MAX_PX = 42
FOCUS_BORDER_PX = 4  # border widths do not scale

# Families tried in order: Noto Sans CJK SC and WenQuanYi are the Debian packages with
# Simplified Chinese glyphs (fonts-noto-cjk, fonts-wqy-microhei).
FONT_FAMILIES = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Sans Serif"]


@dataclass(frozen=True)
class Theme:
    """The colours of one theme, as #rrggbb. ``accent_ink`` is text on ``accent``, ``focus_ink`` text on ``focus``."""

    name: str
    ink: str
    muted: str
    accent: str
    accent_ink: str
    pass_colour: str
    fail_colour: str
    review_colour: str
    background: str  # the page
    surface: str  # header, cards, buttons, inputs
    border: str
    disabled_ink: str
    disabled_background: str
    focus: str  # the focus border in the standard theme, the focused control's fill in high contrast
    focus_ink: str
    focus_fills: bool  # True: a focused control is filled with ``focus``; False: it gets a ``focus`` border


STANDARD = Theme(
    name="standard",
    ink="#1d2733",
    muted="#4a5a6a",
    accent="#0b5cad",
    accent_ink="#ffffff",
    pass_colour="#1b7f3b",
    fail_colour="#b3261e",
    review_colour="#9a5b00",
    background="#f5f7fa",
    surface="#ffffff",
    border="#d0d7de",
    disabled_ink="#5a6570",
    disabled_background="#eef1f4",
    focus="#1d2733",
    focus_ink="#ffffff",
    focus_fills=False,
)

# Black, white and yellow only. Outcomes keep their symbols (✓ ✗ !), so they need no
# colour of their own, and a focused control is lit yellow with black text.
HIGH_CONTRAST = Theme(
    name="high_contrast",
    ink="#ffffff",
    muted="#ffffff",
    accent="#ffff00",
    accent_ink="#000000",
    pass_colour="#ffffff",
    fail_colour="#ffff00",
    review_colour="#ffff00",
    background="#000000",
    surface="#000000",
    border="#ffffff",
    disabled_ink="#ffffff",
    disabled_background="#000000",
    focus="#ffff00",
    focus_ink="#000000",
    focus_fills=True,
)

THEMES = {theme.name: theme for theme in (STANDARD, HIGH_CONTRAST)}

# The standard theme's colours by their old names, for code written before themes.
INK = STANDARD.ink
MUTED = STANDARD.muted
ACCENT = STANDARD.accent
PASS_COLOUR = STANDARD.pass_colour
FAIL_COLOUR = STANDARD.fail_colour
REVIEW_COLOUR = STANDARD.review_colour
BACKGROUND = STANDARD.background


def theme_named(name: str) -> Theme:
    """Return the theme called ``name``. Raises ``ValueError`` naming the known themes."""
    try:
        return THEMES[name]
    except KeyError:
        raise ValueError(f"unknown theme {name!r}; known themes: {', '.join(THEMES)}") from None


def scaled(pixels: int, font_scale: float) -> int:
    """Return ``pixels`` times ``font_scale``, rounded to whole pixels."""
    return round(pixels * font_scale)


def spacing(pixels: int, font_scale: float) -> int:
    """Return a margin or spacing of ``pixels`` at font scale 1.0 for ``font_scale``.

    Above 1.0 it shrinks in proportion, to half at 2.0: large type already sets the
    blocks of a screen apart, and an 800 px display needs the room for the text itself.
    """
    return round(pixels / max(font_scale, 1.0))


def base_font(font_scale: float = 1.0) -> QFont:
    """Return the window font: a CJK family at the body size times ``font_scale``."""
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPixelSize(scaled(BODY_PX, font_scale))
    return font


def style_sheet(theme: Theme = STANDARD, font_scale: float = 1.0) -> str:
    """Return the window's style sheet in ``theme`` with every size times ``font_scale``."""
    t = theme

    def px(pixels: int) -> int:
        return scaled(pixels, font_scale)

    return f"""
QMainWindow, QWidget#page {{ background: {t.background}; color: {t.ink}; }}
QLabel {{ font-size: {px(BODY_PX)}px; color: {t.ink}; }}
QLabel#title {{ font-size: {px(TITLE_PX)}px; font-weight: bold; }}
QLabel#subtitle {{ font-size: {px(BODY_PX + 4)}px; font-weight: bold; margin-top: 12px; }}
QLabel#muted {{ color: {t.muted}; }}
QLabel#appTitle {{ font-size: {px(BODY_PX + 2)}px; font-weight: bold; color: {t.accent}; }}
QLabel#busy {{ font-size: {px(BODY_PX + 2)}px; color: {t.accent}; background: {t.surface}; border-top: 2px solid {t.accent}; padding: 8px; font-weight: bold; }}
QLabel#bigNumber {{ font-size: {min(px(BIG_NUMBER_PX), BIG_NUMBER_MAX_PX)}px; font-weight: bold; color: {t.accent}; }}
QLabel#notice[kind="error"] {{ color: {t.fail_colour}; font-weight: bold; }}
QLabel#notice[kind="success"], QLabel#summary {{ color: {t.pass_colour}; font-weight: bold; }}
QLabel#notice[kind="info"] {{ color: {t.ink}; font-weight: bold; }}
QLabel#mark {{ font-size: {px(TITLE_PX)}px; font-weight: bold; }}
QLabel#bigMark {{ font-size: {BIG_MARK_PX}px; font-weight: bold; }}
QLabel#moreBelow {{ color: {t.accent}; background: {t.surface}; border-top: 2px solid {t.accent}; padding: 4px; font-weight: bold; }}
QLabel[outcome="pass"] {{ color: {t.pass_colour}; }}
QLabel[outcome="fail"] {{ color: {t.fail_colour}; }}
QLabel[outcome="review"], QLabel[outcome="retry"] {{ color: {t.review_colour}; }}
QLabel#outcome, QLabel#checkName {{ font-weight: bold; }}
QLabel#step {{ font-size: {px(SMALL_PX)}px; padding: 6px {px(10)}px; border-radius: 6px; color: {t.muted}; }}
QLabel#step[state="done"] {{ color: {t.pass_colour}; }}
QLabel#step[state="current"] {{ color: {t.accent_ink}; background: {t.accent}; font-weight: bold; }}
QLabel#syncStatus {{ font-size: {px(STAFF_PX)}px; color: {t.muted}; }}
QLabel#serviceNeeded {{ font-size: {px(SERVICE_PX)}px; padding: {px(64)}px; }}
QFrame#header {{ background: {t.surface}; border-bottom: 1px solid {t.border}; }}
QFrame#card {{ background: {t.surface}; border: 1px solid {t.border}; border-radius: 10px; }}
QPushButton {{
    font-size: {px(BUTTON_TEXT_PX)}px; min-height: {min(px(BUTTON_MIN_HEIGHT), BUTTON_MAX_MIN_HEIGHT)}px; min-width: {px(BUTTON_MIN_WIDTH)}px;
    padding: 0 {px(28)}px; border-radius: 10px; border: 2px solid {t.accent}; background: {t.surface}; color: {t.accent};
}}
QFrame#header QPushButton {{
    min-width: {min(px(BUTTON_MIN_WIDTH), HEADER_BUTTON_MAX_MIN_WIDTH)}px;
    min-height: {min(px(BUTTON_MIN_HEIGHT), HEADER_BUTTON_MAX_MIN_HEIGHT)}px;
}}
QPushButton[primary="true"] {{ {_primary_button(t)} }}
QPushButton:disabled {{ border: 2px dashed {t.disabled_ink}; color: {t.disabled_ink}; background: {t.disabled_background}; }}
QCheckBox {{ font-size: {px(BODY_PX)}px; color: {t.ink}; spacing: {px(16)}px; padding: {px(10)}px 0; min-height: {px(BUTTON_MIN_HEIGHT - 8)}px; }}
QCheckBox::indicator {{ width: {px(CHECKBOX_INDICATOR_PX)}px; height: {px(CHECKBOX_INDICATOR_PX)}px; }}
QLineEdit, QComboBox {{
    font-size: {px(BODY_PX)}px; min-height: {px(INPUT_MIN_HEIGHT)}px; padding: 0 {px(8)}px;
    border: 2px solid {t.muted}; border-radius: 4px; background: {t.surface}; color: {t.ink};
}}
QTableView, QListView {{ font-size: {px(BODY_PX)}px; background: {t.surface}; color: {t.ink}; gridline-color: {t.border}; }}
QTableView::item:selected, QListView::item:selected {{ background: {t.accent}; color: {t.accent_ink}; }}
QHeaderView::section {{ font-size: {px(BODY_PX)}px; background: {t.surface}; color: {t.ink}; border: 1px solid {t.border}; padding: {px(4)}px; }}
QTabBar::tab {{ font-size: {px(BODY_PX)}px; padding: {px(8)}px {px(20)}px; background: {t.surface}; color: {t.ink}; border: 1px solid {t.border}; }}
QTabBar::tab:selected {{ background: {t.accent}; color: {t.accent_ink}; font-weight: bold; }}
QScrollArea {{ border: none; background: transparent; }}
QScrollBar:vertical {{ width: {min(px(SCROLLBAR_PX), SCROLLBAR_MAX_PX)}px; }}
{focus_rules(t)}
"""


def _primary_button(theme: Theme) -> str:
    # In high contrast a filled button would look focused, so the primary one has a thicker border instead.
    if theme.focus_fills:
        return f"border: 5px solid {theme.accent}; font-weight: bold;"
    return f"background: {theme.accent}; color: {theme.accent_ink}; font-weight: bold;"


def focus_rules(theme: Theme) -> str:
    """Return the rules that mark the control with keyboard focus in ``theme``.

    They must come after every other rule of a style sheet, so that they win; a window
    that adds its own rules appends these again at the end.
    """
    focusable = "QPushButton:focus, QCheckBox:focus, QLineEdit:focus, QComboBox:focus, QTabBar::tab:focus"
    if theme.focus_fills:
        return (
            f"{focusable} {{ background: {theme.focus}; color: {theme.focus_ink}; border: {FOCUS_BORDER_PX}px solid {theme.border}; }}\n"
            f"QTableView:focus, QListView:focus {{ border: {FOCUS_BORDER_PX}px solid {theme.focus}; }}"
        )
    return (
        f"{focusable} {{ border: {FOCUS_BORDER_PX}px solid {theme.focus}; }}\n"
        f"QTableView:focus, QListView:focus {{ border: {FOCUS_BORDER_PX}px solid {theme.focus}; }}"
    )


STYLE_SHEET = style_sheet()


def apply_appearance(window: QWidget, theme_name: str = "standard", font_scale: float = 1.0) -> None:
    """Set the font and style sheet of ``window`` for ``theme_name`` and ``font_scale``.

    Raises ``ValueError`` for an unknown theme. The branch configuration has already
    checked both values, so this only fails when called with values of its own.
    """
    window.setFont(base_font(font_scale))
    window.setStyleSheet(style_sheet(theme_named(theme_name), font_scale))


def set_style_property(widget, name: str, value: str) -> None:
    """Set a property that the style sheet selects on, and re-apply the style to ``widget``."""
    widget.setProperty(name, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def set_paragraph(label, text: str) -> None:
    """Show ``text`` in ``label`` as one paragraph with 1.5 line spacing, for long reading text."""
    label.setText(f'<p style="margin: 0; line-height: 150%;">{html.escape(text)}</p>')
