"""Font scaling, the high-contrast theme and keyboard focus, on real Qt widgets offscreen.

Contrast ratios follow WCAG 2.x: relative luminance of sRGB colours, (L1 + 0.05) / (L2 + 0.05).
The scaling tests drive a real kiosk window on a demo branch, as tests/test_kiosk_ui.py does.
"""

import re

import pytest

from countersign.config import KIOSK_THEMES, load_config
from countersign.runtime import BranchRuntime
from kiosk.errors import ConfigError
from kiosk.session import Stage
from kiosk.ui import keyboard
from kiosk.ui.app import build_window, demo_preparation
from kiosk.ui.qt import QCheckBox, QFontInfo, QLabel, QLineEdit, QPushButton, Qt, QVBoxLayout, QWidget
from kiosk.ui.style import (
    BODY_PX,
    BUTTON_TEXT_PX,
    HIGH_CONTRAST,
    STANDARD,
    THEMES,
    TITLE_PX,
    Theme,
    scaled,
    style_sheet,
    theme_named,
)
from tests.test_kiosk_ui import STEP_TIMEOUT_MS, click, wait_idle_on, walk_to_document

RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}\b")
KIOSK_SIZE = (1280, 800)


def relative_luminance(colour: str) -> float:
    channels = [int(colour[index:index + 2], 16) / 255 for index in (1, 3, 5)]
    linear = [value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4 for value in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def parse_rules(sheet: str) -> list[tuple[str, dict[str, str]]]:
    """Return (selector, {property: value}) for every rule of a Qt style sheet."""
    rules = []
    for selector, body in RULE.findall(sheet):
        declarations = {}
        for declaration in body.split(";"):
            if ":" in declaration:
                name, value = declaration.split(":", 1)
                declarations[name.strip()] = value.strip()
        rules.append((" ".join(selector.split()), declarations))
    return rules


def first_colour(value: str) -> str | None:
    match = HEX_COLOUR.search(value)
    return match.group(0).lower() if match else None


def text_contrast_failures(sheet: str, minimum: float) -> list[str]:
    """Return each rule whose text colour is below ``minimum`` against its own background, or the page and surfaces.

    A rule without a background of its own draws its text on whatever lies below: the
    page, or a header, card or button surface, so it is checked against all of those.
    """
    rules = parse_rules(sheet)
    grounds = {first_colour(props["background"]) for _, props in rules if "background" in props and not _is_state(_)}
    grounds.discard(None)
    failures = []
    for selector, props in rules:
        text = first_colour(props.get("color", ""))
        if text is None:
            continue
        own = first_colour(props.get("background", ""))
        for ground in [own] if own else sorted(grounds):
            ratio = contrast_ratio(text, ground)
            if ratio < minimum:
                failures.append(f"{selector}: {text} on {ground} is {ratio:.2f}:1")
    return failures


def _is_state(selector: str) -> bool:
    """Return whether ``selector`` styles a state (focus, selection, disabled, current step) whose background carries its own text colour."""
    return any(marker in selector for marker in (":focus", ":selected", ":disabled", 'state="current"', 'primary="true"'))


# Colours ---------------------------------------------------------------------------


def test_high_contrast_text_reaches_7_to_1():
    failures = text_contrast_failures(style_sheet(HIGH_CONTRAST), 7.0)
    assert not failures, "\n".join(failures)


def test_standard_text_reaches_4_5_to_1():
    failures = text_contrast_failures(style_sheet(STANDARD), 4.5)
    assert not failures, "\n".join(failures)


def test_contrast_check_finds_grey_on_white():
    sheet = "QWidget#page { background: #ffffff; }\nQLabel#muted { color: #999999; }"
    assert text_contrast_failures(sheet, 4.5) == ["QLabel#muted: #999999 on #ffffff is 2.85:1"]
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffff00", "#000000") == pytest.approx(19.56, abs=0.01)


def test_high_contrast_uses_black_white_yellow():
    colours = {colour.lower() for colour in HEX_COLOUR.findall(style_sheet(HIGH_CONTRAST))}
    assert colours == {"#000000", "#ffffff", "#ffff00"}


def test_focus_visible_in_every_theme():
    """The focus rules change a control by at least 3:1, the WCAG minimum for a focus indicator."""
    for theme in THEMES.values():
        focus_rules = [(selector, props) for selector, props in parse_rules(style_sheet(theme)) if "QPushButton:focus" in selector]
        assert focus_rules, f"{theme.name} has no focus rule for buttons"
        (_, props), *_ = focus_rules
        if theme.focus_fills:
            assert contrast_ratio(first_colour(props["background"]), theme.surface) >= 3.0
            assert contrast_ratio(first_colour(props["color"]), first_colour(props["background"])) >= 7.0
        else:
            border = first_colour(props["border"])
            assert contrast_ratio(border, theme.background) >= 3.0
            assert contrast_ratio(border, theme.surface) >= 3.0


def test_themes_match_config_choices():
    assert set(THEMES) == set(KIOSK_THEMES)
    assert theme_named("high_contrast") is HIGH_CONTRAST
    with pytest.raises(ValueError, match="known themes: standard, high_contrast"):
        theme_named("dark")


# Rendering -------------------------------------------------------------------------


def focus_demo(qtbot, theme: Theme) -> tuple[QWidget, list[QWidget]]:
    """Show a window with two buttons, a checkbox and a line edit in ``theme``."""
    window = QWidget()
    window.setObjectName("page")
    window.setStyleSheet(style_sheet(theme))
    layout = QVBoxLayout(window)
    controls = [QPushButton("first", window), QPushButton("second", window), QCheckBox("box", window), QLineEdit(window)]
    for control in controls:
        layout.addWidget(control)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    return window, controls


def centre_colour(widget: QWidget) -> str:
    image = widget.grab().toImage()
    return image.pixelColor(image.width() // 2, 4).name()


def test_high_contrast_focus_lights_button_yellow(qtbot):
    _window, (first, second, *_) = focus_demo(qtbot, HIGH_CONTRAST)
    first.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(first.hasFocus)
    assert centre_colour(first) == HIGH_CONTRAST.focus
    assert centre_colour(second) == HIGH_CONTRAST.surface

    second.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(second.hasFocus)
    assert centre_colour(second) == HIGH_CONTRAST.focus
    assert centre_colour(first) == HIGH_CONTRAST.surface


def test_standard_focus_draws_border(qtbot):
    _window, (first, second, *_) = focus_demo(qtbot, STANDARD)
    first.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(first.hasFocus)
    image = first.grab().toImage()
    # The pixel two rows down at mid-width lies inside the 4 px focus border, and inside the
    # 2 px accent border when unfocused.
    assert image.pixelColor(image.width() // 2, 2).name() == STANDARD.focus
    unfocused = second.grab().toImage()
    assert unfocused.pixelColor(unfocused.width() // 2, 2).name() != STANDARD.focus


# Keyboard --------------------------------------------------------------------------


def test_tab_order_follows_list(qtbot):
    window, (first, second, box, edit) = focus_demo(qtbot, STANDARD)
    keyboard.set_tab_order([edit, second, box, first])
    assert keyboard.tab_chain(edit) == [edit, second, box, first]

    edit.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(edit.hasFocus)
    visited = []
    for _ in range(3):
        qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Tab)
        visited.append(window.focusWidget())
    assert visited == [second, box, first]
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Backtab)
    assert window.focusWidget() is box


def test_tab_chain_skips_disabled(qtbot):
    _window, (first, second, box, edit) = focus_demo(qtbot, STANDARD)
    keyboard.set_tab_order([first, second, box, edit])
    second.setEnabled(False)
    assert keyboard.tab_chain(first) == [first, box, edit]


def test_tab_order_rejects_repeats(qtbot):
    _window, (first, second, *_) = focus_demo(qtbot, STANDARD)
    with pytest.raises(ValueError, match="twice"):
        keyboard.set_tab_order([first, second, first])
    with pytest.raises(ValueError, match="at least two"):
        keyboard.set_tab_order([first])


def test_return_clicks_focused_button(qtbot):
    window, (first, second, _box, edit) = focus_demo(qtbot, STANDARD)
    keyboard.enable_return_to_click(window)
    clicks = []
    first.clicked.connect(lambda: clicks.append("first"))
    second.clicked.connect(lambda: clicks.append("second"))

    second.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(second.hasFocus)
    qtbot.keyClick(second, Qt.Key.Key_Return)
    qtbot.keyClick(second, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert clicks == ["second", "second"]

    edit.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(edit.hasFocus)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert clicks == ["second", "second"]

    second.setEnabled(False)
    second.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClick(window, Qt.Key.Key_Return)
    assert clicks == ["second", "second"]


# Configuration and scaling on the kiosk window -------------------------------------


def write_kiosk_table(home, table: str) -> None:
    path = home / "branch.toml"
    path.write_text(path.read_text(encoding="utf-8") + f"\n[kiosk]\n{table}\n", encoding="utf-8")


def test_config_defaults(branch_home):
    config = load_config(branch_home)
    assert config.kiosk_font_scale == 1.0
    assert config.kiosk_theme == "standard"


def test_config_reads_scale_and_theme(branch_home):
    write_kiosk_table(branch_home, 'font_scale = 1.5\ntheme = "high_contrast"')
    config = load_config(branch_home)
    assert config.kiosk_font_scale == 1.5
    assert config.kiosk_theme == "high_contrast"


@pytest.mark.parametrize(
    "table, message",
    [
        ("font_scale = 0.5", "kiosk.font_scale is 0.5; it must lie between 0.8 and 2.0"),
        ("font_scale = 2.5", "kiosk.font_scale is 2.5; it must lie between 0.8 and 2.0"),
        ('font_scale = "big"', "kiosk.font_scale must be a number"),
        ('theme = "dark"', "kiosk.theme is 'dark'; use one of 'standard', 'high_contrast'"),
        ("themes = 1", "unknown key kiosk.themes"),
    ],
)
def test_config_rejects_bad_values(branch_home, table, message):
    write_kiosk_table(branch_home, table)
    with pytest.raises(ConfigError) as caught:
        load_config(branch_home)
    assert message in str(caught.value)


@pytest.fixture
def scaled_kiosk(qtbot, branch_home, face_model):
    """Open a 1280 x 800 kiosk on a demo branch with ``[kiosk]`` settings, and wait until it is ready."""
    windows = []

    def open_window(table: str):
        write_kiosk_table(branch_home, table)
        config = load_config(branch_home)
        runtime = BranchRuntime(config, face_model=face_model)
        window = build_window(runtime, windowed=True, prepare_session=demo_preparation(config))
        qtbot.addWidget(window)
        windows.append(window)
        window.resize(*KIOSK_SIZE)
        window.show()
        window.start_runtime()
        qtbot.waitUntil(window.welcome.start_button.isEnabled, timeout=STEP_TIMEOUT_MS)
        return window

    yield open_window
    for window in windows:
        window.shutdown()


def pixel_size(widget: QWidget) -> int:
    return QFontInfo(widget.font()).pixelSize()


def clipped_widgets(window) -> list[str]:
    """Return each visible label or button that is smaller than its content, or reaches outside the window."""
    problems = []
    bounds = window.rect()
    for widget in [*window.findChildren(QLabel), *window.findChildren(QPushButton)]:
        if not widget.isVisible() or not widget.text():
            continue
        name = f"{type(widget).__name__} {widget.objectName()!r} {widget.text()[:24]!r}"
        size = widget.size()
        if isinstance(widget, QLabel) and widget.wordWrap():
            needed_height = widget.heightForWidth(size.width())
            if needed_height > size.height():
                problems.append(f"{name}: {size.height()} px high, its text needs {needed_height}")
        else:
            hint = widget.minimumSizeHint() if isinstance(widget, QLabel) else widget.sizeHint()
            if hint.width() > size.width() or hint.height() > size.height():
                problems.append(f"{name}: {size.width()}x{size.height()}, needs {hint.width()}x{hint.height()}")
        top_left = widget.mapTo(window, widget.rect().topLeft())
        bottom_right = widget.mapTo(window, widget.rect().bottomRight())
        if not (bounds.contains(top_left) and bounds.contains(bottom_right)):
            problems.append(f"{name}: outside the window")
    return problems


def test_font_scale_enlarges_main_labels(qtbot, scaled_kiosk):
    window = scaled_kiosk("font_scale = 1.5")
    welcome = window.welcome
    body = welcome.findChildren(QLabel)[1]
    assert pixel_size(welcome.title) == scaled(TITLE_PX, 1.5) == 54
    assert pixel_size(body) == scaled(BODY_PX, 1.5) == 33
    assert pixel_size(welcome.start_button) == scaled(BUTTON_TEXT_PX, 1.5) == 39
    assert welcome.start_button.height() >= 108  # 72 px times 1.5


def assert_fits(qtbot, window) -> None:
    """Assert that the window keeps the display's size, could not be made smaller than it, and clips nothing."""
    qtbot.wait(50)  # let the layout settle
    assert (window.width(), window.height()) == KIOSK_SIZE
    needed = window.minimumSizeHint()
    assert needed.width() <= KIOSK_SIZE[0], f"the window needs {needed.width()} px of width"
    assert needed.height() <= KIOSK_SIZE[1], f"the window needs {needed.height()} px of height"
    assert not clipped_widgets(window), "\n".join(clipped_widgets(window))


# NOTE: at font scale 2.0 the header (app title, cancel and language buttons 112 px high,
# and the step indicator) is 249 px high, and the consent and document screens need 6 px
# more than an 800 px display gives. The step indicator fits in width; the kiosk supports
# up to 1.5 on a 1280 x 800 display.
TOO_TALL = pytest.mark.xfail(strict=True, reason="at font scale 2.0 the window needs 806 px of an 800 px display")


@pytest.mark.parametrize("font_scale", [1.0, 1.5, pytest.param(2.0, marks=TOO_TALL)])
def test_scaled_screens_not_clipped(qtbot, scaled_kiosk, font_scale):
    window = scaled_kiosk(f"font_scale = {font_scale}")
    assert_fits(qtbot, window)

    walk_to_document(qtbot, window)
    wait_idle_on(qtbot, window, Stage.DOCUMENT)
    assert window.cancel_button.isVisible()
    assert_fits(qtbot, window)


@pytest.mark.parametrize("font_scale", [1.25, 1.5])
def test_scaled_english_not_clipped(qtbot, scaled_kiosk, font_scale):
    window = scaled_kiosk(f"font_scale = {font_scale}")
    click(qtbot, window.language_button)
    walk_to_document(qtbot, window)
    wait_idle_on(qtbot, window, Stage.DOCUMENT)
    assert window.context.language == "en"
    assert_fits(qtbot, window)


def test_steps_shorten_when_the_row_is_too_wide(qtbot, scaled_kiosk):
    """In English at 1.5 the full row is wider than the display: only the current step keeps its name."""
    window = scaled_kiosk("font_scale = 1.5")
    click(qtbot, window.language_button)
    walk_to_document(qtbot, window)
    steps = window.steps
    assert steps.sizeHint().width() > steps.width() >= steps.minimumSizeHint().width()
    assert steps.shortened
    labels = steps.findChildren(QLabel, "step")
    texts = [label.text() for label in labels]
    assert texts == ["✓", "2 ID card", "3", "4", "5", "6", "7", "8"]
    assert labels[0].accessibleName() == "1 " + labels[0].toolTip()
    assert labels[2].toolTip()
    assert labels[2].toolTip() not in texts


def test_steps_keep_full_names_when_they_fit(qtbot, scaled_kiosk):
    window = scaled_kiosk("font_scale = 1.0")
    walk_to_document(qtbot, window)
    steps = window.steps
    assert not steps.shortened
    texts = [label.text() for label in steps.findChildren(QLabel, "step")]
    assert all(text.endswith(label.toolTip()) for text, label in zip(texts, steps.findChildren(QLabel, "step")))
    assert texts[0].startswith("✓ ")
    assert texts[2].startswith("3 ")


def test_steps_lengthen_again_when_the_window_widens(qtbot, scaled_kiosk):
    window = scaled_kiosk("font_scale = 1.5")
    click(qtbot, window.language_button)
    walk_to_document(qtbot, window)
    assert window.steps.shortened
    window.resize(window.steps.sizeHint().width() + 200, KIOSK_SIZE[1])
    qtbot.waitUntil(lambda: not window.steps.shortened)
    assert not clipped_widgets(window), "\n".join(clipped_widgets(window))


def test_clipping_check_finds_squeezed_button(qtbot):
    window = QWidget()
    window.resize(400, 300)
    button = QPushButton("A button with a long caption", window)
    button.setGeometry(10, 10, 40, 20)
    qtbot.addWidget(window)
    window.show()
    assert any("A button with a long cap" in problem for problem in clipped_widgets(window))


def test_high_contrast_kiosk_window(qtbot, scaled_kiosk):
    window = scaled_kiosk('theme = "high_contrast"')
    assert window.styleSheet() == style_sheet(HIGH_CONTRAST)
    image = window.grab().toImage()
    assert image.pixelColor(5, image.height() - 5).name() == HIGH_CONTRAST.background
