"""The counter's clerk panel, device panel and tab style, driven in training mode offscreen.

The sessions are real: the training branch's simulated reader, recorded frames, the
dlib model and the SQLCipher store, driven through the counter window as a clerk
drives them. The figures are checked on the checks those sessions record.
"""

import re

import pytest

from countersign.headless import drive_session
from countersign.runtime import BranchRuntime
from countersign.training import TRAINING_ACCOUNTS, DemoCustomer, TrainingBranch
from devices.signature_pad import SimulatedSignaturePad
from kiosk.checks import Check, Outcome
from kiosk.identity.liveness import MAX_ATTEMPTS
from kiosk.session import Stage
from kiosk.ui import strings
from kiosk.ui.counter.app import build_counter_window
from kiosk.ui.counter.figures import describe_figures
from kiosk.ui.counter.style import COUNTER_STYLE_SHEET
from kiosk.ui.qt import QColor, QTabWidget, Qt, QWidget
from kiosk.ui.style import base_font
from tests.test_accessibility import contrast_ratio, parse_rules

pytestmark = pytest.mark.gui

STEP_TIMEOUT_MS = 60_000
# A 1366 x 768 branch screen less a 40 px task bar and a 28 px title bar.
SMALL_SCREEN = (1366, 700)
# Rows of the checks table that stay wholly in view at SMALL_SCREEN after a refused
# customer, in Chinese. The table keeps room for four rows of two lines, but a row of
# three lines (the face match's reason, say) takes the room of a fourth.
MIN_ROWS_IN_VIEW = 3
# The selected tab's border and focus border together are at most this wide.
TAB_BORDER_PX = 5
# Text a clerk must never read in the figures column: Python values, identifiers, placeholders.
DEVELOPER_TEXT = re.compile(r"\bNone\b|\bTrue\b|\bFalse\b|[A-Za-z]+_[A-Za-z_]+|[{}]|\[|\]")


@pytest.fixture
def training(faces_dir, face_model):
    branch = TrainingBranch(faces_dir, face_model)
    branch.provision()
    yield branch
    branch.close()


@pytest.fixture
def counter(qtbot, training):
    """A signed-in training counter window of SMALL_SCREEN size."""
    window = build_counter_window(None, training)
    qtbot.addWidget(window)
    window.resize(*SMALL_SCREEN)
    window.show()
    window.start_runtime()
    qtbot.waitUntil(window.login.sign_in_button.isEnabled, timeout=STEP_TIMEOUT_MS)
    clerk = TRAINING_ACCOUNTS[0]
    window.login.account_edit.setText(clerk.account_id)
    window.login.pin_edit.setText(clerk.pin)
    window.login.submit()
    qtbot.waitUntil(lambda: window.context.actor is not None, timeout=STEP_TIMEOUT_MS)
    yield window
    window.shutdown()


def idle_in(window, stage: Stage):
    def reached() -> None:
        assert not window.runner.busy
        session = window.context.session
        assert session is not None and session.stage is stage, f"stage {session.stage if session else None}"

    return reached


