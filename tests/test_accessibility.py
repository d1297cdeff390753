"""Font scaling, the high-contrast theme and keyboard focus, on real Qt widgets offscreen.

Contrast ratios follow WCAG 2.x: relative luminance of sRGB colours, (L1 + 0.05) / (L2 + 0.05).
The scaling tests drive a real kiosk window on a demo branch, as tests/test_kiosk_ui.py does,
through a whole rental at each font scale, and check every screen on a 1280 x 800 display.
"""

import re

import pytest

from countersign.config import KIOSK_THEMES, load_config
from countersign.runtime import BranchRuntime
from kiosk.errors import ConfigError
from kiosk.session import Stage
from kiosk.ui import keyboard
from kiosk.ui.app import build_window, demo_preparation
from kiosk.ui.qt import (
    QCheckBox,
    QFontInfo,
    QLabel,
    QLineEdit,
    QPoint,
    QPushButton,
    QRectF,
    QScrollArea,
    Qt,
    QVBoxLayout,
    QWidget,
)
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
from kiosk.ui.widgets.signature_canvas import CANVAS_HEIGHT, CANVAS_MIN_HEIGHT, CANVAS_MIN_WIDTH, CANVAS_WIDTH, SignatureCanvas
from tests.test_kiosk_ui import STEP_TIMEOUT_MS, click, draw_signature, read_to_end, tick, wait_idle_on, walk_to_document

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


def scroll_content(widget: QWidget) -> QWidget | None:
    """Return the content widget of the innermost scroll area that contains ``widget``, or None."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea) and parent.widget() is not None and parent.widget().isAncestorOf(widget):
            return parent.widget()
        parent = parent.parentWidget()
    return None


def clipped_widgets(window) -> list[str]:
    """Return each visible label or button that is smaller than its content or lies outside its bounds.

    The bounds are the window, or for a widget in a scroll area, the area's content: a
    customer can scroll it into view.
    """
    problems = []
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
        container = scroll_content(widget) or window
        top_left = widget.mapTo(container, widget.rect().topLeft())
        bottom_right = widget.mapTo(container, widget.rect().bottomRight())
        if not (container.rect().contains(top_left) and container.rect().contains(bottom_right)):
            problems.append(f"{name}: outside {'its scroll area' if container is not window else 'the window'}")
    return problems


def test_font_scale_enlarges_main_labels(qtbot, scaled_kiosk):
    window = scaled_kiosk("font_scale = 1.5")
    welcome = window.welcome
    body = welcome.findChildren(QLabel)[1]
    assert pixel_size(welcome.title) == scaled(TITLE_PX, 1.5) == 54
    assert pixel_size(body) == scaled(BODY_PX, 1.5) == 33
    assert pixel_size(welcome.start_button) == scaled(BUTTON_TEXT_PX, 1.5) == 39
    assert welcome.start_button.height() >= 108  # 72 px times 1.5


def sideways_scroll_areas(window) -> list[str]:
    """Return each visible scroll area whose content is wider than its view, which a kiosk never scrolls sideways."""
    problems = []
    for area in window.findChildren(QScrollArea):
        content = area.widget()
        if area.isVisible() and content is not None and content.width() > area.viewport().width():
            screen = type(area.parentWidget()).__name__ if area.parentWidget() else "-"
            problems.append(f"a scroll area in {screen}: content {content.width()} px wide, view {area.viewport().width()} px")
    return problems


def assert_fits(qtbot, window, where: str = "", sideways_known: bool = False) -> None:
    """Assert that the window keeps the display's size, could not be made smaller than it, and clips nothing.

    ``sideways_known`` marks a screen known to scroll sideways, and then asserts that it
    still does, so that the exception is dropped once the screen is fixed.
    """
    qtbot.wait(50)  # let the layout settle
    where = f"{where}: " if where else ""
    assert (window.width(), window.height()) == KIOSK_SIZE, f"{where}the window is {window.width()}x{window.height()}"
    needed = window.minimumSizeHint()
    assert needed.width() <= KIOSK_SIZE[0], f"{where}the window needs {needed.width()} px of width"
    assert needed.height() <= KIOSK_SIZE[1], f"{where}the window needs {needed.height()} px of height"
    problems = clipped_widgets(window)
    assert not problems, where + "\n".join(problems)
    sideways = sideways_scroll_areas(window)
    if sideways_known:
        assert sideways, f"{where}the screen no longer scrolls sideways; drop its exception"
    else:
        assert not sideways, where + "\n".join(sideways)


def body_overflow(screen) -> int:
    """Return how many pixels of the screen's body lie below its visible part."""
    return screen.body_scroll.verticalScrollBar().maximum()