def walk_to_face(qtbot, window, customer: DemoCustomer) -> None:
    page = window.session_page
    page.customer_box.setCurrentIndex(page.customer_box.findData(customer))
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(idle_in(window, Stage.CONSENT), timeout=STEP_TIMEOUT_MS)
    consent = page.screens[Stage.CONSENT]
    consent.id_box.setChecked(True)
    consent.face_box.setChecked(True)
    qtbot.mouseClick(consent.continue_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(idle_in(window, Stage.DOCUMENT), timeout=STEP_TIMEOUT_MS)
    qtbot.mouseClick(page.screens[Stage.DOCUMENT].read_button, Qt.MouseButton.LeftButton)
    licence = page.screens[Stage.LICENCE]
    qtbot.waitUntil(licence.continue_button.isVisible, timeout=STEP_TIMEOUT_MS)
    qtbot.mouseClick(licence.continue_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(idle_in(window, Stage.FACE), timeout=STEP_TIMEOUT_MS)


def rows_in_view(table) -> int:
    viewport = table.viewport().height()
    return sum(
        1
        for row in range(table.rowCount())
        if table.rowViewportPosition(row) >= 0 and table.rowViewportPosition(row) + table.rowHeight(row) <= viewport
    )


def figures_column(table) -> list[str]:
    return [table.item(row, 2).text() for row in range(table.rowCount())]


def row_of(table, check_key: str, language: str) -> list[str]:
    name = strings.text(check_key, language)
    for row in range(table.rowCount()):
        if table.item(row, 0).text() == name:
            return [table.item(row, column).text() for column in range(table.columnCount())]
    raise AssertionError(f"no row {name!r} in the checks table")


# Tab style ---------------------------------------------------------------------------


def cascaded(sheet: str, selector: str) -> dict[str, str]:
    """Return the properties of ``selector`` after every rule for it. Later rules override earlier ones, as in Qt."""
    without_comments = re.sub(r"/\*.*?\*/", "", sheet, flags=re.DOTALL)
    properties: dict[str, str] = {}
    for rule_selector, declarations in parse_rules(without_comments):
        if rule_selector == selector:
            properties.update(declarations)
    return properties


def test_selected_tab_rule_contrast():
    selected = cascaded(COUNTER_STYLE_SHEET, "QTabBar::tab:selected")
    tab = cascaded(COUNTER_STYLE_SHEET, "QTabBar::tab")

    assert contrast_ratio(selected["color"], selected["background"]) >= 4.5
    assert selected["background"] != tab["background"]


def test_selected_tab_label_rendered_readable(qtbot):
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    tabs.setFont(base_font())
    tabs.setStyleSheet(COUNTER_STYLE_SHEET)
    tabs.addTab(QWidget(), "客户办理 (Ctrl+1)")
    tabs.addTab(QWidget(), "设备状态 (Ctrl+4)")
    tabs.resize(800, 200)
    tabs.show()
    qtbot.waitExposed(tabs)

    # Inside the borders (the focus border is 3 px), so only the fill and the label remain.
    bar = tabs.tabBar()
    image = bar.grab(bar.tabRect(0).adjusted(TAB_BORDER_PX, TAB_BORDER_PX, -TAB_BORDER_PX, -TAB_BORDER_PX)).toImage()
    fill = QColor(image.pixel(0, 0)).name()
    text_pixels = [
        (x, y)
        for y in range(image.height())
        for x in range(image.width())
        if contrast_ratio(QColor(image.pixel(x, y)).name(), fill) >= 4.5
    ]
    # A bold 18 px label paints hundreds of pixels in the text colour.
    assert len(text_pixels) > 100, f"the selected tab's label is not readable on {fill}"


# Layout --------------------------------------------------------------------------------


def test_refused_customer_fits_small_screen(qtbot, counter):
    walk_to_face(qtbot, counter, DemoCustomer.MISMATCH)
    face = counter.session_page.screens[Stage.FACE]
    qtbot.mouseClick(face.capture_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(face.continue_button.isVisible, timeout=STEP_TIMEOUT_MS)
    qtbot.mouseClick(face.continue_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(idle_in(counter, Stage.REFUSED), timeout=STEP_TIMEOUT_MS)

    clerk = counter.session_page.clerk
    table = clerk.table
    assert clerk.reason_edit.isVisible()
    assert clerk.override_button.isVisibleTo(clerk)
    hint = counter.minimumSizeHint()
    assert hint.width() <= SMALL_SCREEN[0], hint
    assert hint.height() <= SMALL_SCREEN[1], hint
    assert (counter.width(), counter.height()) == SMALL_SCREEN

    qtbot.waitUntil(lambda: rows_in_view(table) >= MIN_ROWS_IN_VIEW, timeout=5_000)
    assert not table.horizontalScrollBar().isVisible()
    header = table.horizontalHeader()
    for column in range(table.columnCount()):
        label = table.horizontalHeaderItem(column).text()
        assert header.sectionSize(column) >= header.fontMetrics().horizontalAdvance(label), label

    assert strings.text("counter.stage.refused", "zh") in clerk.session_line.text()
    counter.context.set_language("en")
    assert "stage Refused" in clerk.session_line.text()
    counter.context.set_language("zh")


def test_override_rows_hidden_without_problem(qtbot, counter):
    clerk = counter.session_page.clerk
    form = clerk.override_form
    for row in range(form.rowCount()):
        label = form.itemAt(row, form.ItemRole.LabelRole).widget()
        assert not label.isVisibleTo(clerk), label.text()

    walk_to_face(qtbot, counter, DemoCustomer.MATCH)
    assert strings.text("step.face", "zh") in clerk.session_line.text()
    for row in range(form.rowCount()):
        label = form.itemAt(row, form.ItemRole.LabelRole).widget()
        field = form.itemAt(row, form.ItemRole.FieldRole).widget()
        assert not label.isVisibleTo(clerk), label.text()
        assert not field.isVisibleTo(clerk), field.objectName()
    assert not clerk.override_title.isVisibleTo(clerk)


# Figures -------------------------------------------------------------------------------


def session_checks(training, face_model, customer: DemoCustomer) -> list[Check]:
    with BranchRuntime(training.config, face_model=face_model) as runtime:
        training.prepare(runtime, customer)
        session = runtime.new_session()
        drive_session(session, SimulatedSignaturePad())
        training.restore(runtime)
    return list(session.checks)


@pytest.mark.parametrize("customer", [DemoCustomer.MATCH, DemoCustomer.MISMATCH, DemoCustomer.EXPIRING, DemoCustomer.BLACKLISTED])
def test_figures_of_session_checks_readable(qapp, training, face_model, customer):
    checks = session_checks(training, face_model, customer)
    assert checks

    for check in checks:
        figures = describe_figures(check)
        for language in ("zh", "en"):
            text = figures.text(language)
            assert not DEVELOPER_TEXT.search(text), f"{check.name} ({language}): {text}"
        if check.details:
            assert figures.zh and figures.en, check.name
        assert re.search(r"[\u4e00-\u9fff]", figures.zh) or not figures.zh, f"{check.name}: {figures.zh}"


def test_figures_name_scores_and_thresholds(qapp, training, face_model):
    checks = {check.name: check for check in session_checks(training, face_model, DemoCustomer.MATCH)}

    duplicate = describe_figures(checks["face_duplicate"])
    assert f"阈值 {checks['face_duplicate'].details['threshold']}" in duplicate.zh
    validity = describe_figures(checks["document_validity"])
    assert "长期" in validity.zh
    assert checks["document_validity"].details["needed_until"] in validity.zh
    risk = describe_figures(checks["risk"])
    assert "信用分" in risk.zh
    assert "credit score" in risk.en
    national = describe_figures(checks["national_id"])
    assert national.zh == "未连接总部；离线批准，待总部复核"
    probation = describe_figures(checks["licence_probation"])
    assert "实习期内：否" in probation.zh
    assert "in probation: no" in probation.en


def test_figures_fallback_for_unknown_keys(qapp):
    check = Check("new_check", Outcome.PASS, strings.message("counter.figure.none"), {"seen_before": False, "score": None, "ratio": 0.123456})

    figures = describe_figures(check)

    assert figures.zh == "seen before：否；score：无；ratio：0.1235"
    assert figures.en == "seen before: no; score: none; ratio: 0.1235"


def test_figures_show_override(qapp):
    check = Check(
        "face_match", Outcome.PASS, strings.message("counter.figure.none"),
        {"distance": 0.51, "threshold": 0.48, "overridden_outcome": "fail", "overridden_by": "super.li"},
    )

    figures = describe_figures(check)

    assert figures.zh.startswith("距离 0.51，阈值 0.48")
    assert "原结果 未通过" in figures.zh
    assert "super.li" in figures.en


# Liveness ------------------------------------------------------------------------------


def test_photo_customer_liveness_attempt_shown(qtbot, counter):
    walk_to_face(qtbot, counter, DemoCustomer.PHOTO)
    face = counter.session_page.screens[Stage.FACE]
    qtbot.mouseClick(face.capture_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: face.notice.isVisible() and not counter.runner.busy, timeout=STEP_TIMEOUT_MS)

    session = counter.context.session
    (attempt,) = session.liveness_attempts.results
    assert attempt.outcome is Outcome.FAIL
    clerk = counter.session_page.clerk
    row = row_of(clerk.table, "check.liveness", "zh")
    assert row[1] == strings.text("check.outcome.fail", "zh")
    assert f"第 1 次，共 {MAX_ATTEMPTS} 次" in row[2]
    assert "立体感 未通过" in row[2]
    assert row[3] == attempt.reason.zh

    counter.context.set_language("en")
    row = row_of(clerk.table, "check.liveness", "en")
    assert f"attempt 1 of {MAX_ATTEMPTS}" in row[2]
    counter.context.set_language("zh")


# Devices -------------------------------------------------------------------------------


def test_device_outbox_label_translated(qtbot, counter):
    counter.show_tab(3)
    panel = counter.device_page

    assert panel.names["outbox"].text() == "待发送数据"
    counter.context.set_language("en")
    assert panel.names["outbox"].text() == "Outbox"
    assert "{" not in panel.names["outbox"].text()
    counter.context.set_language("zh")