def assert_whole_screen_shown(qtbot, window, where: str, sideways_known: bool = False) -> None:
    """Assert that the screen fits and its body needs no scrolling: everything on it is in view."""
    assert_fits(qtbot, window, where, sideways_known)
    overflow = body_overflow(window.current_screen)
    assert overflow == 0, f"{where}: the body needs {overflow} px more than the display gives"
    assert not window.current_screen.more_below.isVisible(), where


def assert_every_row_reachable(qtbot, window, screen, where: str) -> None:
    """Assert that the checklist fits, shows the cue while rows lie below, and brings each row fully into view."""
    assert_fits(qtbot, window, where)
    bar = screen.body_scroll.verticalScrollBar()
    assert bar.value() == 0, where
    assert screen.more_below.isVisible() == (bar.maximum() > 0), where
    viewport = screen.body_scroll.viewport()
    reasons = screen.checklist.findChildren(QLabel, "reason")
    assert len(reasons) == len(screen.checklist.checks), where
    content = screen.body_scroll.widget()
    cue_height = screen.more_below.height()
    for reason in reasons:
        # The cue lies over the bottom of the view while it shows, so a row counts as in
        # view only above it: the list is scrolled until the row's bottom clears the cue.
        bottom = reason.mapTo(content, QPoint(0, reason.height())).y()
        bar.setValue(max(bar.value(), bottom + cue_height - viewport.height()))
        top = reason.mapTo(viewport, QPoint(0, 0)).y()
        uncovered = viewport.height() - (screen.more_below.height() if screen.more_below.isVisible() else 0)
        assert top >= 0, f"{where}: the top of {reason.text()!r} is above the view"
        assert top + reason.height() <= uncovered, f"{where}: the bottom of {reason.text()!r} is below the view or under the cue"
    assert bar.value() == bar.maximum(), f"{where}: the last row is not at the end of the list"
    assert not screen.more_below.isVisible(), f"{where}: the cue still shows at the end of the list"
    bar.setValue(0)


def walk_checking_fit(qtbot, window, font_scale: float, where: str) -> QRectF:
    """Walk a demo rental from welcome to done, asserting at each screen that it fits the display.

    Returns where the signature pad lay in its canvas on the sign screen.
    """
    assert_whole_screen_shown(qtbot, window, f"{where} welcome")

    click(qtbot, window.welcome.start_button)
    wait_idle_on(qtbot, window, Stage.CONSENT)
    assert_whole_screen_shown(qtbot, window, f"{where} consent")
    consent = window.screens[Stage.CONSENT]
    consent.id_box.setChecked(True)
    consent.face_box.setChecked(True)
    click(qtbot, consent.continue_button)

    wait_idle_on(qtbot, window, Stage.DOCUMENT)
    assert window.cancel_button.isVisible()
    assert_whole_screen_shown(qtbot, window, f"{where} document")
    click(qtbot, window.screens[Stage.DOCUMENT].read_button)

    licence = window.screens[Stage.LICENCE]
    wait_idle_on(qtbot, window, Stage.LICENCE)
    qtbot.waitUntil(licence.continue_button.isVisible, timeout=STEP_TIMEOUT_MS)
    assert_every_row_reachable(qtbot, window, licence, f"{where} licence")
    click(qtbot, licence.continue_button)

    # NOTE: the face screen's body may scroll with large type (its preview keeps at least
    # 320 x 240 px), so it is checked to fit and to show the cue, not to need no scrolling.
    face = window.screens[Stage.FACE]
    wait_idle_on(qtbot, window, Stage.FACE)
    assert_fits(qtbot, window, f"{where} face")
    assert face.more_below.isVisible() == (body_overflow(face) > 0)
    click(qtbot, face.capture_button)
    qtbot.waitUntil(lambda: face.captured and not window.runner.busy, timeout=STEP_TIMEOUT_MS)
    assert_fits(qtbot, window, f"{where} face captured")
    click(qtbot, face.continue_button)

    verification = window.screens[Stage.VERIFICATION]
    wait_idle_on(qtbot, window, Stage.VERIFICATION)
    qtbot.waitUntil(verification.continue_button.isVisible, timeout=STEP_TIMEOUT_MS)
    assert_every_row_reachable(qtbot, window, verification, f"{where} verification")
    click(qtbot, verification.continue_button)

    contract = window.screens[Stage.CONTRACT]
    wait_idle_on(qtbot, window, Stage.CONTRACT)
    qtbot.waitUntil(lambda: bool(contract.clause_boxes), timeout=STEP_TIMEOUT_MS)
    assert_whole_screen_shown(qtbot, window, f"{where} contract")
    read_to_end(qtbot, contract)
    for clause_id in window.context.session.clauses_to_acknowledge:
        tick(qtbot, contract, clause_id)
    assert_whole_screen_shown(qtbot, window, f"{where} contract ticked")
    click(qtbot, contract.confirm_button)

    sign = window.screens[Stage.SIGN]
    wait_idle_on(qtbot, window, Stage.SIGN)
    assert_whole_screen_shown(qtbot, window, f"{where} sign")
    pad = sign.canvas.pad_rect()
    assert CANVAS_MIN_WIDTH <= pad.width() <= CANVAS_WIDTH, f"{where}: the pad is {pad}"
    assert pad.height() >= CANVAS_MIN_HEIGHT, f"{where}: the pad is {pad}"
    draw_signature(qtbot, sign.canvas)
    xs = [point.x for stroke in sign.canvas.signature().strokes for point in stroke]
    # draw_signature lays its strokes out from x = 40 to 910 pad units, whatever size the pad is shown at.
    assert min(xs) == pytest.approx(40, abs=2), f"{where}: the strokes start at x = {min(xs)}"
    assert max(xs) == pytest.approx(910, abs=2), f"{where}: the strokes end at x = {max(xs)}"
    click(qtbot, sign.submit_button)

    wait_idle_on(qtbot, window, Stage.DONE)
    assert_whole_screen_shown(qtbot, window, f"{where} done")
    return pad


@pytest.mark.parametrize(
    "font_scale, language",
    [
        (1.0, "zh"),
        (1.5, "zh"),
        (2.0, "zh"),
        (1.0, "en"),
        (1.5, "en"),
        (2.0, "en"),
    ],
)
def test_every_screen_fits(qtbot, scaled_kiosk, font_scale, language):
    window = scaled_kiosk(f"font_scale = {font_scale}")
    if language == "en":
        click(qtbot, window.language_button)
    assert window.context.language == language
    pad = walk_checking_fit(qtbot, window, font_scale, f"{font_scale} {language}")
    if font_scale == 2.0:
        # With the largest type the pad is shown smaller than its 960 x 320 units, and
        # the signature drawn across it was still accepted and recorded in pad units.
        assert pad.width() < CANVAS_WIDTH


def test_small_canvas_records_pad_units(qtbot):
    """A canvas shown at 600 x 300 draws the pad at 600 x 200 from y = 50, and records its strokes in pad units."""
    canvas = SignatureCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(600, 300)
    canvas.show()
    qtbot.waitExposed(canvas)
    assert canvas.pad_rect() == QRectF(0, 50, 600, 200)

    # Widget pixels, 0.625 per pad unit: along the pad's middle, up to its top edge, down
    # to its bottom edge, past its top (clamped to 0) and across to its right end.
    path = [QPoint(0, 150), QPoint(150, 50), QPoint(300, 250), QPoint(450, 20), QPoint(599, 150)]
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=path[0])
    for point in path[1:-1]:
        qtbot.mouseMove(canvas, point)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=path[-1])

    (stroke,) = canvas.signature().strokes
    assert [(point.x, point.y) for point in stroke] == [(0.0, 160.0), (240.0, 0.0), (480.0, 320.0), (720.0, 0.0), (958.4, 160.0)]
    signature = canvas.signature()
    assert (signature.width, signature.height) == (CANVAS_WIDTH, CANVAS_HEIGHT)

    # The ink is drawn where the finger went: the stroke's corner at (150, 50) is inked,
    # and the strip above the pad stays clear of the pad's white.
    image = canvas.grab().toImage()
    ratio = image.devicePixelRatio()
    assert image.pixelColor(round(150 * ratio), round(52 * ratio)).name() != "#ffffff"
    assert image.pixelColor(round(300 * ratio), round(100 * ratio)).name() == "#ffffff"


def test_canvas_position_of_inverts_recording(qtbot):
    canvas = SignatureCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(500, 300)
    canvas.show()
    assert canvas.pad_rect() == QRectF(0, 150 - 500 / 6, 500, 500 / 3)
    assert canvas.position_of(0, 0) == canvas.pad_rect().topLeft()
    assert canvas.position_of(CANVAS_WIDTH, CANVAS_HEIGHT) == canvas.pad_rect().bottomRight()


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
